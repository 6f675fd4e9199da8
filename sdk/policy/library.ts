/**
 * The policy library behind `pulumi-qemu-vcpu/policy` (index.ts, the zod-free public face).
 * Every rule reads the spec's tables (`MACHINE_FAMILIES`, `FIELD_RULES`) rather than restating them.
 */
import type { Policies } from "@pulumi/policy";
import type { PolicyOptions } from "./config";
import { CEILINGS, ceilings, CeilingsConfig } from "./ceilings";
import { HEADROOM, headroom, HeadroomConfig } from "./headroom";
import { HOST_CAPACITY, hostCapacity, HostCapacityConfig } from "./host-capacity";
import { HOTPLUG_CAPABLE_MACHINE, hotplugCapableMachine, HotplugCapableMachineConfig } from "./hotplug-capable-machine";
import { PROTECTED_STACKS, protectedStacks, ProtectedStacksConfig } from "./protected-stacks";
import { SCALE_DOWN_SAFETY, scaleDownSafety, ScaleDownSafetyConfig } from "./scale-down-safety";
import { NUMA_BALANCE, numaBalance, NumaBalanceConfig } from "./numa-balance";

export { CEILINGS, ceilings, CeilingsConfig } from "./ceilings";
export { HEADROOM, headroom, HeadroomConfig } from "./headroom";
export { HOST_CAPACITY, hostCapacity, HostCapacityConfig } from "./host-capacity";
export { HOTPLUG_CAPABLE_MACHINE, hotplugCapableMachine, HotplugCapableMachineConfig } from "./hotplug-capable-machine";
export { PROTECTED_STACKS, protectedStacks, ProtectedStacksConfig } from "./protected-stacks";
export { SCALE_DOWN_SAFETY, scaleDownSafety, ScaleDownSafetyConfig } from "./scale-down-safety";
export { NUMA_BALANCE, numaBalance, NumaBalanceConfig } from "./numa-balance";
export { Shrinkable, type PolicyOptions } from "./config";
export { hostOfUri, stackOfUrn } from "./match";

/** Per-policy options for {@link allPolicies}, keyed by policy name. */
export interface AllPolicyOptions {
  readonly [HOTPLUG_CAPABLE_MACHINE]?: PolicyOptions<typeof HotplugCapableMachineConfig>;
  readonly [HEADROOM]?: PolicyOptions<typeof HeadroomConfig>;
  readonly [PROTECTED_STACKS]?: PolicyOptions<typeof ProtectedStacksConfig>;
  readonly [SCALE_DOWN_SAFETY]?: PolicyOptions<typeof ScaleDownSafetyConfig>;
  readonly [CEILINGS]?: PolicyOptions<typeof CeilingsConfig>;
  readonly [HOST_CAPACITY]?: PolicyOptions<typeof HostCapacityConfig>;
  readonly [NUMA_BALANCE]?: PolicyOptions<typeof NumaBalanceConfig>;
}

/** Names of every policy, in the order {@link allPolicies} returns them. */
export const POLICY_NAMES = [HOTPLUG_CAPABLE_MACHINE, HEADROOM, PROTECTED_STACKS, SCALE_DOWN_SAFETY, CEILINGS, HOST_CAPACITY, NUMA_BALANCE] as const;

/**
 * Every `VmCpu` policy, each with its default enforcement level unless `options` say otherwise.
 * Options set the enforcement level and config defaults in code; config sent by the engine
 * (`pulumi policy enable --config`, Pulumi Cloud) still wins over them.
 */
export function allPolicies(options: AllPolicyOptions = {}): Policies {
  return [
    hotplugCapableMachine(options[HOTPLUG_CAPABLE_MACHINE]),
    headroom(options[HEADROOM]),
    protectedStacks(options[PROTECTED_STACKS]),
    scaleDownSafety(options[SCALE_DOWN_SAFETY]),
    ceilings(options[CEILINGS]),
    hostCapacity(options[HOST_CAPACITY]),
    numaBalance(options[NUMA_BALANCE]),
  ];
}
