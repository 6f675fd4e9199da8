import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isCliError } from "../../../provider/cli/errors";
import { packageVersion } from "../../../provider/cli/version";

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "version-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (path: string, pkg: unknown) => {
  mkdirSync(join(dir, path), { recursive: true });
  writeFileSync(join(dir, path, "package.json"), JSON.stringify(pkg));
};

describe("packageVersion", () => {
  test("found from the compiled file's folder (dist/provider/cli)", () => {
    write(".", { name: "pulumi-qemu-vcpu", version: "1.2.3" });
    mkdirSync(join(dir, "dist", "provider", "cli"), { recursive: true });
    expect(packageVersion(join(dir, "dist", "provider", "cli"))).toBe("1.2.3");
  });

  test("another package's package.json on the way up is skipped", () => {
    write(".", { name: "pulumi-qemu-vcpu", version: "0.9.0" });
    write("examples/basic", { name: "basic", version: "9.9.9" });
    expect(packageVersion(join(dir, "examples", "basic"))).toBe("0.9.0");
  });

  test("none of ours above: PACKAGE_UNREADABLE naming where it looked", () => {
    const err = (() => { try { return packageVersion(dir); } catch (e) { return e; } })();
    expect(isCliError(err, "PACKAGE_UNREADABLE")).toBe(true);
    expect((err as Error).message).toContain(dir);
  });
});
