/**
 * An in-process fake libvirtd on a temporary unix socket. It speaks real frames through
 * the production Framer and header codec, and is scriptable per procedure: reply OK with
 * a payload, reply with a remote_error, never reply, write replies split into small
 * chunks, send PINGs / events / raw bytes, or drop the connection. Tests run the real
 * LibvirtClient against it by passing `fake.dialer` (go-libvirt's libvirttest idea).
 */
import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RemoteErrorFields } from "../../provider/libvirt/errors";
import {
  AuthType,
  KEEPALIVE_PROGRAM,
  KeepaliveProcedure,
  MessageStatus,
  MessageType,
  REMOTE_PROGRAM,
  RemoteProcedure,
} from "../../provider/libvirt/protocol/constants";
import { decodeHeader, encodeFrame, framePayload, messageHeader, type FrameHeader } from "../../provider/libvirt/protocol/header";
import { writeRemoteDomain, writeRemoteString } from "../../provider/libvirt/protocol/types";
import { Framer } from "../../provider/libvirt/transport/framer";
import type { Dialer } from "../../provider/libvirt/transport/dialer";
import { UnixDialer } from "../../provider/libvirt/transport/unix";
import { XdrReader } from "../../provider/libvirt/xdr/reader";
import { XdrWriter } from "../../provider/libvirt/xdr/writer";

/** A CALL received by the fake. */
export interface FakeCall {
  header: FrameHeader;
  payload: Buffer;
  /** An XdrReader over the args payload. */
  args(): XdrReader;
}

/** What the fake does with a CALL. */
export type FakeReply =
  | { kind: "ok"; payload?: Buffer }
  | { kind: "error"; error: Partial<RemoteErrorFields> }
  | { kind: "none" }
  | { kind: "raw"; bytes: Buffer };

/** Scripted behaviour for one procedure. */
export type FakeHandler = (call: FakeCall, conn: FakeConnection) => FakeReply | Promise<FakeReply>;

/** Reply OK with `payload` (built by `build`, if given). */
export function ok(build?: (w: XdrWriter) => void): FakeReply {
  if (!build) return { kind: "ok" };
  const w = new XdrWriter();
  build(w);
  return { kind: "ok", payload: Buffer.from(w.finish()) };
}

/** Reply with a remote_error (defaults: level 2, no strings). */
export function fail(error: Partial<RemoteErrorFields>): FakeReply {
  return { kind: "error", error };
}

/** Encodes a full `remote_error` (remote_protocol.x) for error replies. */
export function encodeRemoteError(e: Partial<RemoteErrorFields>): Buffer {
  const w = new XdrWriter();
  w.writeI32(e.code ?? 1).writeI32(e.domain ?? 0);
  writeRemoteString(w, e.message ?? null);
  w.writeI32(e.level ?? 2);
  writeRemoteDomain(w, null);
  writeRemoteString(w, e.str1 ?? null);
  writeRemoteString(w, e.str2 ?? null);
  writeRemoteString(w, e.str3 ?? null);
  w.writeI32(e.int1 ?? 0).writeI32(e.int2 ?? 0);
  w.writeU32(0); // remote_network net: NULL
  return Buffer.from(w.finish());
}

/** One accepted client connection. */
export class FakeConnection {
  /** Every frame received, in order (CALLs, PONGs, …). */
  readonly received: FrameHeader[] = [];
  /** True once the client's socket has closed. */
  closed = false;
  private readonly framer = new Framer();

  constructor(readonly socket: net.Socket, private readonly server: FakeLibvirtd) {
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      this.closed = true;
      server.notify();
    });
  }

  /** Writes bytes, honouring the server's `splitWrites` chunk size. */
  write(bytes: Buffer): void {
    const size = this.server.splitWrites;
    if (size === undefined) return void this.socket.write(bytes);
    for (let i = 0; i < bytes.length; i += size) this.socket.write(bytes.subarray(i, i + size));
  }

  /** Sends a REPLY for `call`. */
  reply(call: FakeCall, r: FakeReply): void {
    if (r.kind === "none") return;
    if (r.kind === "raw") return this.write(r.bytes);
    const status = r.kind === "ok" ? MessageStatus.OK : MessageStatus.ERROR;
    const payload = r.kind === "ok" ? r.payload : encodeRemoteError(r.error);
    const h = { ...call.header, type: MessageType.REPLY, status };
    this.write(encodeFrame(h, payload));
  }

  /** Sends a KEEPALIVE PING. */
  ping(): void {
    this.write(encodeFrame(messageHeader(KEEPALIVE_PROGRAM, KeepaliveProcedure.PING)));
  }

  /** Sends an event MESSAGE (serial 0). */
  event(prog: number, proc: number, payload: Buffer): void {
    this.write(encodeFrame(messageHeader(prog, proc), payload));
  }

  /** Drops the connection abruptly. */
  drop(): void {
    this.socket.destroy();
  }

  /** Frames received with keepalive PONG. */
  get pongs(): number {
    return this.received.filter((h) => h.prog === KEEPALIVE_PROGRAM && h.proc === KeepaliveProcedure.PONG).length;
  }

  private onData(chunk: Buffer): void {
    for (const frame of this.framer.push(chunk)) {
      const header = decodeHeader(frame);
      this.received.push(header);
      this.server.notify();
      if (header.prog === KEEPALIVE_PROGRAM && header.proc === KeepaliveProcedure.PING && this.server.answerPings) {
        this.write(encodeFrame(messageHeader(KEEPALIVE_PROGRAM, KeepaliveProcedure.PONG)));
      }
      if (header.type === MessageType.CALL) void this.dispatch({ header, payload: framePayload(frame), args: () => new XdrReader(framePayload(frame)) });
    }
  }

  private async dispatch(call: FakeCall): Promise<void> {
    const handler = this.server.handlerFor(call.header.prog, call.header.proc);
    this.reply(call, await handler(call, this));
  }
}

const unknownProcedure: FakeHandler = (call) =>
  fail({ code: 39, domain: 7, message: `unknown procedure: ${call.header.proc}`, str1: "%s" });

/** The fake daemon: a unix-socket server with per-procedure handlers. */
export class FakeLibvirtd {
  /** Chunk size for every outgoing write (undefined = whole frames). */
  splitWrites: number | undefined;
  /** Answer the client's PINGs with PONG (like libvirtd). */
  answerPings = true;
  readonly connections: FakeConnection[] = [];
  private readonly handlers = new Map<string, FakeHandler>();
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly server: net.Server, private readonly dir: string, readonly socketPath: string) {
    server.on("connection", (s) => {
      this.connections.push(new FakeConnection(s, this));
      this.notify();
    });
    this.handleRemote(RemoteProcedure.AUTH_LIST, () => ok((w) => w.writeArray([AuthType.NONE], (ww, t) => void ww.writeI32(t))));
    this.handleRemote(RemoteProcedure.CONNECT_OPEN, () => ok());
    this.handleRemote(RemoteProcedure.CONNECT_CLOSE, () => ok());
    this.handleRemote(RemoteProcedure.CONNECT_SUPPORTS_FEATURE, () => ok((w) => void w.writeI32(1)));
  }

  /** Starts a fake on a fresh temporary socket. */
  static async start(): Promise<FakeLibvirtd> {
    const dir = mkdtempSync(join(tmpdir(), "fake-libvirtd-"));
    const path = join(dir, "libvirt-sock");
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    return new FakeLibvirtd(server, dir, path);
  }

  /** A Dialer for the fake's socket. */
  get dialer(): Dialer {
    return new UnixDialer(this.socketPath);
  }

  /** The most recent connection (throws if none). */
  get last(): FakeConnection {
    const c = this.connections[this.connections.length - 1];
    if (!c) throw new Error("no connection yet");
    return c;
  }

  /** Scripts `handler` for program `prog`, procedure `proc`. */
  handle(prog: number, proc: number, handler: FakeHandler): this {
    this.handlers.set(`${prog}:${proc}`, handler);
    return this;
  }

  /** Scripts a REMOTE_PROGRAM procedure. */
  handleRemote(proc: number, handler: FakeHandler): this {
    return this.handle(REMOTE_PROGRAM, proc, handler);
  }

  /** The handler for a CALL (unknown procedures get libvirt's "unknown procedure" error). */
  handlerFor(prog: number, proc: number): FakeHandler {
    return this.handlers.get(`${prog}:${proc}`) ?? unknownProcedure;
  }

  /** Resolves once `predicate` holds (re-checked whenever a frame or connection arrives). */
  waitFor(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error("FakeLibvirtd.waitFor timed out"));
      }, timeoutMs);
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  /** Re-evaluates waitFor predicates. */
  notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Stops listening, drops all connections and removes the socket directory. */
  async stop(): Promise<void> {
    for (const c of this.connections) c.drop();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
