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
import { AgentTimeoutError, FunctionGuestAgent } from "../../qmp";

/** How much longer than libvirt's own timeout we wait for libvirtd's answer. */
const LIBVIRT_GRACE_MS = 1000;

/**
 * The guest agent of one domain, each call bounded by `deadline` (epoch ms) and its own `timeoutMs`.
 * libvirt's "agent not connected / not responding" (it also reports its own timeout so) is unavailability.
 */
export function libvirtAgent(client: LibvirtClient, dom: DomainRef, deadline: number): FunctionGuestAgent {
  const exec = async (json: string, timeoutMs = 1000) =>
    (await client.qemuDomainAgentCommand(dom, json, Math.max(1, Math.ceil(timeoutMs / 1000)), 0)) ?? "{}"; // libvirt counts whole seconds
  const defaultTimeoutMs = Math.max(1, deadline - Date.now()); // no other bound than the deadline
  return new FunctionGuestAgent(exec, { deadline, defaultTimeoutMs, graceMs: LIBVIRT_GRACE_MS, isUnavailable: isAgentUnresponsive });
}

/** What a bounded agent call failing means for the provider. */
export type AgentFailure = "not-configured" | "unavailable" | "error";

/** Classifies an agent call's failure: no channel, not answering (in time), or a real error reply. */
export function agentFailure(err: unknown): AgentFailure {
  if (isAgentNotConfigured(err)) return "not-configured";
  if (err instanceof AgentTimeoutError || isAgentUnresponsive(err)) return "unavailable";
  return "error";
}
