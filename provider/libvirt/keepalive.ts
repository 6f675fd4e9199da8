/**
 * Client keepalive on remote connections (libvirt src/rpc/virkeepalive.c, virkeepaliveprotocol.x):
 * KEEPALIVE_PROGRAM 0x6b656570, PING = 1 / PONG = 2, sent as MESSAGE frames with no body.
 * Whenever nothing has been received for `intervalMs`, send a PING; any frame received (a reply,
 * an event, a PONG, the server's own PING, which rpc.ts answers with a PONG) proves the link
 * alive and resets the count. After `count` PINGs in a row without anything coming back, and one
 * more interval of silence, the connection is closed with KeepaliveTimeoutError and every
 * pending call fails with it: detection takes interval × (count + 1). The timer is unref'd, so
 * an idle client never keeps the process alive on its own.
 */
import { KeepaliveTimeoutError } from "./errors";

/** libvirt's client default keepalive interval (virnetclient.c / libvirt.conf keepalive_interval = 5 s). */
export const DEFAULT_KEEPALIVE_INTERVAL_MS = 5000;
/** libvirt's client default count of unanswered PINGs (keepalive_count = 5). */
export const DEFAULT_KEEPALIVE_COUNT = 5;

/** What the keepalive needs of a connection ({@link RpcConnection} satisfies it). */
export interface KeepaliveLink {
  /** Subscribes to every frame received. */
  onActivity(listener: () => void): () => void;
  /** Subscribes to the end of the connection. */
  onClose(listener: () => void): () => void;
  /** Sends a PING (resolves on a PONG; the keepalive ignores the promise). */
  ping(): Promise<void>;
  /** Closes the connection, failing pending calls with `err`. */
  abort(err: Error): void;
}

/** Options of a {@link Keepalive}. */
export interface KeepaliveOptions {
  /** What is dialled, for the error message. */
  target: string;
  /** PING after this much silence, in ms (default 5000). */
  intervalMs?: number;
  /** Unanswered PINGs before giving up (default 5). */
  count?: number;
  /** Clock (tests). */
  now?: () => number;
}

/** The client side of libvirt's keepalive on one connection; stops by itself when it closes. */
export class Keepalive {
  private readonly intervalMs: number;
  private readonly count: number;
  private readonly now: () => number;
  private lastReceived: number;
  private remaining: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(private readonly link: KeepaliveLink, private readonly opts: KeepaliveOptions) {
    this.intervalMs = opts.intervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS;
    this.count = opts.count ?? DEFAULT_KEEPALIVE_COUNT;
    this.now = opts.now ?? Date.now;
    this.lastReceived = this.now();
    this.remaining = this.count;
  }

  /** Starts watching (no-op when intervalMs ≤ 0, like libvirt's keepalive_interval = -1). */
  start(): this {
    if (this.intervalMs <= 0 || this.timer !== undefined) return this;
    this.unsubscribe.push(this.link.onActivity(() => this.received()));
    this.unsubscribe.push(this.link.onClose(() => this.stop()));
    this.schedule(this.intervalMs);
    return this;
  }

  /** Stops the timer and listeners. Idempotent. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const u of this.unsubscribe.splice(0)) u();
  }

  private received(): void {
    this.lastReceived = this.now();
    this.remaining = this.count;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => this.tick(), Math.max(1, ms));
    this.timer.unref();
  }

  /** virKeepAliveTimerInternal: silent for a whole interval → PING, or give up after `count`. */
  private tick(): void {
    const silentMs = this.now() - this.lastReceived;
    if (silentMs < this.intervalMs) return this.schedule(this.intervalMs - silentMs);
    if (this.remaining <= 0) {
      this.stop();
      this.link.abort(new KeepaliveTimeoutError(this.opts.target, silentMs, this.intervalMs, this.count));
      return;
    }
    this.remaining--;
    this.link.ping().catch(() => undefined);
    this.schedule(this.intervalMs);
  }
}

/** Starts the keepalive of a freshly opened remote connection with the ConnectOptions values. */
export function startKeepalive(link: KeepaliveLink, target: string, opts: { keepaliveIntervalMs?: number; keepaliveCount?: number }): Keepalive {
  const o: KeepaliveOptions = { target };
  if (opts.keepaliveIntervalMs !== undefined) o.intervalMs = opts.keepaliveIntervalMs;
  if (opts.keepaliveCount !== undefined) o.count = opts.keepaliveCount;
  return new Keepalive(link, o).start();
}
