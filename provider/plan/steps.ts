/**
 * Steps: what apply does, in order, as data. A plan is a `readonly Step[]`; the executor
 * walks it. `describeStep` gives the one-line text used in preview and progress logs.
 */
import type { ConfigCpus } from "../spec";

/** Plug one hotpluggable entity (one vCPU on x86, one core on pseries); `node`: its NUMA node, when it has one. */
export interface HotAddStep { readonly kind: "hotAdd"; readonly entity: number; readonly vcpuIds: readonly number[]; readonly node?: number }
/** Unplug one hotpluggable entity; completion is judged from QEMU's and the guest's view. `node`: its NUMA node. */
export interface UnplugStep { readonly kind: "unplug"; readonly entity: number; readonly vcpuIds: readonly number[]; readonly node?: number }
/** Wait until the guest sees the new CPUs, then online every offline one. */
export interface OnlineInGuestStep { readonly kind: "onlineInGuest"; readonly expectedOnline: number }
/** Take the `count` highest-numbered CPUs offline in the guest before unplugging them. */
export interface OfflineInGuestStep { readonly kind: "offlineInGuest"; readonly count: number }
/** Write the vCPU count into the persistent definition. */
export interface SetConfigVcpusStep { readonly kind: "setConfigVcpus"; readonly vcpus: number }
/** Rewrite the CPU part of the persistent definition (cold fields + count). */
export interface DefineConfigStep {
  readonly kind: "defineConfig";
  readonly config: Omit<ConfigCpus, "topology" | "machine"> & {
    readonly topology: ConfigCpus["topology"] | undefined;
    readonly machine: string | undefined;
  };
}
/** Graceful shutdown (bounded wait), then start from the definition. */
export interface RestartStep { readonly kind: "restart" }
/** Wait for the guest agent to answer (after a start). */
export interface WaitForAgentStep { readonly kind: "waitForAgent"; readonly required: boolean }

/** One step of a plan. */
export type Step =
  | HotAddStep
  | UnplugStep
  | OnlineInGuestStep
  | OfflineInGuestStep
  | SetConfigVcpusStep
  | DefineConfigStep
  | RestartStep
  | WaitForAgentStep;

const ids = (v: readonly number[]) => (v.length === 1 ? `vCPU ${v[0]}` : `vCPUs ${v.join(",")}`);
const onNode = (node: number | undefined) => (node === undefined ? "" : ` on NUMA node ${node}`);

/** One line of text for a step, e.g. `hot-add vCPU 2 (live)`. */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case "hotAdd":
      return `hot-add ${ids(step.vcpuIds)}${onNode(step.node)} (live)`;
    case "unplug":
      return `unplug ${ids(step.vcpuIds)}${onNode(step.node)} (live, guest ejects it)`;
    case "onlineInGuest":
      return `online CPUs in the guest until ${step.expectedOnline} are online (qemu-guest-agent)`;
    case "offlineInGuest":
      return `take the ${step.count} most recently added CPU(s) offline in the guest (qemu-guest-agent)`;
    case "setConfigVcpus":
      return `set vcpus=${step.vcpus} in the persistent definition`;
    case "defineConfig": {
      const c = step.config;
      const parts = [`maxVcpus=${c.maxVcpus}`, `vcpus=${c.vcpus}`];
      if (c.topology) parts.push(`topology=${topologyText(c.topology)}`);
      if (c.machine) parts.push(`machine=${c.machine}`);
      return `write ${parts.join(" ")} to the persistent definition (takes effect at next start)`;
    }
    case "restart":
      return "restart the VM: graceful shutdown, then start";
    case "waitForAgent":
      return `wait for qemu-guest-agent${step.required ? " (required)" : ""}`;
  }
}

/** `1s×8c×1t` style text for a topology. */
export function topologyText(t: ConfigCpus["topology"]): string {
  const dies = t.dies && t.dies > 1 ? `×${t.dies}d` : "";
  const clusters = t.clusters && t.clusters > 1 ? `×${t.clusters}cl` : "";
  return `${t.sockets}s${dies}${clusters}×${t.cores}c×${t.threads}t`;
}
