/**
 * {@link FunctionMonitor}: a {@link Monitor} backed by a function that takes one QMP command as JSON text and
 * resolves with the reply as JSON text — the shape of libvirt's `virDomainQemuMonitorCommand`
 * (QEMU_PROC_DOMAIN_MONITOR_COMMAND), which does the greeting, capabilities and ids itself and hands back the raw
 * reply, error replies included. Events come in through `subscribe` (e.g. from
 * `virConnectDomainQemuMonitorEventRegister`) or {@link FunctionMonitor.deliverEvent}.
 */
import { classifyReply, encodeCommandJson } from "./codec";
import { QmpConnectionClosedError, QmpError, QmpProtocolError, QmpTimeoutError } from "./errors";
import { withTimeout } from "./deadline";
import { EventHub, type EventListener, type EventMark, type EventPredicate } from "./events";
import { QmpEvent } from "./messages";
import type { ExecuteOptions, Monitor } from "./monitor";

/** Sends one command (JSON text, no id, no newline) and resolves with the peer's reply (JSON text). Rejections are
 * passed through unchanged, so the backing client's own error types and predicates keep working. */
export type ExecJson = (json: string, timeoutMs?: number) => Promise<string>;

/** Options of {@link FunctionMonitor}. */
export interface FunctionMonitorOptions {
  /** Per-call timeout when `execute` is given none (default 30 000 ms). */
  defaultTimeoutMs?: number;
  /** Events kept for `waitForEvent(…, since)` (default 256). */
  eventHistory?: number;
  /** Called once with a `deliver` function for QMP events (objects `{event, data?, timestamp}` or their JSON
   * text); may return an unsubscribe function that {@link FunctionMonitor.close} calls. */
  subscribe?: (deliver: (event: unknown) => void) => (() => void | Promise<void>) | void;
}

/** A {@link Monitor} over an {@link ExecJson} function (go-qemu's `LibvirtRPCMonitor` counterpart). */
export class FunctionMonitor implements Monitor {
  private readonly hub: EventHub;
  private readonly defaultTimeoutMs: number;
  private readonly unsubscribe: (() => void | Promise<void>) | undefined;
  private closed = false;

  constructor(
    private readonly execJson: ExecJson,
    opts: FunctionMonitorOptions = {},
  ) {
    this.hub = new EventHub(opts.eventHistory);
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 30_000;
    this.unsubscribe = opts.subscribe?.((e) => this.deliverEvent(e)) ?? undefined;
  }

  async execute<T = unknown>(command: string, args?: object, opts: ExecuteOptions = {}): Promise<T> {
    if (this.closed) throw new QmpConnectionClosedError(command);
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    const json = encodeCommandJson({ execute: command, arguments: args });
    const reply = await withTimeout(this.execJson(json), timeoutMs, () => new QmpTimeoutError(command, timeoutMs));
    return replyValue(command, reply) as T;
  }

  /** Feeds one event (an object or its JSON text). Invalid events are dropped: an event source must not be able to
   * break command execution. Returns whether it was accepted. */
  deliverEvent(raw: unknown): boolean {
    let value = raw;
    if (typeof raw === "string") {
      try {
        value = JSON.parse(raw);
      } catch {
        return false;
      }
    }
    const parsed = QmpEvent.safeParse(value);
    if (parsed.success) this.hub.push(parsed.data);
    return parsed.success;
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
    if (this.closed) return;
    this.closed = true;
    this.hub.close();
    await this.unsubscribe?.();
  }
}

/** The `return` member of a reply given as JSON text; an error reply becomes {@link QmpError}. */
export function replyValue(command: string, replyJson: string): unknown {
  const msg = classifyReply(command, replyJson, "qmp");
  switch (msg.kind) {
    case "return":
      return msg.value;
    case "error":
      throw new QmpError(command, msg.error.class, msg.error.desc);
    default:
      throw new QmpProtocolError(`expected a reply, got a ${msg.kind}`, { command, line: replyJson });
  }
}
