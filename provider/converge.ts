/**
 * Converge: read → plan → (refuse or block before touching anything) → execute → read.
 * Shared by create (adoption) and update.
 */
import { execute, type ExecuteResult, type Hypervisor, type Logger } from "./apply";
import { ProviderError } from "./errors";
import { describeStep, plan, refusalMessage, type Plan } from "./plan";
import type { LiveState, VmCpuInputs } from "./spec";

/** Result of {@link converge}. */
export interface ConvergeResult extends ExecuteResult {
  readonly plan: Plan;
  readonly before: LiveState;
}

async function readWithAgent(hv: Hypervisor, desired: VmCpuInputs, guest: boolean): Promise<LiveState> {
  const live = await hv.read({ guest });
  if (desired.guestAgent !== "required" || !live.running || live.agent !== "unavailable") return live;
  // A required agent that is still starting (first seconds after boot) gets agentSeconds; one that
  // stays silent is not read again (the plan refuses on the first read's "unavailable").
  const answered = await hv.waitForAgent(Date.now() + desired.timeouts.agentSeconds * 1000);
  return answered ? hv.read({ guest }) : live;
}

/**
 * Reads what planning needs. A count change plans the same with or without the guest's view
 * (its steps read the guest themselves), so the first read skips the guest round trip; only
 * when the count already matches is the guest asked, to find CPUs offline inside it.
 */
async function readForPlan(hv: Hypervisor, desired: VmCpuInputs): Promise<{ live: LiveState; plan: Plan }> {
  const quick = await readWithAgent(hv, desired, false);
  const p = plan(quick, desired);
  const countChanges = p.steps.some((s) => s.kind === "hotAdd" || s.kind === "unplug" || s.kind === "restart");
  if (countChanges || desired.guestAgent === "off" || quick.agent !== "connected") return { live: quick, plan: p };
  const full = await hv.read();
  return { live: full, plan: plan(full, desired) };
}

/** With `guestAgent: "optional"` and an agent that did not answer, what the plan leaves undone in the guest. */
function agentWarnings(before: LiveState, desired: VmCpuInputs, p: Plan): string[] {
  if (desired.guestAgent !== "optional" || before.agent !== "unavailable") return [];
  if (!p.steps.some((s) => s.kind === "hotAdd")) return [];
  return ["qemu-guest-agent did not answer, so the hot-added CPUs were not onlined in the guest (guestAgent is optional); a guest without an auto-online rule keeps them offline until something onlines them"];
}

/** Brings the VM behind `hv` to `desired`; throws before any change when the plan is refused or blocked. */
export async function converge(hv: Hypervisor, desired: VmCpuInputs, label: string, log: Logger): Promise<ConvergeResult> {
  const { live: before, plan: p } = await readForPlan(hv, desired);
  if (p.refused.length) throw new ProviderError("COLD_CHANGE_REFUSED", refusalMessage(label, p.refused));
  if (p.blockers.length) {
    throw new ProviderError("PRECONDITION_FAILED", `${label}: nothing was changed: ${p.blockers.join("; ")}`);
  }
  if (p.steps.length) log(`${label}: plan: ${p.steps.map(describeStep).join("; ")}`);
  const early = agentWarnings(before, desired, p);
  for (const w of early) log(`${label}: warning: ${w}`);
  const result = await execute(hv, p.steps, { timeouts: desired.timeouts, guestAgent: desired.guestAgent, label, log });
  for (const w of result.live.disagreements) log(`${label}: warning: ${w}`);
  return { ...result, warnings: [...early, ...result.warnings], plan: p, before };
}
