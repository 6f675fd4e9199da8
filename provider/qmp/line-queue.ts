/**
 * A single-consumer queue of received lines with a timed `take`, used by the guest agent (which answers strictly one
 * request at a time and has no ids, so "the next line" is the reply).
 */
import { QmpConnectionClosedError } from "./errors";

interface Taker {
  resolve: (line: string | undefined) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Lines in arrival order; errors (a line too long, …) are queued in place and thrown by `take`. */
export class LineQueue {
  private readonly items: (string | Error)[] = [];
  private taker: Taker | undefined;
  private closedWith: Error | undefined;

  /** Appends a line (or an error) or hands it to the waiting taker. */
  push(item: string | Error): void {
    if (this.closedWith) return;
    const t = this.taker;
    if (!t) {
      this.items.push(item);
      return;
    }
    this.release(t);
    if (typeof item === "string") t.resolve(item);
    else t.reject(item);
  }

  /** The next line, or `undefined` after `timeoutMs`. Rejects once closed. One taker at a time. */
  take(timeoutMs: number): Promise<string | undefined> {
    const first = this.items.shift();
    if (first !== undefined) return typeof first === "string" ? Promise.resolve(first) : Promise.reject(first);
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (this.taker) return Promise.reject(new Error("LineQueue: concurrent take"));
    return new Promise((resolve, reject) => {
      const t: Taker = { resolve, reject, timer: setTimeout(() => (this.release(t), resolve(undefined)), timeoutMs) };
      this.taker = t;
    });
  }

  /** Drops every queued line (stale output from before a request). */
  clear(): void {
    this.items.length = 0;
  }

  /** Rejects the taker and every later `take` with `err` (default {@link QmpConnectionClosedError}). Idempotent. */
  close(err: Error = new QmpConnectionClosedError(undefined)): void {
    if (this.closedWith) return;
    this.closedWith = err;
    this.items.length = 0;
    const t = this.taker;
    if (t) {
      this.release(t);
      t.reject(err);
    }
  }

  private release(t: Taker): void {
    clearTimeout(t.timer);
    if (this.taker === t) this.taker = undefined;
  }
}
