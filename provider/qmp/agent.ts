/**
 * The {@link GuestAgent} port (qemu-ga, qga/qapi-schema.json) and its implementation over the host side of the
 * agent's virtio-serial chardev, {@link SocketGuestAgent}. A libvirt-backed agent plugs into the same interface
 * through {@link FunctionGuestAgent} (function-agent.ts).
 */
import { randomInt } from "node:crypto";
import type { Duplex } from "node:stream";
import { LineSplitter, classify, decodeLine, encodeCommand, encodeSyncDelimited } from "./codec";
import { AgentError, AgentTimeoutError, GuestSetVcpusPartialError, QmpConnectionClosedError, QmpProtocolError } from "./errors";
import { dialWithin, remaining } from "./deadline";
import { LineQueue } from "./line-queue";
import { AgentReplies, parseReply, type GuestAgentInfo, type GuestLogicalProcessor } from "./messages";
import type { QmpDialer } from "./transport";

/** One guest logical CPU (`GuestLogicalProcessor`). `canOffline` is undefined when the agent does not say. */
export interface GuestVcpu {
  logicalId: number;
  online: boolean;
  canOffline: boolean | undefined;
}

/** One requested online/offline change (an entry of `guest-set-vcpus`' `vcpus`). */
export interface GuestVcpuChange {
  logicalId: number;
  online: boolean;
}

/** Per-call options. */
export interface AgentExecuteOptions {
  /** Bound on the whole call, including a resync if one is needed (default: the agent's default). */
  timeoutMs?: number;
}

/** The guest agent as the provider uses it. */
export interface GuestAgent {
  /** Any qemu-ga command by its QAPI name; resolves with `return` unvalidated, rejects with {@link AgentError}. */
  execute<T = unknown>(command: string, args?: object, opts?: AgentExecuteOptions): Promise<T>;
  /** `guest-get-vcpus`, sorted by logical id (qemu-ga returns them unsorted, e.g. [1, 2, 0]). */
  getVcpus(): Promise<GuestVcpu[]>;
  /** `guest-set-vcpus`: resolves with how many leading entries were applied. qemu-ga stops at the first entry it
   * cannot apply and still succeeds (only a failing first entry is an error), so compare with `changes.length`,
   * or use {@link setAllVcpus}. */
  setVcpus(changes: readonly GuestVcpuChange[]): Promise<number>;
  /** `guest-info`: agent version and supported commands. */
  info(): Promise<GuestAgentInfo>;
  /** `guest-ping`: true if the agent answered within `timeoutMs`, false if it is unavailable. */
  ping(timeoutMs?: number): Promise<boolean>;
  /** Releases the connection. Idempotent. */
  close(): Promise<void>;
}

/** The typed vCPU commands, written once over an abstract `execute`. */
export abstract class GuestAgentBase implements GuestAgent {
  abstract execute<T = unknown>(command: string, args?: object, opts?: AgentExecuteOptions): Promise<T>;
  abstract close(): Promise<void>;

  /** Errors for which {@link ping} answers false instead of throwing. */
  protected isUnavailable(err: unknown): boolean {
    return err instanceof AgentTimeoutError || err instanceof QmpConnectionClosedError;
  }

  async getVcpus(): Promise<GuestVcpu[]> {
    const raw = await this.execute("guest-get-vcpus");
    return toGuestVcpus(parseReply("guest-get-vcpus", AgentReplies["guest-get-vcpus"], raw));
  }

  async setVcpus(changes: readonly GuestVcpuChange[]): Promise<number> {
    if (changes.length === 0) return 0; // qemu-ga rejects an empty list
    const vcpus = changes.map((c) => ({ "logical-id": c.logicalId, online: c.online }));
    return parseReply("guest-set-vcpus", AgentReplies["guest-set-vcpus"], await this.execute("guest-set-vcpus", { vcpus }));
  }

  async info(): Promise<GuestAgentInfo> {
    return parseReply("guest-info", AgentReplies["guest-info"], await this.execute("guest-info"));
  }

  async ping(timeoutMs = 5000): Promise<boolean> {
    try {
      await this.execute("guest-ping", undefined, { timeoutMs });
      return true;
    } catch (err) {
      if (this.isUnavailable(err)) return false;
      throw err;
    }
  }
}

/** Sorted {@link GuestVcpu}s from a `guest-get-vcpus` reply. */
export function toGuestVcpus(list: readonly GuestLogicalProcessor[]): GuestVcpu[] {
  return list
    .map((p) => ({ logicalId: p["logical-id"], online: p.online, canOffline: p["can-offline"] }))
    .sort((a, b) => a.logicalId - b.logicalId);
}

/** `setVcpus` that insists on all or nothing reported: throws {@link GuestSetVcpusPartialError} when qemu-ga applied
 * fewer entries than requested (the entries before the failing one stay applied). */
export async function setAllVcpus(agent: GuestAgent, changes: readonly GuestVcpuChange[]): Promise<void> {
  const applied = await agent.setVcpus(changes);
  if (applied !== changes.length) throw new GuestSetVcpusPartialError(changes.length, applied, changes[applied]?.logicalId);
}

// ------------------------------------------------------------------------------------------------ socket

/** Options of {@link SocketGuestAgent.connect}. */
export interface SocketGuestAgentOptions {
  /** Wait this long for each `guest-sync-delimited` answer before sending a fresh one (default 500 ms). */
  syncTimeoutMs?: number;
  /** Give up the initial resync after this long (default 30 000 ms): qemu-ga answers only once it has opened its
   * port, ~3 s into a TCG boot, and until then requests go unanswered. */
  totalTimeoutMs?: number;
  /** Per-call bound when `execute` is given none (default 30 000 ms). */
  defaultTimeoutMs?: number;
}

/**
 * qemu-ga over the host end of its chardev (`-chardev socket,path=…,server=on` + `virtserialport
 * name=org.qemu.guest_agent.0`). Connecting resynchronises with `guest-sync-delimited`: send 0xFF + a random id,
 * discard everything up to the 0xFF that precedes the answer, read lines until `{"return": id}` (older answers are
 * stale), retry every `syncTimeoutMs`. Commands then run one at a time; after a timeout or an unreadable reply the
 * stream is resynchronised before the next command. Commands that never reply (guest-shutdown) time out.
 */
export class SocketGuestAgent extends GuestAgentBase {
  private readonly splitter = new LineSplitter();
  private readonly queue = new LineQueue();
  private readonly closedPromise: Promise<void>;
  private chain: Promise<unknown> = Promise.resolve();
  private needsSync = true;
  private closed = false;

  private constructor(
    private readonly socket: Duplex,
    private readonly opts: Required<SocketGuestAgentOptions>,
  ) {
    super();
    this.closedPromise = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (err) => this.shutdown(err));
    socket.on("close", () => this.shutdown(undefined));
  }

  /** Dials and resynchronises, both within `totalTimeoutMs`: rejects with {@link QmpDialError} (the dial) or
   * {@link AgentTimeoutError} (phase "sync") once it passes, the socket destroyed before the promise rejects. */
  static async connect(dialer: QmpDialer, opts: SocketGuestAgentOptions = {}): Promise<SocketGuestAgent> {
    const full = { syncTimeoutMs: 500, totalTimeoutMs: 30_000, defaultTimeoutMs: 30_000, ...dropUndefined(opts) };
    const deadline = Date.now() + full.totalTimeoutMs;
    const agent = new SocketGuestAgent(await dialWithin(dialer, full.totalTimeoutMs), full);
    try {
      await agent.serialize(() => agent.sync(deadline, full.totalTimeoutMs));
      return agent;
    } catch (err) {
      agent.socket.destroy();
      await agent.closedPromise;
      throw err;
    }
  }

  execute<T = unknown>(command: string, args?: object, opts: AgentExecuteOptions = {}): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? this.opts.defaultTimeoutMs;
    return this.serialize(() => this.run(command, args, timeoutMs)) as Promise<T>;
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.shutdown(undefined);
      this.socket.end();
    }
    const force = setTimeout(() => this.socket.destroy(), 1000);
    await this.closedPromise;
    clearTimeout(force);
  }

  /** Runs `op` after every earlier call finished (the agent serves one request at a time). */
  private serialize<T>(op: () => Promise<T>): Promise<T> {
    const next = this.chain.then(op, op);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async run(command: string, args: object | undefined, timeoutMs: number): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    if (this.closed) throw new QmpConnectionClosedError(command);
    if (this.needsSync) await this.sync(deadline, timeoutMs);
    this.queue.clear();
    this.socket.write(encodeCommand({ execute: command, arguments: args }));
    const line = await this.take(command, remaining(deadline));
    if (line === undefined) throw this.desync(new AgentTimeoutError(command, timeoutMs, "command"));
    return this.replyOf(command, line);
  }

  private replyOf(command: string, line: string): unknown {
    let msg;
    try {
      msg = classify(decodeLine(line), "agent");
    } catch (cause) {
      throw this.desync(new QmpProtocolError("unreadable agent reply", { command, line, cause }));
    }
    if (msg.kind === "error") throw new AgentError(command, msg.error.class, msg.error.desc);
    return msg.kind === "return" ? msg.value : undefined;
  }

  /** Resynchronises before `deadline`; `budgetMs` only names the bound in the timeout error. */
  private async sync(deadline: number, budgetMs: number): Promise<void> {
    while (remaining(deadline) > 0) {
      const id = randomInt(1, 2 ** 31 - 1);
      this.splitter.discardUntilSync();
      this.queue.clear();
      this.socket.write(encodeSyncDelimited(id));
      if (await this.awaitSyncReply(id, Math.min(Date.now() + this.opts.syncTimeoutMs, deadline))) {
        this.needsSync = false;
        return;
      }
    }
    throw new AgentTimeoutError("guest-sync-delimited", budgetMs, "sync");
  }

  /** Reads lines until `{"return": id}` (true) or `until` passes (false); anything else is stale and skipped. */
  private async awaitSyncReply(id: number, until: number): Promise<boolean> {
    for (;;) {
      const line = await this.take("guest-sync-delimited", remaining(until), true);
      if (line === undefined) return false;
      if (isSyncReply(line, id)) return true;
    }
  }

  /** Next line; a queued read error is skipped while syncing and fatal otherwise. */
  private async take(command: string, timeoutMs: number, syncing = false): Promise<string | undefined> {
    for (;;) {
      if (timeoutMs <= 0) return undefined;
      try {
        return await this.queue.take(timeoutMs);
      } catch (err) {
        if (err instanceof QmpConnectionClosedError) throw new QmpConnectionClosedError(command, { cause: err.cause });
        if (!syncing) throw this.desync(err as Error);
      }
    }
  }

  private desync<E extends Error>(err: E): E {
    this.needsSync = true;
    return err;
  }

  private onData(chunk: Buffer): void {
    for (const item of this.splitter.push(chunk)) this.queue.push(item);
  }

  private shutdown(cause: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.close(new QmpConnectionClosedError(undefined, { cause }));
  }
}

function isSyncReply(line: string, id: number): boolean {
  try {
    const msg = JSON.parse(line) as unknown;
    return typeof msg === "object" && msg !== null && (msg as { return?: unknown }).return === id;
  } catch {
    return false;
  }
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
