/**
 * One deadline over the whole connect sequence of {@link LibvirtClient.connect}: dial,
 * auth and open share a single budget, the phase in progress is tracked so an expiry
 * can name it, and everything dialled is destroyed on every failure path (a hung daemon
 * must not leave a handle that keeps the process alive).
 */
import type { Duplex } from "node:stream";
import { ConnectError, ConnectTimeoutError, type ConnectPhase } from "./errors";
import type { Dialer } from "./transport/dialer";

/** Default bound of dial + AUTH_LIST (+ AUTH_POLKIT) + CONNECT_OPEN, in ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** A running connect deadline; `timeoutMs` 0 means no deadline (phases are still named). */
export class ConnectDeadline {
  private phase: ConnectPhase = "dial";
  private readonly started = Date.now();
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly expired: Promise<never>;

  constructor(private readonly timeoutMs: number, private readonly target: string) {
    let expire: (err: Error) => void = () => undefined;
    this.expired = new Promise<never>((_, reject) => (expire = reject));
    this.expired.catch(() => undefined);
    if (timeoutMs > 0) {
      this.timer = setTimeout(() => {
        expire(new ConnectTimeoutError(this.phase, this.target, timeoutMs, this.elapsedMs()));
        this.controller.abort();
      }, timeoutMs);
    }
  }

  /** Dials within the deadline; a stream that arrives after the expiry is destroyed. */
  async dial(dialer: Dialer): Promise<Duplex> {
    const dialing = dialer.dial(this.controller.signal);
    try {
      return await this.run("dial", dialing);
    } catch (err) {
      dialing.then((late) => late.destroy(), () => undefined);
      throw err;
    }
  }

  /** Runs `work` as `phase`: its result, or {@link ConnectTimeoutError} if the deadline passes first. */
  run<T>(phase: ConnectPhase, work: Promise<T>): Promise<T> {
    this.phase = phase;
    return Promise.race([work, this.expired]);
  }

  /** `err` as the error connect() throws: a timeout as it is, anything else as {@link ConnectError}. */
  wrap(err: unknown): Error {
    if (err instanceof ConnectTimeoutError) return err;
    return new ConnectError(this.phase, this.target, this.elapsedMs(), { cause: err });
  }

  /** Stops the timer (call once connect() settles). */
  clear(): void {
    clearTimeout(this.timer);
  }

  private elapsedMs(): number {
    return Date.now() - this.started;
  }
}
