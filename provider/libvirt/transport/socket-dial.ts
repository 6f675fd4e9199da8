/**
 * Waiting for a TCP or TLS socket to become ready within a timeout and an abort signal,
 * shared by tcp.ts and tls.ts: every failure destroys the socket and is mapped to a typed
 * error by the caller's `classify`.
 */
import type { Socket } from "node:net";
import { DialError } from "../errors";

/** How {@link awaitStep} reports. */
export interface ReadyOptions {
  /** "tls:host:port" etc., for messages. */
  target: string;
  /** Give up after this many ms (undefined: no limit of its own). */
  timeoutMs: number | undefined;
  /** The connect deadline's signal. */
  signal: AbortSignal | undefined;
  /** Maps a socket error to the error to reject with. */
  classify: (err: NodeJS.ErrnoException) => Error;
}

/**
 * Starts waiting for one step of a dial: calls `ok` when done or `fail` with a typed error;
 * returns a function that stops watching.
 */
export type DialStep = (ok: () => void, fail: (err: Error) => void) => () => void;

/**
 * Runs `step` on `sock` within the timeout and signal of `o`; a socket error or close first
 * is mapped by `o.classify`. Destroys the socket on every failure.
 */
export function awaitStep(sock: Socket, step: DialStep, o: ReadyOptions): Promise<void> {
  const gaveUp = (): DialError => new DialError(`gave up connecting to ${o.target}: the connect deadline passed`);
  if (o.signal?.aborted) {
    sock.destroy();
    return Promise.reject(gaveUp());
  }
  return new Promise((resolve, reject) => {
    let stop = (): void => undefined;
    const settle = (): void => {
      clearTimeout(timer);
      o.signal?.removeEventListener("abort", onAbort);
      sock.off("error", onError).off("close", onClose);
      stop();
    };
    const fail = (err: Error): void => {
      settle();
      sock.destroy();
      reject(err);
    };
    const onAbort = (): void => fail(gaveUp());
    const onError = (err: NodeJS.ErrnoException): void => fail(o.classify(err));
    const onClose = (): void => fail(o.classify(Object.assign(new Error("connection closed"), { code: "ECONNRESET" })));
    const timer = o.timeoutMs === undefined ? undefined : setTimeout(() => {
      fail(new DialError(`timed out after ${o.timeoutMs} ms connecting to ${o.target}`));
    }, o.timeoutMs);
    o.signal?.addEventListener("abort", onAbort, { once: true });
    sock.once("error", onError).once("close", onClose);
    stop = step(() => {
      settle();
      resolve();
    }, fail);
  });
}

/** A {@link DialStep} that waits for `event` ("connect", "secureConnect"). */
export function eventStep(sock: Socket, event: string): DialStep {
  return (ok) => {
    sock.once(event, ok);
    return () => sock.off(event, ok);
  };
}

/** Socket error codes meaning nothing answers at that address. */
const UNREACHABLE = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT"]);

/**
 * DialError for a TCP-level failure: nothing listening (with `listenHint`, e.g. how to make
 * libvirtd listen), or another socket error; undefined when `err` is not TCP-level.
 */
export function tcpDialError(err: NodeJS.ErrnoException, target: string, listenHint: string): DialError | undefined {
  if (err.code !== undefined && UNREACHABLE.has(err.code)) {
    const what = err.code === "ECONNREFUSED" ? "nothing is listening there" : "the host cannot be reached";
    return new DialError(`cannot connect to ${target} (${err.code}): ${what}; ${listenHint}`, { cause: err });
  }
  return undefined;
}
