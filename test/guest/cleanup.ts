/**
 * Removing what crashed (or parallel) test runs left behind: libvirt domains, tracked raw QEMU processes and temp
 * dirs whose names start with a prefix ({@link cleanupLeftovers}).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { destroyDomain } from "./domain";
import { ownerPidOf, pidAlive, virsh } from "./exec";
import { rmrf } from "./files";
import { isOurQemu, killAndWait, trackedRecords, untrack } from "./tracking";

/** What {@link cleanupLeftovers} removed. */
export interface CleanupReport {
  /** Names of the domains destroyed + undefined. */
  domains: string[];
  /** Names of the raw QEMU processes killed. */
  rawQemus: string[];
}

/**
 * Destroys + undefines every libvirt domain whose name starts with `prefix`, and kills every raw QEMU started by
 * these fixtures (tracked under .cache/test-guest/raw) whose name starts with `prefix`. With `staleOnly`, only
 * those whose owning test process (pid embedded by uniqueName) is gone: safe while others run tests.
 */
export async function cleanupLeftovers(prefix: string, opts: { staleOnly?: boolean } = {}): Promise<CleanupReport> {
  const report: CleanupReport = { domains: [], rawQemus: [] };
  const isStale = (owner: number | undefined) => !opts.staleOnly || (owner !== undefined && owner !== process.pid && !pidAlive(owner));

  const names = (await virsh(["list", "--all", "--name"])).stdout
    .split("\n")
    .map((s) => s.trim())
    .filter((s) => s.startsWith(prefix));
  for (const n of names) {
    if (!isStale(ownerPidOf(n))) continue;
    await destroyDomain(n);
    report.domains.push(n);
  }

  for (const rec of trackedRecords()) {
    if (!rec.name.startsWith(prefix) || !isStale(rec.owner)) continue;
    if (isOurQemu(rec.pid, rec.dir)) {
      await killAndWait(rec.pid, () => !isOurQemu(rec.pid, rec.dir));
      report.rawQemus.push(rec.name);
    }
    untrack(rec.name);
    rmrf(rec.dir);
  }

  // Temp dirs left by a crash before destroy()/stop().
  for (const d of fs.readdirSync(os.tmpdir())) {
    if (!d.startsWith(prefix)) continue;
    if (opts.staleOnly && !isStale(ownerPidOf(d.replace(/-[A-Za-z0-9]{6}$/, "")))) continue;
    rmrf(path.join(os.tmpdir(), d));
  }
  return report;
}
