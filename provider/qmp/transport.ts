/**
 * The dialer seam: how a byte stream to a QMP monitor or a qemu-ga chardev is obtained. Clients take a
 * {@link QmpDialer}; tests hand them one that reaches a fake peer. This is the only file of `provider/qmp/` that
 * imports node:net. The remote, authenticated transport (wss:// through `pulumi-qemu-vcpu gateway`) is
 * transport-ws.ts, behind the same interface.
 */
import * as net from "node:net";
import type { Duplex } from "node:stream";
import { QmpDialError } from "./errors";

/** Opens one connection. QEMU's QMP socket (`-qmp unix:…,server=on`) and the agent's chardev socket serve one
 * client at a time: a second concurrent connection is accepted by the kernel but never greeted or answered. */
export interface QmpDialer {
  /** Connects; once `signal` aborts (the caller's connect deadline passed) the socket is destroyed and the dial
   * rejects with {@link QmpDialError}. */
  dial(signal?: AbortSignal): Promise<Duplex>;
  /** Human-readable target for error messages ("unix:/run/qmp.sock", "tcp:host:4444"). */
  readonly target: string;
}

/** Options shared by the socket dialers. */
export interface DialOptions {
  /** Give up connecting after this long (default 10 000 ms). */
  connectTimeoutMs?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Dials a unix-domain socket, e.g. `-qmp unix:/path,server=on,wait=off` or `-chardev socket,path=…,server=on`. */
export function unixDialer(path: string, opts: DialOptions = {}): QmpDialer {
  const target = `unix:${path}`;
  return { target, dial: (signal) => connect(target, { path }, opts, signal) };
}

/** Dials a TCP socket, e.g. `-qmp tcp:127.0.0.1:4444,server=on,wait=off`. QMP over TCP is unauthenticated. */
export function tcpDialer(host: string, port: number, opts: DialOptions = {}): QmpDialer {
  const target = `tcp:${host}:${port}`;
  return { target, dial: (signal) => connect(target, { host, port }, opts, signal) };
}

function connect(target: string, where: net.NetConnectOpts, opts: DialOptions, signal?: AbortSignal): Promise<Duplex> {
  const timeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (signal?.aborted) return Promise.reject(new QmpDialError(target, { cause: signal.reason }));
  return new Promise<Duplex>((resolve, reject) => {
    const socket = net.createConnection(where);
    const timer = setTimeout(() => fail(new Error(`connect timed out after ${timeoutMs} ms`)), timeoutMs);
    const onAbort = (): void => fail(signal?.reason ?? new Error("connect aborted"));
    function settle(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.off("error", fail);
    }
    function fail(cause: unknown): void {
      settle();
      socket.destroy();
      reject(new QmpDialError(target, { cause }));
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("error", fail);
    socket.once("connect", () => {
      settle();
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}
