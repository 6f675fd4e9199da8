/**
 * `VmCpu`: declares one QEMU/KVM VM's CPU spec; `pulumi up` changes the running VM to match
 * without a reboot where QEMU allows it, and `pulumi preview` says what will happen first.
 */
import * as pulumi from "@pulumi/pulumi";
import type { AgentStatus, ConfigCpus, Declared, RunState, Topology, VcpuSlot, VmCpuInputsIn } from "../provider/spec";
import { provider } from "./provider";

/** `pulumi.Input` all the way down, for nested argument objects. */
export type DeepInput<T> = T extends object ? pulumi.Input<{ [K in keyof T]: DeepInput<T[K]> }> : pulumi.Input<T>;

/**
 * Arguments of a {@link VmCpu}. Field docs are in README "Fields"; the zod schema in
 * `provider/spec/inputs.ts` is the single source of these types.
 */
export type VmCpuArgs = { [K in keyof VmCpuInputsIn]: DeepInput<VmCpuInputsIn[K]> };

/** Pulumi type token of {@link VmCpu} (its own, so CrossGuard policies can target it). */
export const VM_CPU_TYPE = "pulumi-nodejs:dynamic/qemu:VmCpu";

/** Output-only properties, registered as `undefined` so they appear on the resource. */
const OUTPUTS = [
  "declared", "domainName", "domainUuid", "state", "arch", "configVcpus", "liveVcpus", "guestOnlineVcpus", "config",
  "vcpuSlots", "restartPending", "restartPendingFields", "libvirtStale", "warnings", "agent", "libvirtVersion", "qemuVersion",
] as const;

/** The CPU spec of one running QEMU/KVM VM, changed live. */
export class VmCpu extends pulumi.dynamic.Resource {
  /** Type token; used by {@link VmCpu.isInstance} and CrossGuard's `validateResourceOfType`. */
  public static readonly __pulumiType = VM_CPU_TYPE;

  /** True when `obj` is a `VmCpu` (works across copies of this package). */
  public static override isInstance(obj: unknown): obj is VmCpu {
    return typeof obj === "object" && obj !== null && (obj as { __pulumiType?: unknown }).__pulumiType === VM_CPU_TYPE;
  }

  /** What the program declared at the last apply. */
  declare public readonly declared: pulumi.Output<Declared>;
  declare public readonly domainName: pulumi.Output<string>;
  declare public readonly domainUuid: pulumi.Output<string>;
  declare public readonly state: pulumi.Output<RunState>;
  declare public readonly arch: pulumi.Output<string>;
  /** Resolved machine type (e.g. `pc-q35-7.2` for `q35`). */
  declare public readonly machine: pulumi.Output<string>;
  /** Maximum vCPUs of the running VM. */
  declare public readonly maxVcpus: pulumi.Output<number>;
  declare public readonly topology: pulumi.Output<Topology>;
  /** vCPUs plugged now (QEMU's view). */
  declare public readonly vcpus: pulumi.Output<number>;
  /** vCPUs in the persistent definition. */
  declare public readonly configVcpus: pulumi.Output<number | undefined>;
  /** vCPUs plugged in the running QEMU. */
  declare public readonly liveVcpus: pulumi.Output<number | undefined>;
  /** vCPUs online inside the guest (qemu-guest-agent); undefined without an agent. */
  declare public readonly guestOnlineVcpus: pulumi.Output<number | undefined>;
  declare public readonly config: pulumi.Output<ConfigCpus | undefined>;
  /** One entry per possible vCPU. */
  declare public readonly vcpuSlots: pulumi.Output<VcpuSlot[]>;
  /** The definition holds changes that take effect at the next restart. */
  declare public readonly restartPending: pulumi.Output<boolean>;
  declare public readonly restartPendingFields: pulumi.Output<string[]>;
  /** libvirt's vCPU view disagrees with QEMU's (see `warnings`). */
  declare public readonly libvirtStale: pulumi.Output<boolean>;
  declare public readonly warnings: pulumi.Output<string[]>;
  declare public readonly agent: pulumi.Output<AgentStatus>;
  declare public readonly libvirtVersion: pulumi.Output<string | undefined>;
  declare public readonly qemuVersion: pulumi.Output<string | undefined>;

  constructor(name: string, args: VmCpuArgs, opts?: pulumi.CustomResourceOptions) {
    const outputs = Object.fromEntries(OUTPUTS.map((k) => [k, undefined]));
    super(provider, name, { ...outputs, ...args, __label: name }, opts, "qemu", "VmCpu");
  }
}
