/**
 * Typed errors of the libvirt client, each with a stable string `code` discriminant and
 * the underlying `cause` kept. This is the only file that may inspect message strings.
 */
import {
  ERR_AGENT_UNRESPONSIVE,
  ERR_ARGUMENT_UNSUPPORTED,
  ERR_INVALID_ARG,
  ERR_NO_DOMAIN,
  ERR_NO_DOMAIN_METADATA,
  ERR_NO_SUPPORT,
  ERR_OPERATION_DENIED,
  ERR_OPERATION_INVALID,
  ERR_OPERATION_TIMEOUT,
  ERR_OPERATION_UNSUPPORTED,
  ERR_RPC,
} from "./constants";

/** The string discriminants of every error this module throws. */
export type LibvirtClientErrorCode =
  | "LIBVIRT_ERROR"
  | "CONNECTION_CLOSED"
  | "PROTOCOL_ERROR"
  | "XDR_ERROR"
  | "CALL_TIMEOUT"
  | "TRANSPORT_UNSUPPORTED"
  | "INVALID_URI"
  | "DIAL_FAILED"
  | "CONNECT_FAILED"
  | "CONNECT_TIMEOUT"
  | "AUTH_UNSUPPORTED"
  | "AUTH_FAILED"
  | "INVALID_CPU_LIST"
  | "SSH_FAILED"
  | "SOCKET_NOT_FOUND"
  | "SOCKET_ACCESS_DENIED"
  | "KEEPALIVE_TIMEOUT"
  // qemu+tls / qemu+tcp (transport/tls.ts, transport/pki.ts)
  | "TLS_PKI_MISSING"
  | "TLS_SERVER_UNTRUSTED"
  | "TLS_HOSTNAME_MISMATCH"
  | "TLS_CERT_EXPIRED"
  | "TLS_CLIENT_REJECTED";

/** Base class of all errors thrown by `provider/libvirt`; narrow on `code`. */
export abstract class LibvirtClientError extends Error {
  /** Stable discriminant; never changes between releases. */
  abstract readonly code: LibvirtClientErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Why an XDR decode/encode failed (see {@link XdrError}). */
export type XdrErrorReason =
  | "SHORT_BUFFER"
  | "LENGTH_EXCEEDS_MAX"
  | "BAD_PADDING"
  | "BAD_BOOL"
  | "BAD_OPTIONAL"
  | "TRAILING_BYTES"
  | "OUT_OF_RANGE";

/** Malformed XDR data (RFC 4506): short buffer, bad length, non-zero padding, … */
export class XdrError extends LibvirtClientError {
  readonly code = "XDR_ERROR";

  constructor(
    /** Machine-readable failure class. */
    readonly reason: XdrErrorReason,
    /** Byte offset in the buffer where decoding failed (-1 when encoding). */
    readonly offset: number,
    message: string,
  ) {
    super(`XDR ${reason} at offset ${offset}: ${message}`);
  }
}

/** A frame or reply that violates the libvirt RPC protocol (virnetprotocol.x). */
export class ProtocolError extends LibvirtClientError {
  readonly code = "PROTOCOL_ERROR";
}

/**
 * Fields of `struct remote_error` (remote_protocol.x; same layout as virNetMessageError
 * in virnetprotocol.x). The unused `dom`/`net` members are decoded but not kept here.
 */
export interface RemoteErrorFields {
  /** virErrorNumber, e.g. 42 VIR_ERR_NO_DOMAIN. */
  code: number;
  /** virErrorDomain, e.g. 10 VIR_FROM_QEMU. */
  domain: number;
  /** Human-readable message (optional on the wire). */
  message: string | null;
  /** virErrorLevel: 0 NONE, 1 WARNING, 2 ERROR. */
  level: number;
  str1: string | null;
  str2: string | null;
  str3: string | null;
  int1: number;
  int2: number;
}

/**
 * An error reply from libvirtd (REPLY with status ERROR carrying `remote_error`).
 * `errorCode` is the numeric virErrorNumber (`remote_error.code`); `code` is the string
 * discriminant shared by all errors of this module.
 */
export class LibvirtError extends LibvirtClientError {
  readonly code = "LIBVIRT_ERROR";
  /** virErrorNumber (`remote_error.code`). */
  readonly errorCode: number;
  /** virErrorDomain (`remote_error.domain`). */
  readonly domain: number;
  /** virErrorLevel (`remote_error.level`). */
  readonly level: number;
  readonly str1: string | null;
  readonly str2: string | null;
  readonly str3: string | null;
  readonly int1: number;
  readonly int2: number;
  /** Wire name of the procedure that failed, e.g. "REMOTE_PROC_DOMAIN_SET_VCPU". */
  readonly procedure: string | undefined;

  constructor(fields: RemoteErrorFields, procedure?: string) {
    super(fields.message ?? `libvirt error ${fields.code} (domain ${fields.domain})`);
    this.errorCode = fields.code;
    this.domain = fields.domain;
    this.level = fields.level;
    this.str1 = fields.str1;
    this.str2 = fields.str2;
    this.str3 = fields.str3;
    this.int1 = fields.int1;
    this.int2 = fields.int2;
    this.procedure = procedure;
  }
}

/** The connection closed (or failed) while a call was pending or before it was sent. */
export class ConnectionClosedError extends LibvirtClientError {
  readonly code = "CONNECTION_CLOSED";
}

/** A call got no reply within its timeout; the connection stays open. */
export class CallTimeoutError extends LibvirtClientError {
  readonly code = "CALL_TIMEOUT";

  constructor(
    /** Wire name of the procedure, e.g. "REMOTE_PROC_DOMAIN_GET_STATE". */
    readonly procedure: string,
    /** The timeout that elapsed, in ms. */
    readonly timeoutMs: number,
  ) {
    super(`${procedure}: no reply within ${timeoutMs} ms`);
  }
}

/** A libvirt URI transport this client does not implement yet (ssh, tls, tcp, …). */
export class TransportUnsupportedError extends LibvirtClientError {
  readonly code = "TRANSPORT_UNSUPPORTED";

  constructor(readonly transport: string, readonly uri: string, supported: readonly string[] = []) {
    super(
      `libvirt transport "${transport}" (${uri}) is not supported` +
        (supported.length ? `; supported: ${supported.join(", ")}` : "") +
        `, or pass a custom Dialer`,
    );
  }
}

/** A libvirt URI that cannot be parsed. */
export class InvalidUriError extends LibvirtClientError {
  readonly code = "INVALID_URI";
}

/** Dialing the transport failed (socket missing, refused, permission denied). */
export class DialError extends LibvirtClientError {
  readonly code = "DIAL_FAILED";
}

/**
 * The phases of {@link LibvirtClient.connect}: `dial` (the Dialer's stream), `auth`
 * (REMOTE_PROC_AUTH_LIST, and AUTH_POLKIT when offered), `open` (CONNECT_OPEN, and
 * CONNECT_SUPPORTS_FEATURE when keepalive is asked for).
 */
export type ConnectPhase = "dial" | "auth" | "open";

/**
 * Connecting failed in `phase`: the daemon refused, answered an error or garbage, or the
 * stream closed. `cause` is the specific error (DialError, AuthFailedError, LibvirtError,
 * ConnectionClosedError, ProtocolError, …); the stream is already destroyed.
 */
export class ConnectError extends LibvirtClientError {
  readonly code = "CONNECT_FAILED";

  constructor(
    /** The phase that failed. */
    readonly phase: ConnectPhase,
    /** The URI and the stream it was dialled over, e.g. "qemu:///system (unix:/run/libvirt/libvirt-sock)". */
    readonly target: string,
    /** Time from the start of connect() to the failure, in ms. */
    readonly elapsedMs: number,
    options: { cause: unknown },
  ) {
    super(`connecting to ${target} failed in ${phase} after ${elapsedMs} ms: ${(options.cause as Error)?.message ?? String(options.cause)}`, options);
  }
}

/**
 * The connect deadline passed: dial + auth + open did not finish within `timeoutMs`, and
 * `phase` is the one the daemon never answered. The stream is already destroyed.
 */
export class ConnectTimeoutError extends LibvirtClientError {
  readonly code = "CONNECT_TIMEOUT";

  constructor(
    /** The phase that was waiting when the deadline passed. */
    readonly phase: ConnectPhase,
    /** The URI and the stream it was dialled over. */
    readonly target: string,
    /** The deadline, in ms. */
    readonly timeoutMs: number,
    /** Time actually waited, in ms (≥ timeoutMs). */
    readonly elapsedMs: number,
  ) {
    super(`connecting to ${target}: no answer in ${phase} within ${timeoutMs} ms (waited ${elapsedMs} ms); is the daemon hung?`);
  }
}

/** Names of `remote_auth_type` values (remote_protocol.x) for messages. */
const AUTH_TYPE_NAMES: Readonly<Record<number, string>> = { 0: "none", 1: "sasl", 2: "polkit" };

/**
 * The server only offers authentication schemes this client lacks (e.g. SASL, which libvirtd
 * asks for on qemu+tcp by default: `auth_tcp = "sasl"`). The message says what to change.
 */
export class AuthUnsupportedError extends LibvirtClientError {
  readonly code = "AUTH_UNSUPPORTED";

  constructor(readonly offered: readonly number[]) {
    const names = offered.map((t) => AUTH_TYPE_NAMES[t] ?? `type ${t}`).join(", ");
    const hint = offered.includes(1)
      ? "SASL authentication is not supported by this client. On a lab host set auth_tcp = \"none\" in " +
        "libvirtd.conf (TCP is then unauthenticated and unencrypted), or use qemu+tls:// (client certificates) " +
        "or qemu+ssh:// instead"
      : "only none and polkit are supported";
    super(`libvirtd asks for authentication [${names}]: ${hint}`);
  }
}

/** A TLS certificate or key file the URI needs is missing or unreadable (libvirt's PKI paths). */
export class TlsPkiMissingError extends LibvirtClientError {
  readonly code = "TLS_PKI_MISSING";

  constructor(
    /** The file looked for. */
    readonly path: string,
    /** What it is: "CA certificate", "client certificate", "client key". */
    readonly what: string,
    /** Where the path came from, e.g. "pkipath=/dir" or "libvirt's default for root". */
    readonly source: string,
    options?: { cause?: unknown },
  ) {
    super(`${what} ${path} (${source}) cannot be read; put it there, or pass ?pkipath=/dir holding cacert.pem, clientcert.pem and clientkey.pem`, options);
  }
}

/** The server's certificate is not signed by our CA (wrong cacert.pem, or a self-signed server). */
export class TlsServerUntrustedError extends LibvirtClientError {
  readonly code = "TLS_SERVER_UNTRUSTED";

  constructor(readonly target: string, readonly caPath: string, options: { cause: unknown }) {
    super(`the TLS certificate of ${target} is not trusted by CA ${caPath} (${(options.cause as Error).message}); use the CA that signed the server's certificate, or no_verify=1 (insecure)`, options);
  }
}

/** The server's certificate does not name the host we dialled (libvirt: gnutls_x509_crt_check_hostname). */
export class TlsHostnameMismatchError extends LibvirtClientError {
  readonly code = "TLS_HOSTNAME_MISMATCH";

  constructor(readonly target: string, readonly host: string, options: { cause: unknown }) {
    super(`the TLS certificate of ${target} is not valid for the name "${host}" (${(options.cause as Error).message}); connect with a name in its subjectAltName, or no_verify=1 (insecure)`, options);
  }
}

/** The server's certificate (or its CA) has expired or is not valid yet. */
export class TlsCertExpiredError extends LibvirtClientError {
  readonly code = "TLS_CERT_EXPIRED";

  constructor(readonly target: string, options: { cause: unknown }) {
    super(`the TLS certificate of ${target} is outside its validity period (${(options.cause as Error).message}); renew the server certificate (or check the clocks)`, options);
  }
}

/**
 * The server did not accept our client certificate: after the handshake libvirtd closed the
 * connection (or sent something other than the `\x01` byte) instead of confirming it
 * (virnetserverclient.c). Unsigned by its CA, expired, absent, or not in tls_allowed_dn_list.
 */
export class TlsClientRejectedError extends LibvirtClientError {
  readonly code = "TLS_CLIENT_REJECTED";

  constructor(readonly target: string, readonly certPath: string | undefined, detail: string, options?: { cause?: unknown }) {
    const cert = certPath === undefined ? "no client certificate was presented" : `client certificate ${certPath}`;
    super(`${target} refused the TLS client (${cert}): ${detail}; it must be signed by the server's CA (ca_file), be within its validity period and match tls_allowed_dn_list; see libvirtd's log`, options);
  }
}

/** Authentication was attempted and refused (REMOTE_PROC_AUTH_POLKIT incomplete). */
export class AuthFailedError extends LibvirtClientError {
  readonly code = "AUTH_FAILED";
}

/** A vCPU id list such as "0-2,4" that cannot be parsed or formatted. */
export class CpuListError extends LibvirtClientError {
  readonly code = "INVALID_CPU_LIST";
}

/**
 * No local libvirt socket to dial: none of `paths` exists (or only a stale file is left).
 * `daemon` is the daemon that would listen there (libvirtd, virtqemud, …).
 */
export class SocketNotFoundError extends LibvirtClientError {
  readonly code = "SOCKET_NOT_FOUND";

  constructor(
    /** The socket paths looked at, in order. */
    readonly paths: readonly string[],
    /** The daemon expected to listen on the chosen path. */
    readonly daemon: string,
    options?: { cause?: unknown },
  ) {
    const errno = (options?.cause as { code?: string } | undefined)?.code;
    super(
      `no libvirt socket at ${paths.join(" or ")}${errno === undefined ? "" : ` (${errno})`}; ` +
        `start ${daemon} (or pass ?socket=/path, or ?mode=legacy|direct to pick libvirtd or the modular daemon)`,
      options,
    );
  }
}

/** The local libvirt socket exists but this user may not connect to it (EACCES/EPERM). */
export class SocketAccessDeniedError extends LibvirtClientError {
  readonly code = "SOCKET_ACCESS_DENIED";

  constructor(
    /** The socket that refused us. */
    readonly path: string,
    /** The read-only socket a reader could use instead, when there is one. */
    readonly readOnlyPath: string | undefined,
    options?: { cause?: unknown },
  ) {
    const ro = readOnlyPath === undefined ? "" : `, or connect read-only (readOnly: true or "fallback") through ${readOnlyPath}`;
    super(`permission denied connecting to ${path}: run as root or as a member of the libvirt group${ro}`, options);
  }
}

/**
 * The remote daemon stopped answering: `count` keepalive PINGs sent `intervalMs` apart got no
 * reply (virkeepalive.c). The connection is closed and every pending call fails with this.
 */
export class KeepaliveTimeoutError extends LibvirtClientError {
  readonly code = "KEEPALIVE_TIMEOUT";

  constructor(
    /** The URI and stream, e.g. "qemu+ssh://h/system (ssh:h)". */
    readonly target: string,
    /** Time since anything was last received, in ms. */
    readonly silentMs: number,
    /** Keepalive interval, in ms. */
    readonly intervalMs: number,
    /** Unanswered PINGs allowed. */
    readonly count: number,
  ) {
    super(
      `${target} did not answer for ${silentMs} ms (${count} keepalive PINGs ${intervalMs} ms apart went unanswered); ` +
        "the connection was closed: check the network and that the daemon is alive, or raise keepaliveIntervalMs/keepaliveCount",
    );
  }
}

const MAX_CAUSE_DEPTH = 8;

/** The first {@link LibvirtError} in `err`'s `cause` chain, or undefined. */
export function findLibvirtError(err: unknown): LibvirtError | undefined {
  let cur: unknown = err;
  for (let i = 0; i < MAX_CAUSE_DEPTH && cur !== undefined && cur !== null; i++) {
    if (cur instanceof LibvirtError) return cur;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

function hasErrorCode(err: unknown, ...codes: number[]): boolean {
  const e = findLibvirtError(err);
  return e !== undefined && codes.includes(e.errorCode);
}

/** VIR_ERR_NO_DOMAIN (42): the domain does not exist. */
export function isNoDomain(err: unknown): boolean {
  return hasErrorCode(err, ERR_NO_DOMAIN);
}

/** VIR_ERR_NO_DOMAIN_METADATA (80): DOMAIN_GET_METADATA found no such element (not a failure to read). */
export function isNoDomainMetadata(err: unknown): boolean {
  return hasErrorCode(err, ERR_NO_DOMAIN_METADATA);
}

/** VIR_ERR_OPERATION_TIMEOUT (68), e.g. "vcpu unplug request timed out" (state unknown). */
export function isOperationTimeout(err: unknown): boolean {
  return hasErrorCode(err, ERR_OPERATION_TIMEOUT);
}

/** VIR_ERR_AGENT_UNRESPONSIVE (86): the guest agent is configured but not connected. */
export function isAgentUnresponsive(err: unknown): boolean {
  return hasErrorCode(err, ERR_AGENT_UNRESPONSIVE);
}

/**
 * VIR_ERR_ARGUMENT_UNSUPPORTED (74) as returned by agent calls when the domain has no
 * `org.qemu.guest_agent.0` channel ("QEMU guest agent is not configured").
 */
export function isAgentNotConfigured(err: unknown): boolean {
  return hasErrorCode(err, ERR_ARGUMENT_UNSUPPORTED);
}

/** VIR_ERR_INVALID_ARG (8), e.g. mutually exclusive flags. */
export function isInvalidArg(err: unknown): boolean {
  return hasErrorCode(err, ERR_INVALID_ARG);
}

/** VIR_ERR_OPERATION_INVALID (55), e.g. "domain is not running". */
export function isOperationInvalid(err: unknown): boolean {
  return hasErrorCode(err, ERR_OPERATION_INVALID);
}

/**
 * The server does not support this: VIR_ERR_NO_SUPPORT (3), VIR_ERR_OPERATION_UNSUPPORTED
 * (84), or VIR_ERR_RPC (39) "unknown procedure" (the daemon predates the procedure).
 */
export function isUnsupported(err: unknown): boolean {
  const e = findLibvirtError(err);
  if (e === undefined) return false;
  if (e.errorCode === ERR_NO_SUPPORT || e.errorCode === ERR_OPERATION_UNSUPPORTED) return true;
  return e.errorCode === ERR_RPC && /unknown procedure/i.test(e.message);
}

/** True for any error thrown by this module (narrow further on `code`). */
export function isLibvirtClientError(err: unknown): err is LibvirtClientError {
  return err instanceof LibvirtClientError;
}

/**
 * Why an ssh transport failed (see {@link SshError}): classified from the `ssh` child's stderr
 * and exit (qemu+ssh) or from the in-process client's failure (qemu+libssh, qemu+libssh2).
 */
export type SshFailureReason =
  | "HOST_KEY_UNKNOWN"
  | "HOST_KEY_CHANGED"
  | "AUTH_REJECTED"
  | "REFUSED"
  | "TIMEOUT"
  | "UNREACHABLE"
  | "HELPER_MISSING"
  | "DAEMON_UNREACHABLE"
  | "FORWARD_REFUSED"
  | "COMMAND_MISSING"
  | "LINK_LOST"
  | "FAILED";

/** What to do about each {@link SshFailureReason}; `h` is the host (and port), `f` the far-side details. */
const SSH_HINTS: Readonly<Record<SshFailureReason, (d: SshFailureDetails) => string>> = {
  HOST_KEY_UNKNOWN: (d) =>
    `its host key is not in ${d.knownHosts ?? "known_hosts"}: check the fingerprint, then add it: ssh-keyscan ${d.portArg}${d.host} >> ${d.knownHosts ?? "~/.ssh/known_hosts"}`,
  HOST_KEY_CHANGED: (d) =>
    `its host key differs from the one in ${d.knownHosts ?? "known_hosts"} (possible man-in-the-middle): if ${d.host} was reinstalled, remove the old entry (ssh-keygen -R ${d.host}) and add the new one (ssh-keyscan ${d.portArg}${d.host})`,
  AUTH_REJECTED: (d) =>
    `${d.host} refused every key offered for ${d.user ?? "the user"}: authorize your public key there (~/.ssh/authorized_keys), pass keyfile=/path/to/key, or load the key into ssh-agent`,
  REFUSED: (d) => `nothing accepts connections on ${d.host} port ${d.port}: is sshd running there, and is the port right?`,
  TIMEOUT: (d) => `${d.host} port ${d.port} did not answer in time: check the address, the network and firewalls`,
  UNREACHABLE: (d) => `${d.host} cannot be resolved or reached: check the host name and the network`,
  HELPER_MISSING: (d) =>
    `the far side has no usable virt-ssh-helper or netcat (${d.netcat ?? "nc"}): install libvirt-clients or netcat-openbsd on ${d.host}, or point netcat= at it`,
  DAEMON_UNREACHABLE: (d) =>
    `on ${d.host} the libvirt socket ${d.socket ?? ""} cannot be reached: is libvirtd running there, and is socket= right?`,
  FORWARD_REFUSED: (d) =>
    `sshd on ${d.host} refused to forward to the libvirt socket ${d.socket ?? ""}: is libvirtd running there, is socket= right, and does its sshd_config allow AllowStreamLocalForwarding?`,
  COMMAND_MISSING: (d) => `the ssh client ${d.command ?? "ssh"} was not found here: install openssh-client or set command=/path/to/ssh`,
  LINK_LOST: (d) => `the connection to ${d.host} dropped: the outcome of a call in flight is unknown; check the link and retry`,
  FAILED: (d) => `see the detail above; try ssh ${d.portArg}${d.host} by hand`,
};

/** Facts an {@link SshError} message is built from. */
export interface SshFailureDetails {
  /** Host name as given in the URI. */
  host: string;
  /** Port (22 when the URI gives none). */
  port: number;
  user?: string;
  knownHosts?: string;
  netcat?: string;
  socket?: string;
  command?: string;
  /** `-p PORT ` for ssh-keyscan hints, "" for port 22. */
  portArg: string;
}

/**
 * The ssh transport failed: host key, authentication, connection, far-side helper or a link
 * lost mid-call. `reason` says which; the message names the host and what to do.
 */
export class SshError extends LibvirtClientError {
  readonly code = "SSH_FAILED";

  constructor(
    /** Machine-readable failure class. */
    readonly reason: SshFailureReason,
    /** The host (as in the URI). */
    readonly host: string,
    /** What ssh or the client said (last stderr lines, or the client error message). */
    readonly detail: string,
    details: Omit<SshFailureDetails, "host" | "portArg">,
    options?: { cause?: unknown },
  ) {
    const full: SshFailureDetails = { ...details, host, portArg: details.port === 22 ? "" : `-p ${details.port} ` };
    super(`ssh to ${details.user ? `${details.user}@` : ""}${host}:${details.port} failed (${reason})${detail ? `: ${detail}` : ""}; ${SSH_HINTS[reason](full)}`, options);
  }
}

/** The first {@link SshError} in `err`'s `cause` chain (connect and call errors wrap it), or undefined. */
export function findSshError(err: unknown): SshError | undefined {
  let cur: unknown = err;
  for (let i = 0; i < MAX_CAUSE_DEPTH && cur !== undefined && cur !== null; i++) {
    if (cur instanceof SshError) return cur;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** VIR_ERR_OPERATION_DENIED: e.g. a write attempted on a read-only connection (the `-ro` socket). */
export function isOperationDenied(err: unknown): boolean {
  return hasErrorCode(err, ERR_OPERATION_DENIED);
}
