/**
 * {@link FunctionGuestAgent}: a {@link GuestAgent} backed by a function that takes one qemu-ga command as JSON text
 * and resolves with the reply as JSON text — the shape of libvirt's `virDomainQemuAgentCommand`
 * (QEMU_PROC_DOMAIN_AGENT_COMMAND), which does the guest-sync handshake itself.
 */
import { GuestAgentBase, type AgentExecuteOptions } from "./agent";
import { classifyReply, encodeCommandJson } from "./codec";
import { AgentError, AgentTimeoutError, QmpConnectionClosedError } from "./errors";
import { withTimeout } from "./deadline";
import type { ExecJson } from "./function-monitor";

/** Options of {@link FunctionGuestAgent}. */
export interface FunctionGuestAgentOptions {
  /** Per-call bound when `execute` is given none (default 30 000 ms). The backing call is not cancelled. */
  defaultTimeoutMs?: number;
  /**
   * Every call also ends by this time (epoch ms): a call past it fails at once with AgentTimeoutError, and the
   * backing function gets the time left as its second argument (libvirt passes it on as the command's timeout).
   */
  deadline?: number;
  /** How much longer than the time given to the backing function to wait for its answer (default 0). */
  graceMs?: number;
  /** Errors of the backing function that mean "agent not there (yet)", so `ping` answers false instead of throwing
   * (e.g. libvirt's VIR_ERR_AGENT_UNRESPONSIVE "QEMU guest agent is not connected"). */
  isUnavailable?: (err: unknown) => boolean;
}

/** A {@link GuestAgent} over an {@link ExecJson} function. Rejections of `execJson` pass through unchanged. */
export class FunctionGuestAgent extends GuestAgentBase {
  private closed = false;

  constructor(
    private readonly execJson: ExecJson,
    private readonly opts: FunctionGuestAgentOptions = {},
  ) {
    super();
  }

  async execute<T = unknown>(command: string, args?: object, opts: AgentExecuteOptions = {}): Promise<T> {
    if (this.closed) throw new QmpConnectionClosedError(command);
    const asked = opts.timeoutMs ?? this.opts.defaultTimeoutMs ?? 30_000;
    const timeoutMs = this.opts.deadline === undefined ? asked : Math.min(asked, this.opts.deadline - Date.now());
    if (timeoutMs <= 0) throw new AgentTimeoutError(command, 0, "command");
    const json = encodeCommandJson({ execute: command, arguments: args });
    const reply = await withTimeout(this.execJson(json, timeoutMs), timeoutMs + (this.opts.graceMs ?? 0), () => new AgentTimeoutError(command, timeoutMs, "command"));
    const msg = classifyReply(command, reply, "agent");
    if (msg.kind === "error") throw new AgentError(command, msg.error.class, msg.error.desc);
    return (msg.kind === "return" ? msg.value : undefined) as T;
  }

  protected override isUnavailable(err: unknown): boolean {
    return super.isUnavailable(err) || (this.opts.isUnavailable?.(err) ?? false);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
