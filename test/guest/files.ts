/** Small best-effort filesystem helpers shared by the fixtures: temp dirs, log tails, socket path checks. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The last `lines` lines of a (console/stderr) log without CRs, or "(no log)" if it cannot be read. */
export function tailOf(file: string, lines = 40): string {
  try {
    const text = fs.readFileSync(file, "utf8").replace(/\r/g, "");
    return text.split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** A fresh `<tmpdir>/<name>-XXXXXX` directory, mode 0755. */
export function makeTempDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  // QEMU under libvirt runs as libvirt-qemu; the directory only needs to be traversable/readable.
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** Unix socket paths are limited to 107 bytes (sun_path): throws (after removing `dir`) when `socketPath` is longer. */
export function checkSocketPath(dir: string, socketPath: string): void {
  if (Buffer.byteLength(socketPath) > 107) {
    rmrf(dir);
    throw new Error(`socket path too long for AF_UNIX (${Buffer.byteLength(socketPath)} > 107 bytes): ${socketPath}; use a shorter name`);
  }
}

/** `rm -rf p`, ignoring every error. */
export function rmrf(p: string): void {
  try {
    fs.rmSync(p, { recursive: true, force: true });
  } catch {
    /* best effort */
  }
}
