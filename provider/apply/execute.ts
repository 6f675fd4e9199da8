/**
 * The executor: walks a plan's steps in order against a {@link Hypervisor}, logs each step
 * with its duration, and re-reads the live state at the end. On any failure it re-reads the
 * state and throws an {@link ApplyError} carrying what was read, never a guess.
 */
import { ApplyError, ProviderError, describeCause } from "../errors";
import { describeStep, type Step } from "../plan";
import type { GuestAgentMode, LiveState, Timeouts } from "../spec";
import { offlineInGuest, onlineInGuest } from "./guest";
import { markUnconfirmed } from "./unconfirmed";
import type { Hypervisor, Logger } from "./ports";

/** Settings the executor needs from the checked inputs. */
export interface ExecuteOptions {
  readonly timeouts: Timeouts;
  readonly guestAgent: GuestAgentMode;
  /** Prefix of every log line (resource/VM name). */
  readonly label: string;
  readonly log: Logger;
}

/** One executed step, how long it took, and (for guest onlining) where the time went. */
export interface StepTiming {
  readonly step: Step;
  readonly ms: number;
  readonly phases?: Readonly<Record<string, number>>;
}

/** What a step reports besides success: a false agent wait, timing phases, or an unplug QEMU did not confirm. */
type StepOutcome = boolean | Readonly<Record<string, number>> | "unconfirmed" | void;

/** Result of {@link execute}: the state read afterwards, the step timings, and warnings of skipped guest steps. */
export interface ExecuteResult {
  readonly live: LiveState;
  readonly timings: readonly StepTiming[];
  readonly warnings: readonly string[];
  /** vCPU ids whose unplug QEMU did not confirm (their slots are marked `unplugUnconfirmed` in `live`). */
  readonly unconfirmed: readonly number[];
}

const deadlineIn = (seconds: number) => Date.now() + seconds * 1000;

function requireGuest(hv: Hypervisor, deadline: number) {
  const guest = hv.guest(deadline);
  if (!guest) throw new ProviderError("AGENT_UNAVAILABLE", "the VM has no qemu-guest-agent channel");
  return guest;
}

/** Runs one step; resolves false for a waitForAgent whose agent never answered, phases for onlining. */
async function runStep(hv: Hypervisor, step: Step, opts: ExecuteOptions): Promise<StepOutcome> {
  const t = opts.timeouts;
  switch (step.kind) {
    case "hotAdd":
      return hv.hotAdd(step);
    case "unplug": {
      opts.log(`${opts.label}: ${describeStep(step)}: waiting up to ${t.unplugSeconds} s for the guest to eject it and QEMU to free the slot`);
      const outcome = await hv.unplug(step, deadlineIn(t.unplugSeconds));
      if (!outcome.removed) {
        throw new ProviderError("UNPLUG_NOT_CONFIRMED", `unplug of vCPU ${step.vcpuIds.join(",")} not confirmed within ${t.unplugSeconds} s: ${outcome.detail}`);
      }
      if (outcome.libvirtTimedOut) opts.log(`${opts.label}: libvirt reported a timeout, but QEMU confirms vCPU ${step.vcpuIds.join(",")} is gone (${outcome.detail})`);
      if (!outcome.confirmed) {
        opts.log(`${opts.label}: warning: QEMU freed vCPU ${step.vcpuIds.join(",")}'s slot but never confirmed the unplug (no DEVICE_DELETED): no vCPU is hot-added into this QEMU until it restarts`);
        return "unconfirmed";
      }
      return;
    }
    case "onlineInGuest": {
      const deadline = deadlineIn(t.agentSeconds);
      const r = await onlineInGuest(requireGuest(hv, deadline), step.expectedOnline, deadline);
      return { guestSeesCpus: r.seenMs, online: r.onlineMs };
    }
    case "offlineInGuest":
      await offlineInGuest(requireGuest(hv, deadlineIn(t.agentSeconds)), step.count);
      return;
    case "setConfigVcpus":
      return hv.setConfigVcpus(step.vcpus);
    case "defineConfig":
      return hv.defineConfig(step);
    case "restart":
      return hv.restart(deadlineIn(t.shutdownSeconds));
    case "waitForAgent": {
      const ok = await hv.waitForAgent(deadlineIn(t.agentSeconds));
      if (!ok && step.required) throw new ProviderError("AGENT_UNAVAILABLE", `qemu-guest-agent did not answer within ${t.agentSeconds} s after the start`);
      if (!ok) opts.log(`${opts.label}: qemu-guest-agent did not answer within ${t.agentSeconds} s; guest CPUs not checked`);
      return ok;
    }
  }
}

/** True when a later onlineInGuest step can't run because the agent never came back. */
function skipGuestStep(hv: Hypervisor, step: Step, agentAnswered: boolean): boolean {
  return step.kind === "onlineInGuest" && (!agentAnswered || hv.guest(Date.now()) === undefined);
}

/**
 * With `guestAgent: "optional"`, an agent that stops answering (or a guest that does not finish
 * onlining) does not fail the update: the hotplug and the definition are what the user asked for,
 * the guest step is skipped with a warning. Offlining is skipped only when the agent is gone (the
 * ACPI eject then offlines the CPU); a guest that refuses to offline still stops the unplug.
 */
function tolerated(step: Step, err: unknown, mode: GuestAgentMode): boolean {
  if (mode !== "optional") return false;
  if (step.kind === "onlineInGuest") return true;
  return step.kind === "offlineInGuest" && err instanceof ProviderError && err.code === "AGENT_UNAVAILABLE";
}

/** Runs `steps` in order; see the module comment for the failure contract. */
export async function execute(hv: Hypervisor, steps: readonly Step[], opts: ExecuteOptions): Promise<ExecuteResult> {
  const timings: StepTiming[] = [];
  const warnings: string[] = [];
  const unconfirmed: number[] = [];
  let agentAnswered = true;
  for (const step of steps) {
    if (skipGuestStep(hv, step, agentAnswered) && opts.guestAgent !== "required") continue;
    const started = Date.now();
    opts.log(`${opts.label}: ${describeStep(step)}: started`);
    let outcome: StepOutcome;
    try {
      outcome = await runStep(hv, step, opts);
      if (outcome === false) agentAnswered = false;
      if (outcome === "unconfirmed" && step.kind === "unplug") unconfirmed.push(...step.vcpuIds);
    } catch (err) {
      if (tolerated(step, err, opts.guestAgent)) {
        const warning = `${describeStep(step)} skipped after ${Date.now() - started} ms (guestAgent is optional): ${describeCause(err)}`;
        warnings.push(warning);
        opts.log(`${opts.label}: warning: ${warning}`);
        if (step.kind === "onlineInGuest") agentAnswered = false;
        continue;
      }
      const live = await hv.read().catch(() => undefined);
      const code = err instanceof ProviderError ? err.code : "STEP_FAILED";
      throw new ApplyError(code, `${opts.label}: ${describeStep(step)} failed: ${describeCause(err)}`, step, live, { cause: err });
    }
    const ms = Date.now() - started;
    timings.push(typeof outcome === "object" ? { step, ms, phases: outcome } : { step, ms });
    opts.log(`${opts.label}: ${describeStep(step)}: done in ${ms} ms`);
  }
  const live = markUnconfirmed(await hv.read(), { instance: undefined, vcpuIds: unconfirmed });
  return { live, timings, warnings, unconfirmed };
}
