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

async function readWithAgent(hv: Hypervisor, desired: VmCpuInputs): Promise<LiveState> {
  const live = await hv.read();
  if (desired.guestAgent !== "required" || !live.running || live.agent !== "unavailable") return live;
  // A required agent that is still starting (first seconds after boot) gets agentSeconds.
  await hv.waitForAgent(Date.now() + desired.timeouts.agentSeconds * 1000);
  return hv.read();
}

/** Brings the VM behind `hv` to `desired`; throws before any change when the plan is refused or blocked. */
export async function converge(hv: Hypervisor, desired: VmCpuInputs, label: string, log: Logger): Promise<ConvergeResult> {
  const before = await readWithAgent(hv, desired);
  const p = plan(before, desired);
  if (p.refused.length) throw new ProviderError("COLD_CHANGE_REFUSED", refusalMessage(label, p.refused));
  if (p.blockers.length) {
    throw new ProviderError("PRECONDITION_FAILED", `${label}: nothing was changed: ${p.blockers.join("; ")}`);
  }
  if (p.steps.length) log(`${label}: plan: ${p.steps.map(describeStep).join("; ")}`);
  const result = await execute(hv, p.steps, { timeouts: desired.timeouts, guestAgent: desired.guestAgent, label, log });
  for (const w of result.live.disagreements) log(`${label}: warning: ${w}`);
  return { ...result, plan: p, before };
}
