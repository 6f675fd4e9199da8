/**
 * The typed failure of an SSH link made by this module (QMP over SSH): a stable `code`
 * ("SSH_FAILED"), a `reason`, the user@host:port, and a message that says what to do next.
 */

/** Why an SSH link failed. */
export type SshLinkFailureReason =
  | "HOST_KEY_UNKNOWN"
  | "HOST_KEY_CHANGED"
  | "AUTH_REJECTED"
  | "REFUSED"
  | "TIMEOUT"
  | "UNREACHABLE"
  | "FORWARD_REFUSED"
  | "LINK_LOST"
  | "FAILED";

/** Facts the message of an {@link SshLinkError} is built from. */
export interface SshLinkDetails {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** The known_hosts file consulted. */
  readonly knownHosts: string;
  /** The far-side unix socket the channel was for, when there was one. */
  readonly socket?: string | undefined;
}

const portArg = (d: SshLinkDetails): string => (d.port === 22 ? "" : `-p ${d.port} `);

/** What to do about each reason. */
const HINTS: Readonly<Record<SshLinkFailureReason, (d: SshLinkDetails) => string>> = {
  HOST_KEY_UNKNOWN: (d) =>
    `its host key is not in ${d.knownHosts}: check the fingerprint, then add it: ssh-keyscan ${portArg(d)}${d.host} >> ${d.knownHosts}`,
  HOST_KEY_CHANGED: (d) =>
    `its host key differs from the one in ${d.knownHosts} (possible man-in-the-middle): if ${d.host} was reinstalled, remove the old entry (ssh-keygen -R ${d.host}) and add the new one (ssh-keyscan ${portArg(d)}${d.host})`,
  AUTH_REJECTED: (d) =>
    `${d.host} refused every key offered for ${d.user}: authorize your public key there (~${d.user}/.ssh/authorized_keys), set qmp.ssh.keyfile, or load the key into ssh-agent (SSH_AUTH_SOCK)`,
  REFUSED: (d) => `nothing accepts connections on ${d.host} port ${d.port}: is sshd running there, and is the port right?`,
  TIMEOUT: (d) => `${d.host} port ${d.port} did not answer in time: check the address, the network and firewalls`,
  UNREACHABLE: (d) => `${d.host} cannot be resolved or reached: check the host name and the network`,
  FORWARD_REFUSED: (d) =>
    `sshd on ${d.host} could not connect to ${d.socket ?? "the socket"}: is the VM running and is the path right (Proxmox: /var/run/qemu-server/<vmid>.qmp), may ${d.user} open it, and does sshd_config allow AllowStreamLocalForwarding (the default)?`,
  LINK_LOST: (d) => `the connection to ${d.host} dropped: the outcome of a command in flight is unknown; check the link and retry (refresh reads what the VM has now)`,
  FAILED: (d) => `see the detail above; try ssh ${portArg(d)}${d.user}@${d.host} by hand`,
};

/** An SSH link failed: host key, authentication, connection, the far-side socket, or a link lost mid-call. */
export class SshLinkError extends Error {
  readonly code = "SSH_FAILED" as const;
  override readonly name = "SshLinkError";

  constructor(
    /** Machine-readable failure class. */
    readonly reason: SshLinkFailureReason,
    /** Where and as whom. */
    readonly details: SshLinkDetails,
    /** What the client or sshd said. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`ssh to ${details.user}@${details.host}:${details.port} failed (${reason})${detail ? `: ${detail}` : ""}; ${HINTS[reason](details)}`, options);
  }
}

/** The first {@link SshLinkError} in `err`'s `cause` chain, or undefined. */
export function findSshLinkError(err: unknown): SshLinkError | undefined {
  let cur: unknown = err;
  for (let i = 0; i < 16 && cur !== undefined && cur !== null; i++) {
    if (cur instanceof SshLinkError) return cur;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}
