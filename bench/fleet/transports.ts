/** The libvirt URI bench/fleet uses per transport. */

/** Transports bench/fleet measures. */
export type Transport = "unix" | "ssh";

/** The URI for a transport on this host (ssh: loopback sshd with a key made for the run). */
export async function transportUri(via: Transport): Promise<string> {
  if (via === "unix") return "qemu:///system";
  throw new Error(`transport ${via} is not wired into bench/fleet yet`);
}
