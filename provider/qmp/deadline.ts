/** Timer helpers shared by the clients and the function-backed adapters (no I/O of their own). */
import type { Duplex } from "node:stream";
import { QmpTimeoutError } from "./errors";
import type { QmpDialer } from "./transport";

/**
 * Races `promise` against a timer: rejects with `onTimeout()` after `timeoutMs`. The underlying operation cannot be
 * cancelled (libvirt's monitor/agent calls have their own timeouts); its late result is ignored.
 */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), timeoutMs);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** Milliseconds left until `deadline` (a `Date.now()` value), never negative. */
export function remaining(deadline: number): number {
  return Math.max(0, deadline - Date.now());
}

/** Dials within `timeoutMs`: past it the dial is aborted (the dialer destroys its socket) and rejects with
 * QmpDialError whose cause is a {@link QmpTimeoutError} "connect". */
export async function dialWithin(dialer: QmpDialer, timeoutMs: number): Promise<Duplex> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new QmpTimeoutError("connect", timeoutMs, `dialling ${dialer.target}`)), timeoutMs);
  try {
    return await dialer.dial(abort.signal);
  } finally {
    clearTimeout(timer);
  }
}
