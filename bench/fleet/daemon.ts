/**
 * Connections opened to libvirtd, counted on the daemon's side: libvirtd numbers its clients
 * in order (`virt-admin srv-clients-list libvirtd`), so the id of a probe connection made
 * before and after a run tells how many clients connected in between, whatever transport
 * they came over (an ssh connection reaches the daemon through virt-ssh-helper as one client).
 */
import { LibvirtClient } from "../../provider/libvirt";
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The highest client id libvirtd's `libvirtd` server lists while a probe connection is open. */
async function newestClientId(): Promise<number> {
  const probe = await LibvirtClient.connect({ uri: "qemu:///system" });
  try {
    const { stdout } = await run("virt-admin", ["-c", "libvirtd:///system", "srv-clients-list", "libvirtd"]);
    const ids = [...stdout.matchAll(/^\s*(\d+)\s/gm)].map((m) => Number(m[1]));
    if (!ids.length) throw new Error(`virt-admin listed no clients:\n${stdout}`);
    return Math.max(...ids);
  } finally {
    await probe.close();
  }
}

/** Runs `fn` and returns how many client connections libvirtd accepted meanwhile (not counting the probes). */
export async function daemonClientsOpened(fn: () => Promise<unknown>): Promise<number> {
  const before = await newestClientId();
  await fn();
  const after = await newestClientId();
  return after - before - 1;
}
