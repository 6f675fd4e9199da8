/**
 * Converge: hold the VM → read → plan → (refuse or block before touching anything) → take
 * the VM's lease → read and plan again under it → execute → read → release. Shared by create
 * (adoption) and update. Holding the VM in this process (apply/vm-lock.ts) makes a second
 * operation on it wait and then plan from a fresh read; the lease keeps other processes out.
 */
import {
  execute, markUnconfirmed, newOwnerId, vmKey, withVmLock, type ExecuteResult, type Hypervisor, type Lease, type Logger, type Unconfirmed, type VmHold,
} from "./apply";
import { ProviderError, type LeaseHolder } from "./errors";
import { describeStep, plan, planBoundMs, readBoundSeconds, refusalMessage, type Plan } from "./plan";
import type { LiveState, VmCpuInputs } from "./spec";

/** Result of {@link converge}. */
export interface ConvergeResult extends ExecuteResult {
  readonly plan: Plan;
  readonly before: LiveState;
}

/** What a converge does, as its lease says: adopting (create) or changing (update). */
export type ConvergeOperation = "create" | "update";

/** What every phase of one converge needs. */
interface Ctx {
  readonly hv: Hypervisor;
  readonly desired: VmCpuInputs;
  readonly label: string;
  readonly log: Logger;
  /** Unplugs of earlier applies QEMU never confirmed (from the stored outputs). */
  readonly known: Unconfirmed;
}

/** A read and the plan made from it. */
type Planned = { live: LiveState; plan: Plan };

async function readWithAgent(hv: Hypervisor, desired: VmCpuInputs, guest: boolean): Promise<LiveState> {
  const live = await hv.read({ guest });
  // A paused VM's agent can't answer until it resumes: no point waiting for it.
  if (desired.guestAgent !== "required" || !live.running || live.state === "paused" || (live.agent !== "unavailable" && live.agent !== "connected")) return live;
  // A required agent must answer (bounded by agentSeconds) before anything changes: one still starting
  // (first seconds after boot) is waited for and read again; a silent one makes the plan refuse.
  const answered = await hv.waitForAgent(Date.now() + desired.timeouts.agentSeconds * 1000);
  if (!answered) return { ...live, agent: "unavailable" };
  return live.agent === "connected" ? live : hv.read({ guest });
}

/**
 * Reads what planning needs. A count change plans the same with or without the guest's view
 * (its steps read the guest themselves), so the first read skips the guest round trip; only
 * when the count already matches is the guest asked, to find CPUs offline inside it.
 */
async function readForPlan({ hv, desired, known }: Ctx): Promise<Planned> {
  const quick = markUnconfirmed(await readWithAgent(hv, desired, false), known);
  const p = plan(quick, desired);
  const countChanges = p.steps.some((s) => s.kind === "hotAdd" || s.kind === "unplug" || s.kind === "restart");
  if (countChanges || desired.guestAgent === "off" || quick.agent !== "connected") return { live: quick, plan: p };
  const full = markUnconfirmed(await hv.read(), known);
  return { live: full, plan: plan(full, desired) };
}

/** With `guestAgent: "optional"` and an agent that did not answer, what the plan leaves undone in the guest. */
function agentWarnings(before: LiveState, desired: VmCpuInputs, p: Plan): string[] {
  if (desired.guestAgent !== "optional" || before.agent !== "unavailable") return [];
  if (!p.steps.some((s) => s.kind === "hotAdd")) return [];
  if (before.state === "paused") {
    return ["the VM is paused, so the hot-added CPUs were not onlined in the guest (guestAgent is optional); once it resumes, `pulumi up --refresh` onlines them"];
  }
  return ["qemu-guest-agent did not answer, so the hot-added CPUs were not onlined in the guest (guestAgent is optional); a guest without an auto-online rule keeps them offline until something onlines them"];
}

/** Throws before any change when the plan is refused or blocked. */
function refuseOrBlock(p: Plan, label: string): void {
  if (p.refused.length) throw new ProviderError("COLD_CHANGE_REFUSED", refusalMessage(label, p.refused));
  if (p.blockers.length) {
    throw new ProviderError("PRECONDITION_FAILED", `${label}: nothing was changed: ${p.blockers.join("; ")}`);
  }
}

/** Executes a checked plan and logs what the final read disagrees on. */
async function run({ hv, desired, label, log, known }: Ctx, read: Planned): Promise<ConvergeResult> {
  const p = read.plan;
  if (p.steps.length) log(`${label}: plan: ${p.steps.map(describeStep).join("; ")}`);
  const early = agentWarnings(read.live, desired, p);
  for (const w of early) log(`${label}: warning: ${w}`);
  const executed = await execute(hv, p.steps, { timeouts: desired.timeouts, guestAgent: desired.guestAgent, label, log });
  const result = { ...executed, live: markUnconfirmed(executed.live, known) };
  for (const w of result.live.disagreements) log(`${label}: warning: ${w}`);
  return { ...result, warnings: [...early, ...result.warnings], plan: p, before: read.live };
}

/** Under the lease: plans again from a fresh read when other processes could have changed the VM, then runs. */
async function runLeased(ctx: Ctx, lease: Lease, hold: VmHold, first: Planned): Promise<ConvergeResult> {
  if (!lease.crossProcess) return run(ctx, first);
  const read = await readForPlan(ctx);
  refuseOrBlock(read.plan, ctx.label);
  const bound = planBoundMs(read.plan.steps, ctx.desired.timeouts);
  if (bound > planBoundMs(first.plan.steps, ctx.desired.timeouts)) await lease.renew(hold.extendTo(Date.now() + bound));
  return run(ctx, read);
}

/** Brings the VM behind `hv` to `desired`; throws before any change when the plan is refused or blocked, or the VM is busy. */
export async function converge(
  hv: Hypervisor,
  desired: VmCpuInputs,
  label: string,
  log: Logger,
  operation: ConvergeOperation = "update",
  known: Unconfirmed = { instance: undefined, vcpuIds: [] },
): Promise<ConvergeResult> {
  const who: LeaseHolder = { owner: newOwnerId(), operation, resource: label, expires: Date.now() + readBoundSeconds(desired.timeouts) * 1000 };
  const ctx: Ctx = { hv, desired, label, log, known };
  return withVmLock(vmKey(desired), who, log, async (hold) => {
    const first = await readForPlan(ctx);
    refuseOrBlock(first.plan, label);
    if (!first.plan.steps.length) return run(ctx, first);
    const expires = hold.extendTo(Date.now() + planBoundMs(first.plan.steps, desired.timeouts));
    const lease = await hv.lease({ ...who, expires }, log);
    try {
      return await runLeased(ctx, lease, hold, first);
    } finally {
      await lease.release();
    }
  });
}
