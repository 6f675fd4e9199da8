/**
 * Which QEMU to run: {@link qemuFromRoot} for an unpacked (dpkg -x) QEMU next to the system one, and
 * {@link qemu10} for QEMU 10.0 from bookworm-backports (fetched and unpacked by test/guest/qemu10.sh).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CommandError, run } from "./exec";
import { GUEST_DIR } from "./paths";

/** How to run one QEMU installation: binary, extra environment and leading arguments. */
export interface QemuInstall {
  binary: string;
  root: string;
  env: Record<string, string>;
  args: string[];
}

/** Leading arguments of every fixture QEMU: no default devices, no user config files. */
export const BASE_QEMU_ARGS: readonly string[] = ["-nodefaults", "-no-user-config"];

/** Binary, env and args to run an unpacked (dpkg -x) QEMU from `root` next to the system one (note: Addendum). */
export function qemuFromRoot(root: string, binaryName = "qemu-system-x86_64"): QemuInstall {
  const triplet = "x86_64-linux-gnu";
  const env: Record<string, string> = { QEMU_MODULE_DIR: path.join(root, "usr", "lib", triplet, "qemu") };
  const libDirs = [path.join(root, "usr", "lib", triplet), path.join(root, "lib", triplet)].filter((d) => {
    try {
      return fs.readdirSync(d).some((f) => /\.so(\.|$)/.test(f));
    } catch {
      return false;
    }
  });
  if (libDirs.length) env.LD_LIBRARY_PATH = libDirs.join(":");
  const args: string[] = [];
  for (const d of [path.join(root, "usr", "share", "seabios"), path.join(root, "usr", "share", "qemu")]) {
    if (fs.existsSync(d)) args.push("-L", d);
  }
  args.push(...BASE_QEMU_ARGS);
  return { binary: path.join(root, "usr", "bin", binaryName), root, env, args };
}

let qemu10Promise: Promise<QemuInstall | null> | undefined;

/**
 * QEMU 10.0 from bookworm-backports, unpacked (not installed) by test/guest/qemu10.sh into .cache/qemu10/root.
 * Resolves null only when the script reports that QEMU 10.0 cannot exist on this system (exit code 3: not a
 * Debian bookworm/amd64 host); any other failure rejects with the script's output.
 */
export function qemu10(): Promise<QemuInstall | null> {
  qemu10Promise ??= (async () => {
    try {
      const out = await run("bash", [path.join(GUEST_DIR, "qemu10.sh")], { timeoutMs: 900_000 });
      const jsonFile = /^QEMU10_JSON=(.*)$/m.exec(out.stdout)?.[1];
      if (!jsonFile) throw new Error(`qemu10.sh printed no QEMU10_JSON= line:\n${out.stdout}${out.stderr}`);
      return JSON.parse(fs.readFileSync(jsonFile, "utf8")) as QemuInstall;
    } catch (e) {
      if (e instanceof CommandError && e.code === 3) return null;
      qemu10Promise = undefined;
      throw e;
    }
  })();
  return qemu10Promise;
}
