/**
 * `pulumi-qemu-vcpu --version`: the version in the package's own package.json, found at run
 * time by walking up from the running file (dist/provider/cli in the package, provider/cli
 * from source), so it can never disagree with what is installed.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { CliError } from "./errors";

/** package.json `name` of this package; other package.json files on the way up are skipped. */
const PACKAGE_NAME = "pulumi-qemu-vcpu";

function versionIn(file: string): string | undefined {
  const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: unknown; version?: unknown };
  return pkg.name === PACKAGE_NAME && typeof pkg.version === "string" ? pkg.version : undefined;
}

/** The package's version; PACKAGE_UNREADABLE when no package.json of ours is above `from`. */
export function packageVersion(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    const version = existsSync(file) ? versionIn(file) : undefined;
    if (version !== undefined) return version;
    if (dirname(dir) === dir) throw new CliError("PACKAGE_UNREADABLE", `no package.json of ${PACKAGE_NAME} above ${from}`);
  }
}
