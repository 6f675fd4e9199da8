/**
 * The policy factories' options, written out by hand so the public `.d.ts` of
 * `pulumi-qemu-vcpu/policy` needs no zod; `test/unit/sdk/types.test.ts` keeps each in step with
 * its policy's zod config schema (the source of the JSON schema the CLI shows and of validation).
 */
import type { EnforcementLevel } from "@pulumi/policy";

/** Which VmCpu resources count as ones that may scale down. */
export type Shrinkable = "always" | "when-below-max" | "never";

/** What every policy factory takes: its enforcement level. */
export interface LevelOption {
  /** Overrides the policy's default enforcement level. */
  readonly enforcementLevel?: EnforcementLevel;
}

/** Options of every resource policy. */
export interface ExcludeOption extends LevelOption {
  /** VmCpu resource names the policy skips (globs: `*` and `?`, case-insensitive). */
  readonly exclude?: string[];
}

/** `vmcpu-hotplug-capable-machine`. */
export interface HotplugCapableMachineOptions extends ExcludeOption {
  /** Report a VmCpu that doesn't declare `machine` (review can't tell whether it can hotplug). Default true. */
  readonly requireMachine?: boolean;
  /** Which resources may scale down (default "never"). */
  readonly shrinkable?: Shrinkable;
}

/** `vmcpu-headroom`. */
export interface HeadroomOptions extends ExcludeOption {
  /** vCPUs that must fit above `vcpus` without a restart (default 1). */
  readonly margin?: number;
}

/** `vmcpu-protected-stacks`. */
export interface ProtectedStacksOptions extends ExcludeOption {
  /** Stack names where `coldChanges` must be "refuse" (globs; default ["prod*"]). */
  readonly stacks?: string[];
}

/** `vmcpu-scale-down-safety`. */
export interface ScaleDownSafetyOptions extends ExcludeOption {
  /** Which resources may scale down (default "always"). */
  readonly shrinkable?: Shrinkable;
}

/** `vmcpu-ceilings`. */
export interface CeilingsOptions extends ExcludeOption {
  /** Per-VM ceiling for `maxVcpus` (unset: only the machine limit). */
  readonly maxVcpus?: number;
}

/** `vmcpu-host-capacity` (a stack policy). */
export interface HostCapacityOptions extends LevelOption {
  /** CPUs of each libvirt host not listed in `hosts`. */
  readonly hostCpus?: number;
  /** CPUs per libvirt host, keyed by host name as in the URI (`localhost` for qemu:///system) or by the full URI. */
  readonly hosts?: Record<string, number>;
  /** Declared vCPUs allowed per host CPU (default 1). */
  readonly overcommit?: number;
  /** Count each VM's declared `vcpus` (default), or its `maxVcpus`. */
  readonly count?: "vcpus" | "maxVcpus";
}

/** `vmcpu-numa-balance` (a stack policy). */
export interface NumaBalanceOptions extends LevelOption {
  /** Largest allowed difference between the plugged vCPUs of two NUMA nodes of one VM (default 1). */
  readonly maxSkew?: number;
}

/** Per-policy options for `allPolicies`, keyed by policy name. */
export interface AllPolicyOptions {
  readonly "vmcpu-hotplug-capable-machine"?: HotplugCapableMachineOptions;
  readonly "vmcpu-headroom"?: HeadroomOptions;
  readonly "vmcpu-protected-stacks"?: ProtectedStacksOptions;
  readonly "vmcpu-scale-down-safety"?: ScaleDownSafetyOptions;
  readonly "vmcpu-ceilings"?: CeilingsOptions;
  readonly "vmcpu-host-capacity"?: HostCapacityOptions;
  readonly "vmcpu-numa-balance"?: NumaBalanceOptions;
}
