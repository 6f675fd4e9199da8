/**
 * How long an operation on a VM may legitimately take, derived from its plan and the
 * `timeouts` inputs: the expiry of the operation's hold on the VM (this process's lock and
 * the lease in the libvirt domain's metadata). Waiters and other processes trust a hold only
 * until then, so the bound must be generous, never tight. Pure: steps and timeouts in, ms out.
 */
import type { Timeouts } from "../spec";
import type { Step } from "./steps";

/** One row of {@link STEP_BOUNDS}: seconds a step may take under `timeouts`, and why. */
export interface StepBound {
  readonly seconds: (t: Timeouts) => number;
  readonly why: string;
}

/** Seconds allowed for one backend call that returns at once in practice (libvirt answers in ms). */
export const CALL_SECONDS = 30;

/** Seconds a VM start may take after the shutdown of a restart (libvirt's own start wait is ~30 s). */
const START_SECONDS = 60;

/** The bound of each step kind, each with its reason. */
export const STEP_BOUNDS: Readonly<Record<Step["kind"], StepBound>> = {
  hotAdd: { seconds: () => CALL_SECONDS, why: "one libvirt SET_VCPU or QMP device_add call" },
  unplug: { seconds: (t) => CALL_SECONDS + t.unplugSeconds, why: "the call (libvirt alone waits 5 s in it), then up to unplugSeconds for the guest's eject" },
  onlineInGuest: { seconds: (t) => CALL_SECONDS + t.agentSeconds, why: "up to agentSeconds for the guest to see the CPUs, then one agent call" },
  offlineInGuest: { seconds: (t) => CALL_SECONDS + t.agentSeconds, why: "guest-agent calls, each bounded by agentSeconds" },
  setConfigVcpus: { seconds: () => CALL_SECONDS, why: "one libvirt SET_VCPUS_FLAGS(CONFIG) call" },
  defineConfig: { seconds: () => 2 * CALL_SECONDS, why: "read the definition, define the rewritten one" },
  restart: { seconds: (t) => t.shutdownSeconds + START_SECONDS, why: "up to shutdownSeconds for the guest to power off, then the start" },
  waitForAgent: { seconds: (t) => t.agentSeconds, why: "waits up to agentSeconds" },
};

/** Seconds for the reads around a plan: the read it is made from (which may wait agentSeconds for a starting agent) and the read afterwards. */
export function readBoundSeconds(t: Timeouts): number {
  return t.agentSeconds + 2 * CALL_SECONDS;
}

/** Milliseconds an operation executing `steps` may take, reads included. */
export function planBoundMs(steps: readonly Step[], t: Timeouts): number {
  return (readBoundSeconds(t) + steps.reduce((sum, s) => sum + STEP_BOUNDS[s.kind].seconds(t), 0)) * 1000;
}
