/**
 * The RPC engine (virnetclient.c / go-libvirt rpc.go in spirit): serial allocation, a
 * pending-call map so several calls can be in flight, replies matched by (prog, serial),
 * REPLY/ERROR → LibvirtError, event MESSAGEs routed to listeners, and keepalive: every
 * KEEPALIVE_PROC_PING from the server is answered with a PONG at any time
 * (virkeepaliveprotocol.x). Knows frames and bytes only, not procedure shapes.
 */
import type { Duplex } from "node:stream";
import { rethrowAsync } from "./emitter";
import { CallTimeoutError, ConnectionClosedError, LibvirtError, ProtocolError } from "./errors";
import { KEEPALIVE_PROGRAM, KeepaliveProcedure, MessageStatus, MessageType, PROTOCOL_VERSION, programName } from "./protocol/constants";
import { callHeader, decodeHeader, encodeFrame, framePayload, messageHeader, type FrameHeader } from "./protocol/header";
import { decodeRemoteError } from "./protocol/remote-error";
import { Framer, type FramerLimits } from "./transport/framer";

/** Options of an {@link RpcConnection}. */
export interface RpcOptions {
  /** Default per-call timeout in ms; 0 or undefined = wait forever. */
  callTimeoutMs?: number;
  /** Frame-size limits (defaults: 28 .. 4 + 32 MiB). */
  framer?: FramerLimits;
  /** Receives exceptions thrown by listeners (default: rethrown asynchronously, like an uncaught error). */
  onListenerError?: (err: unknown) => void;
  /** What the stream reaches, named when it drops, e.g. "qemu+tls://kvm1/system (tls:kvm1:16514)". */
  target?: string;
}

/** Options of one call. */
export interface CallOptions {
  /** Overrides the connection's default timeout (0 = wait forever). */
  timeoutMs?: number;
  /** Wire name for error messages, e.g. "REMOTE_PROC_DOMAIN_GET_STATE". */
  name?: string;
}

/** Receives event MESSAGE frames (not keepalive) with their decoded header. */
export type MessageListener = (header: FrameHeader, payload: Buffer) => void;
/** Called once when the connection ends; `err` is undefined after a deliberate close(). */
export type CloseListener = (err?: Error) => void;

/** Counters for frames the engine handled without surfacing them to a caller. */
export interface RpcStats {
  /** Server PINGs answered with PONG. */
  pingsAnswered: number;
  /** REPLY frames whose (prog, serial) matched no pending call (e.g. after a timeout). */
  unmatchedReplies: number;
  /** Frames of a type/version this client ignores (CALL, STREAM, vers ≠ 1). */
  ignoredFrames: number;
}

interface PendingCall {
  prog: number;
  name: string;
  resolve: (payload: Buffer) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

const SERIAL_MAX = 0xffffffff;
const CLOSE_GRACE_MS = 1000;


/** One libvirt RPC connection over a connected duplex stream. */
export class RpcConnection {
  private readonly pending = new Map<number, PendingCall>();
  private readonly pongWaiters = new Set<() => void>();
  private readonly messageListeners = new Set<MessageListener>();
  private readonly closeListeners = new Set<CloseListener>();
  private readonly activityListeners = new Set<() => void>();
  /** A typed error pending calls get instead of ConnectionClosedError (set by {@link abort}). */
  private abortedWith: Error | undefined;
  private readonly framer: Framer;
  private readonly defaultTimeoutMs: number;
  private readonly onListenerError: (err: unknown) => void;
  private nextSerial = 1;
  private closedBy: Error | "client" | undefined;
  private closedPromise: Promise<void> | undefined;
  /** Diagnostics counters. */
  readonly stats: RpcStats = { pingsAnswered: 0, unmatchedReplies: 0, ignoredFrames: 0 };

  constructor(private readonly stream: Duplex, opts: RpcOptions = {}) {
    this.framer = new Framer(opts.framer);
    this.defaultTimeoutMs = opts.callTimeoutMs ?? 0;
    this.onListenerError = opts.onListenerError ?? rethrowAsync;
    stream.on("data", (chunk: Buffer) => this.onData(chunk));
    const to = opts.target === undefined ? "" : ` to ${opts.target}`;
    stream.on("error", (err) => this.fail(new ConnectionClosedError(`libvirt connection${to} failed: ${err.message}`, { cause: err })));
    stream.on("end", () => this.fail(new ConnectionClosedError(`libvirt connection${to} closed by the server`)));
    stream.on("close", () => this.fail(new ConnectionClosedError(`libvirt connection${to} closed`)));
  }

  /** True once the connection has closed or failed. */
  get closed(): boolean {
    return this.closedBy !== undefined;
  }

  /**
   * Whether the stream keeps the process alive (`net.Socket.ref`/`unref`); a pool unrefs an idle
   * connection so a process with nothing else to do can exit. No-op for streams without it.
   */
  setRef(keepAlive: boolean): void {
    const s = this.stream as Duplex & { ref?: () => void; unref?: () => void };
    if (keepAlive) s.ref?.();
    else s.unref?.();
  }

  /** Number of calls awaiting a reply. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Sends a CALL and resolves with the REPLY/OK payload; rejects with LibvirtError etc. */
  call(prog: number, proc: number, payload: Uint8Array, opts: CallOptions = {}): Promise<Buffer> {
    const name = opts.name ?? `${programName(prog)} procedure ${proc}`;
    if (this.closedBy !== undefined) return Promise.reject(this.closedError(name));
    return new Promise<Buffer>((resolve, reject) => {
      const serial = this.allocSerial();
      const frame = encodeFrame(callHeader(prog, proc, serial), payload); // throws before anything is registered
      const call: PendingCall = { prog, name, resolve, reject, timer: undefined };
      const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
      if (timeoutMs > 0) call.timer = setTimeout(() => this.timeout(serial, timeoutMs), timeoutMs);
      this.pending.set(serial, call);
      this.stream.write(frame);
    });
  }

  /** Sends our own KEEPALIVE PING and resolves on the next PONG. */
  ping(timeoutMs = 0): Promise<void> {
    const name = "KEEPALIVE_PROC_PING";
    if (this.closedBy !== undefined) return Promise.reject(this.closedError(name));
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        this.pongWaiters.delete(done);
        if (this.closedBy === undefined) resolve();
        else reject(this.closedError(name));
      };
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          this.pongWaiters.delete(done);
          reject(new CallTimeoutError(name, timeoutMs));
        }, timeoutMs);
      }
      this.pongWaiters.add(done);
      this.sendKeepalive(KeepaliveProcedure.PING);
    });
  }

  /** Subscribes to event MESSAGE frames; returns an unsubscribe function. */
  onMessage(listener: MessageListener): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  /** Subscribes to the end of the connection; returns an unsubscribe function. */
  onClose(listener: CloseListener): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Subscribes to every frame received (keepalive.ts: the link is alive); returns an unsubscribe function. */
  onActivity(listener: () => void): () => void {
    this.activityListeners.add(listener);
    return () => this.activityListeners.delete(listener);
  }

  /** Drops the connection because of `err` (e.g. KeepaliveTimeoutError): every pending and later call rejects with it. */
  abort(err: Error): void {
    if (this.closedBy !== undefined) return;
    this.abortedWith = err;
    this.fail(err);
  }

  /** Ends the stream; pending calls reject with ConnectionClosedError. Idempotent. */
  close(): Promise<void> {
    if (this.closedPromise) return this.closedPromise;
    this.closedPromise = new Promise<void>((resolve) => {
      if (this.stream.destroyed) return resolve();
      const grace = setTimeout(() => this.stream.destroy(), CLOSE_GRACE_MS);
      this.stream.once("close", () => {
        clearTimeout(grace);
        resolve();
      });
      this.stream.end();
    });
    this.finish("client");
    return this.closedPromise;
  }

  /**
   * Drops the stream at once, without the graceful end (for a peer that stopped answering);
   * pending calls reject with ConnectionClosedError. Resolves once the stream has closed.
   */
  destroy(): Promise<void> {
    const closed = this.stream.closed ? Promise.resolve() : new Promise<void>((resolve) => this.stream.once("close", () => resolve()));
    this.finish("client");
    this.stream.destroy();
    this.closedPromise ??= closed;
    return closed;
  }

  /** Runs a listener; its exception goes to onListenerError, never into the read loop. */
  private callSafely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.onListenerError(err);
    }
  }

  private allocSerial(): number {
    for (;;) {
      const serial = this.nextSerial;
      this.nextSerial = serial >= SERIAL_MAX ? 1 : serial + 1;
      if (!this.pending.has(serial)) return serial;
    }
  }

  private timeout(serial: number, timeoutMs: number): void {
    const call = this.pending.get(serial);
    if (!call) return;
    this.pending.delete(serial);
    call.reject(new CallTimeoutError(call.name, timeoutMs));
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.framer.push(chunk);
    } catch (err) {
      this.fail(new ConnectionClosedError(`libvirt connection dropped: ${(err as Error).message}`, { cause: err }));
      return;
    }
    for (const frame of frames) {
      if (this.closedBy !== undefined) return;
      this.onFrame(frame);
    }
  }

  private onFrame(frame: Buffer): void {
    for (const l of [...this.activityListeners]) this.callSafely(l);
    const header = decodeHeader(frame);
    if (header.vers !== PROTOCOL_VERSION) {
      this.stats.ignoredFrames++;
      return;
    }
    if (header.type === MessageType.REPLY) this.onReply(header, framePayload(frame));
    else if (header.type === MessageType.MESSAGE) this.onAsyncMessage(header, framePayload(frame));
    else this.stats.ignoredFrames++;
  }

  private onReply(header: FrameHeader, payload: Buffer): void {
    const call = this.pending.get(header.serial);
    if (!call || call.prog !== header.prog) {
      this.stats.unmatchedReplies++;
      return;
    }
    this.pending.delete(header.serial);
    clearTimeout(call.timer);
    if (header.status === MessageStatus.OK) call.resolve(payload);
    else if (header.status === MessageStatus.ERROR) call.reject(this.replyError(call.name, payload));
    else call.reject(new ProtocolError(`${call.name}: unexpected reply status ${header.status}`));
  }

  private replyError(name: string, payload: Buffer): Error {
    try {
      return new LibvirtError(decodeRemoteError(payload), name);
    } catch (err) {
      return new ProtocolError(`${name}: malformed remote_error in error reply`, { cause: err });
    }
  }

  private onAsyncMessage(header: FrameHeader, payload: Buffer): void {
    if (header.prog !== KEEPALIVE_PROGRAM) {
      for (const l of [...this.messageListeners]) this.callSafely(() => l(header, payload));
      return;
    }
    if (header.proc === KeepaliveProcedure.PING) {
      this.stats.pingsAnswered++;
      this.sendKeepalive(KeepaliveProcedure.PONG);
    } else if (header.proc === KeepaliveProcedure.PONG) {
      for (const w of [...this.pongWaiters]) w();
    }
  }

  private sendKeepalive(proc: number): void {
    this.stream.write(encodeFrame(messageHeader(KEEPALIVE_PROGRAM, proc)));
  }

  private closedError(name: string): Error {
    if (this.abortedWith !== undefined) return this.abortedWith;
    const by = this.closedBy;
    if (by === "client") return new ConnectionClosedError(`${name}: connection closed by the client`);
    return new ConnectionClosedError(`${name}: ${by?.message ?? "connection closed"}`, { cause: by });
  }

  /** Unexpected end or failure: reject everything, destroy the stream, notify once. */
  private fail(err: Error): void {
    if (this.closedBy !== undefined) return;
    this.finish(err);
    this.stream.destroy();
  }

  private finish(by: Error | "client"): void {
    if (this.closedBy !== undefined) return;
    this.closedBy = by;
    for (const call of this.pending.values()) {
      clearTimeout(call.timer);
      call.reject(this.closedError(call.name));
    }
    this.pending.clear();
    for (const w of [...this.pongWaiters]) w();
    const reported = by === "client" ? undefined : by;
    for (const l of [...this.closeListeners]) this.callSafely(() => l(reported));
  }
}
