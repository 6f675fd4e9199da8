/**
 * The Dialer seam: how the client obtains the byte stream that carries RPC frames.
 * The RPC byte stream is identical on every libvirt transport; only the Duplex differs.
 * One small dialer per transport, each in its own file (unix.ts, …); dialers.ts picks one for a URI.
 */
import type { Duplex } from "node:stream";

/** Produces a connected duplex stream to a libvirt daemon (go-libvirt's socket.Dialer). */
export interface Dialer {
  /**
   * Opens a new connection; rejects with DialError (or another typed error). Once `signal`
   * aborts (the connect deadline passed), stop and destroy whatever was opened.
   */
  dial(signal?: AbortSignal): Promise<Duplex>;
  /** What is dialled, for error messages, e.g. "unix:/run/libvirt/libvirt-sock". */
  readonly target?: string;
  /**
   * The daemon is on another host (ssh, tls, tcp, …): the client runs keepalive on the
   * connection so a dropped link fails calls in bounded time. Unset for local sockets.
   */
  readonly remote?: boolean;
}

/**
 * Which local socket a reader uses: `false` the read-write one, `true` the read-only `-ro` one,
 * `"fallback"` read-write, or read-only when the read-write one refuses us (EACCES).
 */
export type ReadOnlyMode = boolean | "fallback";

/** Options every dialer accepts. */
export interface DialerOptions {
  /** Give up connecting after this many ms (default: no limit). */
  timeoutMs?: number;
  /** Read-only socket choice for callers that only read (honoured by the unix dialer; default false). */
  readOnly?: ReadOnlyMode;
}
