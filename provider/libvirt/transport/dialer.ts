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
  /** Opens a new connection; rejects with DialError (or another typed error). */
  dial(): Promise<Duplex>;
}

/** Options of {@link UnixDialer}. */
export interface UnixDialerOptions {
  /** Give up connecting after this many ms (default: no limit). */
  timeoutMs?: number;
}

/** Dials a local unix socket such as /run/libvirt/libvirt-sock (transport "unix"). */
export class UnixDialer implements Dialer {
  constructor(readonly path: string, private readonly opts: UnixDialerOptions = {}) {}

  /** Connects; resolves once the socket is connected. */
  dial(): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const sock = net.createConnection({ path: this.path });
      const timer = this.opts.timeoutMs === undefined ? undefined : setTimeout(() => {
        sock.destroy();
        reject(new DialError(`timed out after ${this.opts.timeoutMs} ms connecting to ${this.path}`));
      }, this.opts.timeoutMs);
      sock.once("connect", () => {
        clearTimeout(timer);
        sock.removeAllListeners("error");
        resolve(sock);
      });
      sock.once("error", (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new DialError(`cannot connect to libvirt socket ${this.path} (${err.code ?? err.message}); is libvirtd running?`, { cause: err }));
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
