/** The libvirt URI bench/fleet uses per transport. */
import { makeSshFixture, type SshFixture } from "../../test/integration/remote/sshd";

/** Transports bench/fleet measures. */
export type Transport = "unix" | "ssh";

/** A URI for a transport on this host and what to undo afterwards. */
export interface TransportUri {
  readonly uri: string;
  dispose(): void;
}

/**
 * The URI for a transport on this host: the local socket, or the loopback sshd of
 * .ci/host-setup.sh with a key authorized and a known_hosts written for this run.
 */
export async function transportUri(via: Transport): Promise<TransportUri> {
  if (via === "unix") return { uri: "qemu:///system", dispose: () => undefined };
  const ssh: SshFixture = await makeSshFixture();
  return { uri: `qemu+ssh://root@127.0.0.1/system?${ssh.query}`, dispose: () => ssh.cleanup() };
}
