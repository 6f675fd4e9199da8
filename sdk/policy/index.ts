/**
 * `pulumi-qemu-vcpu/policy`: CrossGuard policies for `VmCpu` (type token
 * `pulumi-nodejs:dynamic/qemu:VmCpu`), for a policy pack to use (see README "Policies").
 *
 * ```ts
 * import { PolicyPack } from "@pulumi/policy";
 * import { allPolicies } from "pulumi-qemu-vcpu/policy";
 * new PolicyPack("qemu-vcpu", { policies: allPolicies({ "vmcpu-headroom": { margin: 2 } }) });
 * ```
 *
 * The public face of ./library: every export is typed by hand here (./options), so this
 * module's `.d.ts` reaches neither zod nor the library's internals.
 */
import type { Policies, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import * as lib from "./library";
import type {
  AllPolicyOptions, CeilingsOptions, HeadroomOptions, HostCapacityOptions, HotplugCapableMachineOptions, ProtectedStacksOptions,
  ScaleDownSafetyOptions, NumaBalanceOptions,
} from "./options";

export type * from "./options";

/** `vmcpu-hotplug-capable-machine` (mandatory): the machine can hot-add; pseries whole cores; s390x can't shrink. */
export const hotplugCapableMachine: (options?: HotplugCapableMachineOptions) => ResourceValidationPolicy = lib.hotplugCapableMachine;
/** `vmcpu-headroom` (advisory): `maxVcpus ≥ vcpus + margin`, so the next scale-up needs no restart. */
export const headroom: (options?: HeadroomOptions) => ResourceValidationPolicy = lib.headroom;
/** `vmcpu-protected-stacks` (mandatory): `coldChanges` stays "refuse" in protected stacks. */
export const protectedStacks: (options?: ProtectedStacksOptions) => ResourceValidationPolicy = lib.protectedStacks;
/** `vmcpu-scale-down-safety` (advisory): a VM that may shrink has `guestAgent: "required"`. */
export const scaleDownSafety: (options?: ScaleDownSafetyOptions) => ResourceValidationPolicy = lib.scaleDownSafety;
/** `vmcpu-ceilings` (mandatory): `maxVcpus` within the machine's limit and a per-VM ceiling. */
export const ceilings: (options?: CeilingsOptions) => ResourceValidationPolicy = lib.ceilings;
/** `vmcpu-host-capacity` (mandatory, stack): declared vCPUs per libvirt host within CPUs × overcommit. */
export const hostCapacity: (options?: HostCapacityOptions) => StackValidationPolicy = lib.hostCapacity;
/** `vmcpu-numa-balance` (advisory, stack): a VM on several NUMA nodes uses `numaPlacement: "balanced"` and its nodes stay even. */
export const numaBalance: (options?: NumaBalanceOptions) => StackValidationPolicy = lib.numaBalance;
/** Every `VmCpu` policy, each with its default enforcement level unless `options` say otherwise. */
export const allPolicies: (options?: AllPolicyOptions) => Policies = lib.allPolicies;

/** Names of every policy, in the order {@link allPolicies} returns them. */
export const POLICY_NAMES: readonly [
  "vmcpu-hotplug-capable-machine", "vmcpu-headroom", "vmcpu-protected-stacks", "vmcpu-scale-down-safety", "vmcpu-ceilings",
  "vmcpu-host-capacity", "vmcpu-numa-balance",
] = lib.POLICY_NAMES;
export const HOTPLUG_CAPABLE_MACHINE: "vmcpu-hotplug-capable-machine" = lib.HOTPLUG_CAPABLE_MACHINE;
export const HEADROOM: "vmcpu-headroom" = lib.HEADROOM;
export const PROTECTED_STACKS: "vmcpu-protected-stacks" = lib.PROTECTED_STACKS;
export const SCALE_DOWN_SAFETY: "vmcpu-scale-down-safety" = lib.SCALE_DOWN_SAFETY;
export const CEILINGS: "vmcpu-ceilings" = lib.CEILINGS;
export const HOST_CAPACITY: "vmcpu-host-capacity" = lib.HOST_CAPACITY;
export const NUMA_BALANCE: "vmcpu-numa-balance" = lib.NUMA_BALANCE;

/** The libvirt host of a URI (`localhost` for `qemu:///system`), as `vmcpu-host-capacity` keys hosts. */
export const hostOfUri: (uri: string) => string = lib.hostOfUri;
/** The stack name of a resource URN. */
export const stackOfUrn: (urn: string) => string = lib.stackOfUrn;
