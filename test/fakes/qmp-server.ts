/**
 * In-process fake QMP monitor and fake qemu-ga on temporary unix sockets (go-qemu's qmptest idea, but speaking real
 * framing). Their framing is written independently of provider/qmp/codec.ts so a codec bug cannot hide itself.
 *
 * - {@link FakeQmpServer}: greeting, capabilities negotiation (commands before `qmp_capabilities` get
 *   CommandNotFound like QEMU 7.2), CRLF line ends, ids echoed, scriptable handlers (reply, error, never reply,
 *   raw bytes, delayed/out-of-order replies), events, split writes, dropping the connection. A second concurrent
 *   client is accepted but never greeted, like QEMU.
 * - {@link FakeGuestAgent}: guest-sync-delimited with the 0xFF sentinel, 0xFF resets its parser, a "port closed"
 *   mode in which input is buffered unanswered until {@link FakeGuestAgent.openPort} (virtio-serial before qemu-ga
 *   opens it), a vCPU model with qemu-ga's guest-set-vcpus semantics (stop at the first failing entry).
 */
import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unixDialer, type QmpDialer } from "../../provider/qmp";

/** A command the fake received. */
export interface ReceivedCommand {
  execute: string;
  arguments?: Record<string, unknown>;
  id?: unknown;
}

/** What a handler answers. `none` never replies; `raw` writes bytes verbatim (no id added). */
export type FakeReply =
  | { return: unknown }
  | { error: { class: string; desc: string } }
  | { none: true }
  | { raw: string | Buffer };

/** Scripted behaviour for one command; may emit events through `peer` before answering, or answer later. */
export type FakeHandler<P> = (cmd: ReceivedCommand, peer: P) => FakeReply | Promise<FakeReply>;

/** Write shaping shared by both fakes. */
export interface WireOptions {
  /** Split every write into pieces of at most this many bytes, `chunkDelayMs` apart (default: whole writes). */
  chunkSize?: number;
  /** Pause between pieces (default 1 ms when chunkSize is set, so they reach the client as separate reads). */
  chunkDelayMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Socket plumbing shared by the two fakes: listen, one active client, serialized (optionally split) writes. */
abstract class FakePeer {
  readonly dir = mkdtempSync(join(tmpdir(), "qmpfake-"));
  abstract readonly path: string;
  readonly received: ReceivedCommand[] = [];
  protected client: net.Socket | undefined;
  protected readonly sockets = new Set<net.Socket>();
  private server: net.Server | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly commandWaiters: { name: string; resolve: (c: ReceivedCommand) => void }[] = [];
  connections = 0;

  constructor(protected readonly wire: WireOptions) {}

  /** A dialer for the client under test. */
  get dialer(): QmpDialer {
    return unixDialer(this.path);
  }

  protected async listen(): Promise<void> {
    this.server = net.createServer((s) => this.accept(s));
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(this.path, () => resolve());
    });
  }

  private accept(s: net.Socket): void {
    this.sockets.add(s);
    s.on("close", () => {
      this.sockets.delete(s);
      if (this.client === s) this.client = undefined;
    });
    s.on("error", () => undefined);
    if (this.client) return; // like QEMU: a second client is accepted by the kernel and then ignored
    this.client = s;
    this.connections++;
    this.writing = Promise.resolve();
    s.on("data", (chunk: Buffer) => this.onBytes(chunk));
    this.onConnect();
  }

  protected abstract onConnect(): void;
  protected abstract onBytes(chunk: Buffer): void;

  /** Writes to the current client, split per {@link WireOptions}; resolves when written. */
  write(data: string | Buffer): Promise<void> {
    const s = this.client;
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    this.writing = this.writing.then(async () => {
      if (!s || s.destroyed) return;
      const size = this.wire.chunkSize ?? buf.length;
      for (let off = 0; off < buf.length; off += size) {
        if (off > 0) await sleep(this.wire.chunkDelayMs ?? 1);
        if (!s.destroyed) s.write(buf.subarray(off, off + size));
      }
    });
    return this.writing;
  }

  /** Resolves with the next (or an already received) command named `name`. */
  waitForCommand(name: string, timeoutMs = 5000): Promise<ReceivedCommand> {
    const seen = this.received.find((c) => c.execute === name);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fake: no ${name} within ${timeoutMs} ms`)), timeoutMs);
      this.commandWaiters.push({ name, resolve: (c) => (clearTimeout(timer), resolve(c)) });
    });
  }

  protected record(cmd: ReceivedCommand): void {
    this.received.push(cmd);
    for (const w of this.commandWaiters.filter((x) => x.name === cmd.execute)) {
      this.commandWaiters.splice(this.commandWaiters.indexOf(w), 1);
      w.resolve(cmd);
    }
  }

  /** Destroys the current client connection (EOF for the client under test). */
  dropConnection(): void {
    this.client?.destroy();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------------------ QMP

/** Options of {@link FakeQmpServer.start}. */
export interface FakeQmpOptions extends WireOptions {
  /** The greeting object, or false to never greet (default: QEMU 7.2.22's). */
  greeting?: object | false;
  /** Line terminator (default "\r\n", as QEMU writes). */
  eol?: string;
}

/** QEMU 7.2.22's greeting, verbatim. */
export const QEMU_72_GREETING = {
  QMP: { version: { qemu: { micro: 22, minor: 2, major: 7 }, package: "Debian 1:7.2+dfsg-7+deb12u18+b3" }, capabilities: ["oob"] },
};

/** A scriptable QMP peer. */
export class FakeQmpServer extends FakePeer {
  readonly path = join(this.dir, "qmp.sock");
  private readonly handlers = new Map<string, FakeHandler<FakeQmpServer>>();
  private negotiated = false;
  private text = "";

  private constructor(private readonly opts: FakeQmpOptions) {
    super(opts);
    this.handle("qmp_capabilities", () => ({ return: {} }));
  }

  static async start(opts: FakeQmpOptions = {}): Promise<FakeQmpServer> {
    const s = new FakeQmpServer(opts);
    await s.listen();
    return s;
  }

  /** Scripts `command` (replaces an earlier handler). Unscripted commands get CommandNotFound. */
  handle(command: string, handler: FakeHandler<FakeQmpServer>): this {
    this.handlers.set(command, handler);
    return this;
  }

  /** Sends an event `{event, data, timestamp}` now. */
  emitEvent(event: string, data?: object): Promise<void> {
    const now = Date.now();
    const msg: Record<string, unknown> = { timestamp: { seconds: Math.floor(now / 1000), microseconds: (now % 1000) * 1000 }, event };
    if (data !== undefined) msg.data = data;
    return this.send(msg);
  }

  /** Sends one JSON message line. */
  send(msg: object): Promise<void> {
    return this.write(JSON.stringify(msg) + (this.opts.eol ?? "\r\n"));
  }

  protected onConnect(): void {
    this.negotiated = false;
    this.text = "";
    if (this.opts.greeting !== false) void this.send(this.opts.greeting ?? QEMU_72_GREETING);
  }

  protected onBytes(chunk: Buffer): void {
    this.text += chunk.toString("utf8");
    let nl: number;
    while ((nl = this.text.indexOf("\n")) !== -1) {
      const line = this.text.slice(0, nl).trim();
      this.text = this.text.slice(nl + 1);
      if (line) void this.onLine(line);
    }
  }

  private async onLine(line: string): Promise<void> {
    let cmd: ReceivedCommand;
    try {
      cmd = JSON.parse(line) as ReceivedCommand;
    } catch {
      return this.send({ error: { class: "GenericError", desc: "JSON parse error" } });
    }
    this.record(cmd);
    const reply = await this.replyTo(cmd);
    if ("none" in reply) return;
    if ("raw" in reply) return this.write(reply.raw);
    return this.send(cmd.id === undefined ? reply : { ...reply, id: cmd.id });
  }

  private async replyTo(cmd: ReceivedCommand): Promise<FakeReply> {
    if (!this.negotiated && cmd.execute !== "qmp_capabilities") {
      return { error: { class: "CommandNotFound", desc: "Expecting capabilities negotiation with 'qmp_capabilities'" } };
    }
    if (cmd.execute === "qmp_capabilities") this.negotiated = true;
    const h = this.handlers.get(cmd.execute);
    if (!h) return { error: { class: "CommandNotFound", desc: `The command ${cmd.execute} has not been found` } };
    return h(cmd, this);
  }
}

// ------------------------------------------------------------------------------------------------ qemu-ga

/** One vCPU in the fake guest. */
export interface FakeVcpu {
  logicalId: number;
  online: boolean;
  canOffline: boolean;
}

/** Options of {@link FakeGuestAgent.start}. */
export interface FakeAgentOptions extends WireOptions {
  /** Whether qemu-ga has opened the port (default true). When false, input is buffered unanswered until openPort(). */
  portOpen?: boolean;
  /** Bytes written to each new client before anything else (stale output of an earlier session). */
  onConnectBytes?: string | Buffer;
  /** Initial vCPUs (default: cpu0 online, not offlinable; cpu1 online). */
  vcpus?: FakeVcpu[];
}

/** A scriptable qemu-ga peer. */
export class FakeGuestAgent extends FakePeer {
  readonly path = join(this.dir, "qga.sock");
  readonly vcpus: FakeVcpu[];
  /** Ids of every guest-sync-delimited answered. */
  readonly syncsAnswered: number[] = [];
  private readonly handlers = new Map<string, FakeHandler<FakeGuestAgent>>();
  private portOpen: boolean;
  private pending = Buffer.alloc(0);
  private processing: Promise<void> = Promise.resolve();

  private constructor(private readonly opts: FakeAgentOptions) {
    super(opts);
    this.portOpen = opts.portOpen ?? true;
    this.vcpus = opts.vcpus ?? [
      { logicalId: 0, online: true, canOffline: false },
      { logicalId: 1, online: true, canOffline: true },
    ];
  }

  static async start(opts: FakeAgentOptions = {}): Promise<FakeGuestAgent> {
    const a = new FakeGuestAgent(opts);
    await a.listen();
    return a;
  }

  /** Overrides a command (replaces the built-in behaviour). */
  handle(command: string, handler: FakeHandler<FakeGuestAgent>): this {
    this.handlers.set(command, handler);
    return this;
  }

  /** Input held unprocessed (while the port is closed), as latin1 text. */
  get bufferedInput(): string {
    return this.pending.toString("latin1");
  }

  /** qemu-ga opens its port: everything buffered so far is processed (and answered) now. */
  openPort(): void {
    this.portOpen = true;
    this.drain();
  }

  protected onConnect(): void {
    this.pending = Buffer.alloc(0);
    if (this.opts.onConnectBytes !== undefined) void this.write(this.opts.onConnectBytes);
  }

  protected onBytes(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    if (this.portOpen) this.drain();
  }

  /** Like qemu-ga's JSON streamer: 0xFF drops the partial input; LF ends a request. One request at a time. */
  private drain(): void {
    for (;;) {
      const ff = this.pending.indexOf(0xff);
      const nl = this.pending.indexOf(0x0a);
      if (ff !== -1 && (nl === -1 || ff < nl)) {
        this.pending = this.pending.subarray(ff + 1);
        continue;
      }
      if (nl === -1) return;
      const line = this.pending.subarray(0, nl).toString("utf8").trim();
      this.pending = this.pending.subarray(nl + 1);
      if (line) this.processing = this.processing.then(() => this.onLine(line));
    }
  }

  private async onLine(line: string): Promise<void> {
    let cmd: ReceivedCommand;
    try {
      cmd = JSON.parse(line) as ReceivedCommand;
    } catch {
      await this.write(`${JSON.stringify({ error: { class: "GenericError", desc: "JSON parse error" } })}\n`);
      return;
    }
    this.record(cmd);
    const h = this.handlers.get(cmd.execute);
    const reply = h ? await h(cmd, this) : this.builtin(cmd);
    if ("none" in reply) return;
    if ("raw" in reply) return this.write(reply.raw);
    const isSync = cmd.execute === "guest-sync-delimited" && "return" in reply;
    if (isSync) this.syncsAnswered.push(reply.return as number);
    await this.write(Buffer.concat([isSync ? Buffer.of(0xff) : Buffer.alloc(0), Buffer.from(`${JSON.stringify(reply)}\n`)]));
  }

  private builtin(cmd: ReceivedCommand): FakeReply {
    const args = cmd.arguments ?? {};
    switch (cmd.execute) {
      case "guest-sync-delimited":
      case "guest-sync":
        return { return: args.id };
      case "guest-ping":
        return { return: {} };
      case "guest-info":
        return { return: { version: "7.2.22", supported_commands: ["guest-get-vcpus", "guest-set-vcpus", "guest-ping"].map((name) => ({ name, enabled: true, "success-response": true })) } };
      case "guest-get-vcpus":
        return { return: this.reportedVcpus() };
      case "guest-set-vcpus":
        return this.setVcpus(args.vcpus as { "logical-id": number; online: boolean }[]);
      default:
        return { error: { class: "CommandNotFound", desc: `The command ${cmd.execute} has not been found` } };
    }
  }

  /** qemu-ga lists CPUs in directory order, not sorted: rotate so cpu0 comes last (as observed: [1, 2, 0]). */
  private reportedVcpus(): object[] {
    const list = this.vcpus.map((v) => ({ "logical-id": v.logicalId, online: v.online, "can-offline": v.canOffline }));
    return list.length > 1 ? [...list.slice(1), list[0]!] : list;
  }

  /** qga commands-posix.c semantics: apply in order, stop at the first failure; an error only if nothing applied. */
  private setVcpus(req: { "logical-id": number; online: boolean }[] | undefined): FakeReply {
    if (!req || req.length === 0) return { error: { class: "GenericError", desc: "Invalid parameter 'vcpus'" } };
    let applied = 0;
    let failure: string | undefined;
    for (const r of req) {
      const cpu = this.vcpus.find((v) => v.logicalId === r["logical-id"]);
      if (!cpu) failure = `open("/sys/devices/system/cpu/cpu${r["logical-id"]}/"): No such file or directory`;
      else if (!r.online && !cpu.canOffline) failure = `logical processor #${cpu.logicalId} can't be offlined`;
      if (failure) break;
      cpu!.online = r.online;
      applied++;
    }
    if (applied === 0 && failure) return { error: { class: "GenericError", desc: failure } };
    return { return: applied };
  }
}
