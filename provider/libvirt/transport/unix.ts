/**
 * The local transport: a unix socket such as /run/libvirt/libvirt-sock (`qemu:///system`,
 * `qemu+unix:///system?socket=…`). The only file of `provider/libvirt` that imports node:net
 * for unix sockets.
 */
import * as net from "node:net";
import type { Duplex } from "node:stream";
import { DialError } from "../errors";
import type { Dialer, DialerOptions } from "./dialer";

/** Options of {@link UnixDialer}. */
export type UnixDialerOptions = DialerOptions;

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

