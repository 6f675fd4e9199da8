/**
 * The Dialer seam: how the client obtains the byte stream that carries RPC frames.
 * The RPC byte stream is identical on every libvirt transport; only the Duplex differs.
 * This is the only file of `provider/libvirt` that imports node:net.
 */
import * as net from "node:net";
import type { Duplex } from "node:stream";
import { DialError, InvalidUriError, TransportUnsupportedError } from "../errors";
import { parseLibvirtUri, unixSocketPath } from "./uri";

/** Produces a connected duplex stream to a libvirt daemon (go-libvirt's socket.Dialer). */
export interface Dialer {
  /**
   * Opens a new connection; rejects with DialError (or another typed error). Once `signal`
   * aborts (the connect deadline passed), stop and destroy whatever was opened.
   */
  dial(signal?: AbortSignal): Promise<Duplex>;
  /** What is dialled, for error messages, e.g. "unix:/run/libvirt/libvirt-sock". */
  readonly target?: string;
}

/** Options of {@link UnixDialer}. */
export interface UnixDialerOptions {
  /** Give up connecting after this many ms (default: no limit). */
  timeoutMs?: number;
}

/** Dials a local unix socket such as /run/libvirt/libvirt-sock (transport "unix"). */
export class UnixDialer implements Dialer {
  constructor(readonly path: string, private readonly opts: UnixDialerOptions = {}) {}

  /** "unix:<path>". */
  get target(): string {
    return `unix:${this.path}`;
  }

  /** Connects; resolves once the socket is connected. The socket is destroyed on every failure. */
  dial(signal?: AbortSignal): Promise<Duplex> {
    const gaveUp = (): DialError => new DialError(`gave up connecting to ${this.path}: the connect deadline passed`);
    if (signal?.aborted) return Promise.reject(gaveUp());
    return new Promise((resolve, reject) => {
      const sock = net.createConnection({ path: this.path });
      const fail = (err: DialError): void => {
        settle();
        sock.destroy();
        reject(err);
      };
      const onAbort = (): void => fail(gaveUp());
      const timer = this.opts.timeoutMs === undefined ? undefined : setTimeout(() => {
        fail(new DialError(`timed out after ${this.opts.timeoutMs} ms connecting to ${this.path}`));
      }, this.opts.timeoutMs);
      const settle = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        sock.removeAllListeners("error").removeAllListeners("connect");
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      sock.once("connect", () => {
        settle();
        resolve(sock);
      });
      sock.once("error", (err: NodeJS.ErrnoException) => {
        fail(new DialError(`cannot connect to libvirt socket ${this.path} (${err.code ?? err.message}); is libvirtd running?`, { cause: err }));
      });
    });
  }
}

/**
 * The Dialer for a libvirt URI: `qemu:///system`, `qemu:///session` and
 * `qemu+unix:///system?socket=/path` dial a unix socket. `qemu+ssh://`, `qemu+tls://`,
 * `qemu://host/` (TLS), `qemu+tcp://`, `qemu+libssh*://` and `qemu+ext://` throw
 * TransportUnsupportedError: they are a later addition behind this same seam.
 */
export function dialerForUri(uri: string, opts: UnixDialerOptions = {}): Dialer {
  const u = parseLibvirtUri(uri);
  if (u.transport !== "unix") throw new TransportUnsupportedError(u.transport, uri);
  if (u.host !== "") throw new InvalidUriError(`${uri}: the unix transport takes no host name`);
  return new UnixDialer(unixSocketPath(u), opts);
}
