/**
 * One client connection (one WebSocket on /vm/<name>/qmp or /vm/<name>/agent), after authentication: one text
 * message per QMP/agent JSON line each way. Every command is judged by the allowlist and written to the audit
 * log; allowed ones are forwarded on the gateway's own connection to the VM and the reply is sent back with the
 * client's id. Bounded: a token bucket per connection, an idle timeout, and a cap on what may queue for a client
 * that does not read (past it the connection is cut).
 */
import type { WebSocket } from "ws";
import { QmpError, AgentError, type QmpEvent } from "../../qmp";
import { judge, parseCommand, type Channel, type ClientCommand } from "./allowlist";
import { audit, type AuditSink, type AuditVerdict } from "./audit";
import type { GatewayLimits } from "./config";
import type { VmUpstream } from "./upstream";

/** Who is on the other end. */
export interface SessionWho {
  client: string;
  remote: string;
  vm: string;
  channel: Channel;
}

/** The QMP error class a refusal carries (what QEMU itself uses for a command it won't run). */
const REFUSED_CLASS = "GenericError";

/** Token bucket: `rate` per second, at most `burst` at once. */
class Bucket {
  private tokens: number;
  private last = Date.now();
  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }
  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Serves one client connection until it closes. */
export class Session {
  private readonly bucket: Bucket;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private negotiated = false;
  private unsubscribe: (() => void) | undefined;
  private ended = false;
  /** Agent commands run one at a time, in order. */
  private agentChain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ws: WebSocket,
    private readonly who: SessionWho,
    private readonly upstream: VmUpstream,
    private readonly limits: GatewayLimits,
    private readonly sink: AuditSink,
  ) {
    this.bucket = new Bucket(limits.commandsPerSecond, limits.burst);
    ws.on("message", (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on("error", (err) => this.cut(`connection error: ${err.message}`, 1009));
    ws.on("close", (code) => this.onClose(code));
    this.touch();
  }

  /** Sends QEMU's greeting (QMP channel) — the client then negotiates with the gateway. */
  async start(): Promise<void> {
    if (this.who.channel !== "qmp") return;
    const greeting = await this.upstream.greeting();
    this.send({ QMP: { version: greeting.QMP.version, capabilities: [] } });
  }

  private log(command: string, verdict: AuditVerdict, reason?: string): void {
    audit(this.sink, { ...this.who, command, verdict, ...(reason === undefined ? {} : { reason }) });
  }

  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.cut(`idle for ${this.limits.idleSeconds} s`, 1000), this.limits.idleSeconds * 1000);
    this.idleTimer.unref();
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.ended) return;
    this.touch();
    if (isBinary) return this.cut("binary message (the gateway takes one JSON text message per command)", 1003);
    const parsed = parseCommand(data.toString("utf8"));
    if ("error" in parsed) {
      this.log("(message)", "refused", parsed.error);
      return this.reply(parsed.id, { error: { class: REFUSED_CLASS, desc: parsed.error } });
    }
    const cmd = parsed.command;
    if (!this.bucket.take()) {
      const reason = `rate limit: at most ${this.limits.commandsPerSecond} commands per second (burst ${this.limits.burst})`;
      this.log(cmd.execute, "refused", reason);
      return this.reply(cmd.id, { error: { class: REFUSED_CLASS, desc: `refused by the gateway: ${reason}` } });
    }
    void this.handle(cmd);
  }

  private async handle(cmd: ClientCommand): Promise<void> {
    let verdict;
    try {
      verdict = await judge(this.who.channel, cmd, this.upstream);
    } catch (err) {
      verdict = { allowed: false as const, reason: `the gateway could not check it against QEMU: ${(err as Error).message}` };
    }
    if (!verdict.allowed) {
      this.log(cmd.execute, "refused", verdict.reason);
      return this.reply(cmd.id, { error: { class: REFUSED_CLASS, desc: `refused by the gateway: ${verdict.reason}` } });
    }
    this.log(cmd.execute, "allowed");
    if (this.who.channel === "agent") return this.forwardAgent(cmd);
    if (cmd.execute === "qmp_capabilities") return this.negotiate(cmd);
    if (!this.negotiated) {
      return this.reply(cmd.id, { error: { class: "CommandNotFound", desc: "Expecting capabilities negotiation with 'qmp_capabilities'" } });
    }
    return this.forwardQmp(cmd);
  }

  private async negotiate(cmd: ClientCommand): Promise<void> {
    if (this.negotiated) return this.reply(cmd.id, { error: { class: "CommandNotFound", desc: "Capabilities negotiation is already complete, command ignored" } });
    this.negotiated = true;
    const monitor = await this.upstream.monitor().catch(() => undefined);
    this.unsubscribe = monitor?.onEvent((ev) => this.event(ev));
    this.reply(cmd.id, { return: {} });
  }

  private event(ev: QmpEvent): void {
    this.send({ event: ev.event, data: ev.data, timestamp: ev.timestamp });
  }

  private async forwardQmp(cmd: ClientCommand): Promise<void> {
    const timeoutMs = this.limits.commandSeconds * 1000;
    try {
      const monitor = await this.upstream.monitor();
      const value = await monitor.execute(cmd.execute, cmd.arguments, { timeoutMs });
      this.reply(cmd.id, { return: value });
    } catch (err) {
      this.reply(cmd.id, { error: errorBody(err, "QEMU") });
    }
  }

  private forwardAgent(cmd: ClientCommand): Promise<void> {
    const run = async (): Promise<void> => {
      const timeoutMs = this.limits.commandSeconds * 1000;
      try {
        const agent = await this.upstream.agent();
        const value = await agent.execute(cmd.execute, cmd.arguments, { timeoutMs });
        this.reply(cmd.id, { return: value });
      } catch (err) {
        if (!(err instanceof AgentError)) this.upstream.dropAgent();
        this.reply(cmd.id, { error: errorBody(err, "the guest agent") });
      }
    };
    const next = this.agentChain.then(run, run);
    this.agentChain = next.catch(() => undefined);
    return next;
  }

  private reply(id: unknown, body: Record<string, unknown>): void {
    this.send(id === undefined ? body : { ...body, id });
  }

  /** Sends one message, or cuts a client that lets too much queue up. */
  private send(msg: unknown): void {
    if (this.ended) return;
    if (this.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      return this.cut(`not reading: more than ${this.limits.maxBufferedBytes} bytes queued`, 1008);
    }
    this.ws.send(JSON.stringify(msg));
  }

  /** Ends the connection at once, with an audit line. */
  private cut(reason: string, code: number): void {
    if (this.ended) return;
    this.log("(connection)", "cut-off", reason);
    this.end();
    if (code === 1000) this.ws.close(1000, "idle timeout");
    else this.ws.terminate();
  }

  private onClose(code: number): void {
    if (this.ended) return;
    this.log("(connection)", "closed", `code ${code}`);
    this.end();
  }

  private end(): void {
    this.ended = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.unsubscribe?.();
  }
}

/** The QMP-shaped error a forwarded command's failure becomes. */
function errorBody(err: unknown, peer: string): { class: string; desc: string } {
  if (err instanceof QmpError || err instanceof AgentError) return { class: err.class, desc: err.desc };
  return { class: "GenericError", desc: `gateway: ${peer} did not answer: ${(err as Error).message}` };
}
