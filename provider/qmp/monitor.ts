/**
 * The {@link Monitor} port (one QMP command at a time or many in flight, plus events) and its direct-socket
 * implementation {@link SocketMonitor}. A libvirt-backed monitor plugs into the same interface through
 * {@link FunctionMonitor} (function-monitor.ts); nothing here assumes a socket.
 */
import type { Duplex } from "node:stream";
import { LineSplitter, classify, decodeLine, encodeCommand, type Classified } from "./codec";
import { QmpConnectionClosedError, QmpError, QmpProtocolError, QmpTimeoutError } from "./errors";
import { EventHub, type EventListener, type EventMark, type EventPredicate } from "./events";
import type { QmpEvent, QmpGreeting } from "./messages";
import { dialWithin, remaining } from "./deadline";
import type { QmpDialer } from "./transport";

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** What arrived instead of a greeting, as a protocol error of the "greeting" phase. */
function unreadableGreeting(err: unknown): QmpProtocolError {
  const line = err instanceof QmpProtocolError ? err.line : undefined;
  return new QmpProtocolError("not a QMP greeting", { command: "greeting", ...(line === undefined ? {} : { line }), cause: err });
}

/** Per-call options. */
export interface ExecuteOptions {
  /** Reject with {@link QmpTimeoutError} when no reply arrives in time (default: the monitor's default). */
  timeoutMs?: number;
}

/**
 * A QMP monitor: commands by name (verbatim QAPI names such as "query-hotpluggable-cpus") with their `arguments`,
 * and the asynchronous events (qmp-spec). `execute` resolves with the reply's `return` member unvalidated (use
 * `query()` in commands.ts for validated replies) and rejects with {@link QmpError} for an error reply.
 */
export interface Monitor {
  execute<T = unknown>(command: string, args?: object, opts?: ExecuteOptions): Promise<T>;
  /** Calls `listener` for every event from now on; returns the unsubscribe function. */
  onEvent(listener: EventListener): () => void;
  /** The position of the next event; pass it to {@link waitForEvent} to also see events that arrive before the wait. */
  mark(): EventMark;
  /** First event matching `predicate` received at or after `since` (default: now), or `undefined` on timeout or
   * when the monitor closes. */
  waitForEvent(predicate: EventPredicate, timeoutMs: number, since?: EventMark): Promise<QmpEvent | undefined>;
  /** Closes the connection; pending calls reject with {@link QmpConnectionClosedError}. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link SocketMonitor.connect}. */
export interface SocketMonitorOptions {
  /** Dial + greeting + `qmp_capabilities` must finish within this, together (default 10 000 ms). On expiry connect()
   * rejects with {@link QmpDialError} (cause: a {@link QmpTimeoutError} "connect") or {@link QmpTimeoutError} naming
   * the phase ("greeting", "qmp_capabilities"), and the socket is destroyed. */
  connectTimeoutMs?: number;
  /** Older name of {@link connectTimeoutMs} (used when that is not given). */
  handshakeTimeoutMs?: number;
  /** Per-call timeout when `execute` is given none (default 30 000 ms). */
  defaultTimeoutMs?: number;
  /** Events kept for `waitForEvent(…, since)` (default 256). */
  eventHistory?: number;
}

interface Pending {
  command: string;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * QMP over a stream from a {@link QmpDialer} (like go-qemu's `SocketMonitor`). Commands carry numeric ids and may be
 * in flight together; replies are matched by id (a reply without an id, which QEMU sends when it could not parse a
 * request, goes to the oldest pending call: QEMU answers in-band commands in order). Events interleave with replies
 * and go to the {@link EventHub}. A malformed line or unknown message fails the connection: every pending call
 * rejects with the {@link QmpProtocolError} and the socket is destroyed.
 */
export class SocketMonitor implements Monitor {
  private readonly splitter = new LineSplitter();
  private readonly hub: EventHub;
  private readonly pending = new Map<number, Pending>();
  private readonly defaultTimeoutMs: number;
  private nextId = 1;
  private closedBy: Error | undefined;
  private greetingWaiter: { resolve: (g: QmpGreeting) => void; reject: (e: Error) => void } | undefined;
  private readonly closedPromise: Promise<void>;
  private greetingSeen: QmpGreeting | undefined;

  private constructor(
    private readonly socket: Duplex,
    opts: SocketMonitorOptions,
  ) {
    this.hub = new EventHub(opts.eventHistory);
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 30_000;
    this.closedPromise = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (err) => this.shutdown(new QmpConnectionClosedError(undefined, { cause: err })));
    socket.on("close", () => this.shutdown(new QmpConnectionClosedError(undefined)));
  }

  /** Dials, reads the greeting and negotiates capabilities (`qmp_capabilities`, no optional capability enabled), all
   * within `connectTimeoutMs`; on any failure the socket is destroyed before the promise rejects. */
  static async connect(dialer: QmpDialer, opts: SocketMonitorOptions = {}): Promise<SocketMonitor> {
    const timeoutMs = opts.connectTimeoutMs ?? opts.handshakeTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    const socket = await dialWithin(dialer, timeoutMs);
    const monitor = new SocketMonitor(socket, opts);
    try {
      await monitor.handshake(deadline);
      return monitor;
    } catch (err) {
      await monitor.destroy();
      throw err;
    }
  }

  /** The greeting QEMU sent: `{"QMP": {version, capabilities}}` (set once `connect` resolved). */
  get greeting(): QmpGreeting {
    if (!this.greetingSeen) throw new QmpProtocolError("no greeting received yet");
    return this.greetingSeen;
  }

  /** True once the connection is gone. */
  get closed(): boolean {
    return this.closedBy !== undefined;
  }

  execute<T = unknown>(command: string, args?: object, opts: ExecuteOptions = {}): Promise<T> {
    if (this.closedBy) return Promise.reject(new QmpConnectionClosedError(command, { cause: this.closedBy }));
    const id = this.nextId++;
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => this.expire(id, timeoutMs), timeoutMs);
      this.pending.set(id, { command, resolve: resolve as (v: unknown) => void, reject, timer });
      this.socket.write(encodeCommand({ execute: command, arguments: args, id }));
    });
  }

  onEvent(listener: EventListener): () => void {
    return this.hub.on(listener);
  }

  mark(): EventMark {
    return this.hub.mark();
  }

  waitForEvent(predicate: EventPredicate, timeoutMs: number, since?: EventMark): Promise<QmpEvent | undefined> {
    return this.hub.wait(predicate, timeoutMs, since);
  }

  async close(): Promise<void> {
    if (!this.closedBy) {
      this.shutdown(new QmpConnectionClosedError(undefined));
      this.socket.end();
    }
    const force = setTimeout(() => this.socket.destroy(), 1000);
    await this.closedPromise;
    clearTimeout(force);
  }

  // ---------------------------------------------------------------------------------------------- handshake

  private async handshake(deadline: number): Promise<void> {
    this.greetingSeen = await this.readGreeting(remaining(deadline));
    await this.execute("qmp_capabilities", undefined, { timeoutMs: Math.max(1, remaining(deadline)) });
  }

  /** Drops the socket at once (a peer that stopped answering gets no graceful end); resolves once it is closed. */
  private async destroy(): Promise<void> {
    this.socket.destroy();
    await this.closedPromise;
  }

  private readGreeting(timeoutMs: number): Promise<QmpGreeting> {
    return new Promise<QmpGreeting>((resolve, reject) => {
      const hint = "no QMP greeting: is another client connected, or is this not a QMP socket?";
      const timer = setTimeout(() => this.greetingWaiter?.reject(new QmpTimeoutError("greeting", timeoutMs, hint)), timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.greetingWaiter = undefined;
      };
      this.greetingWaiter = { resolve: (g) => (done(), resolve(g)), reject: (e) => (done(), reject(e)) };
    });
  }

  // ---------------------------------------------------------------------------------------------- input

  private onData(chunk: Buffer): void {
    try {
      for (const line of this.splitter.push(chunk)) {
        if (this.closedBy) return;
        if (typeof line !== "string") throw line;
        this.dispatch(classify(decodeLine(line), "qmp"));
      }
    } catch (err) {
      this.fail(this.greetingWaiter ? unreadableGreeting(err) : err instanceof QmpProtocolError ? err : new QmpProtocolError("cannot read", { cause: err }));
    }
  }

  private dispatch(msg: Classified): void {
    switch (msg.kind) {
      case "greeting":
        return this.acceptGreeting(msg.greeting);
      case "event":
        return this.hub.push(msg.event);
      case "return":
        return this.settle(msg.id, (p) => p.resolve(msg.value));
      case "error":
        return this.settle(msg.id, (p) => p.reject(new QmpError(p.command, msg.error.class, msg.error.desc)));
    }
  }

  private acceptGreeting(g: QmpGreeting): void {
    if (!this.greetingWaiter) throw new QmpProtocolError("unexpected second greeting");
    this.greetingWaiter.resolve(g);
  }

  /** Hands a reply to the call with `id` (or, id-less, to the oldest call). A reply nobody waits for (its call timed
   * out) is dropped. */
  private settle(id: unknown, deliver: (p: Pending) => void): void {
    const key = id === undefined ? this.oldestPendingId() : typeof id === "number" ? id : undefined;
    const p = key === undefined ? undefined : this.pending.get(key);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(key!);
    deliver(p);
  }

  private oldestPendingId(): number | undefined {
    return this.pending.keys().next().value;
  }

  private expire(id: number, timeoutMs: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.reject(new QmpTimeoutError(p.command, timeoutMs));
  }

  // ---------------------------------------------------------------------------------------------- teardown

  /** Protocol failure: every pending call gets `err` itself, then the connection is dropped. */
  private fail(err: QmpProtocolError): void {
    this.greetingWaiter?.reject(err);
    this.rejectAll(() => err);
    this.shutdown(new QmpConnectionClosedError(undefined, { cause: err }));
    this.socket.destroy();
  }

  private shutdown(reason: QmpConnectionClosedError): void {
    if (this.closedBy) return;
    this.closedBy = reason;
    this.greetingWaiter?.reject(new QmpConnectionClosedError("greeting", { cause: reason.cause }));
    this.rejectAll((p) => new QmpConnectionClosedError(p.command, { cause: reason.cause }));
    this.hub.close();
  }

  private rejectAll(errorFor: (p: Pending) => Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) {
      clearTimeout(p.timer);
      p.reject(errorFor(p));
    }
  }
}
