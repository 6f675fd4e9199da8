/**
 * qemu-guest-agent through libvirt's `virDomainQemuAgentCommand` (QEMU_PROC_DOMAIN_AGENT_COMMAND), every
 * call bounded by a deadline: libvirt gets the seconds left as the command's own timeout, so a hung agent
 * fails the call inside libvirtd too (its agent job is released), and our side gives up a moment later
 * should libvirtd itself not answer. The typed agent APIs (`virDomainGetGuestVcpus`, …) take no timeout
 * and wait as long as libvirt's agent timeout (forever by default); that is why they are not used.
 * The cost: libvirt logs the domain as "tainted: custom-ga-command", as it already does
 * "custom-monitor" for QEMU's slot view.
 */
import { isAgentNotConfigured, isAgentUnresponsive, type DomainRef, type LibvirtClient } from "../../libvirt";
import {
  AgentError,
  AgentTimeoutError,
  GuestAgentBase,
  classifyReply,
  encodeCommandJson,
  withTimeout,
  type AgentExecuteOptions,
} from "../../qmp";

/** How much longer than libvirt's own timeout we wait for libvirtd's answer. */
const LIBVIRT_GRACE_MS = 1000;

/** The guest agent of one domain, each call bounded by `deadline` (epoch ms) and its own `timeoutMs`. */
export class LibvirtAgent extends GuestAgentBase {
  constructor(
    private readonly client: LibvirtClient,
    private readonly dom: DomainRef,
    private readonly deadline: number,
  ) {
    super();
  }

  async execute<T = unknown>(command: string, args?: object, opts: AgentExecuteOptions = {}): Promise<T> {
    const budgetMs = Math.min(opts.timeoutMs ?? Infinity, this.deadline - Date.now());
    if (budgetMs <= 0) throw new AgentTimeoutError(command, 0, "command");
    const seconds = Math.max(1, Math.ceil(budgetMs / 1000)); // libvirt counts whole seconds
    const json = encodeCommandJson({ execute: command, arguments: args });
    const call = this.client.qemuDomainAgentCommand(this.dom, json, seconds, 0);
    const reply = await withTimeout(call, seconds * 1000 + LIBVIRT_GRACE_MS, () => new AgentTimeoutError(command, seconds * 1000, "command"));
    const msg = classifyReply(command, reply ?? "{}", "agent");
    if (msg.kind === "error") throw new AgentError(command, msg.error.class, msg.error.desc);
    return (msg.kind === "return" ? msg.value : undefined) as T;
  }

  /** libvirt's "agent not connected / not responding" (it also reports its own timeout so) is unavailability. */
  protected override isUnavailable(err: unknown): boolean {
    return super.isUnavailable(err) || isAgentUnresponsive(err);
  }

  async close(): Promise<void> {
    // The connection belongs to the hypervisor.
  }
}

/** What a bounded agent call failing means for the provider. */
export type AgentFailure = "not-configured" | "unavailable" | "error";

/** Classifies an agent call's failure: no channel, not answering (in time), or a real error reply. */
export function agentFailure(err: unknown): AgentFailure {
  if (isAgentNotConfigured(err)) return "not-configured";
  if (err instanceof AgentTimeoutError || isAgentUnresponsive(err)) return "unavailable";
  return "error";
}
