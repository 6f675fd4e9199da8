/**
 * `VmCpu`: declares one QEMU/KVM VM's CPU spec; `pulumi up` changes the running VM to match
 * without a reboot where QEMU allows it, and `pulumi preview` says what will happen first.
 * Shaped as generated Pulumi SDKs are: a documented args interface with `Input<T>` per field,
 * `Output<T>` properties, a state interface and `get`/`isInstance`.
 */
import * as pulumi from "@pulumi/pulumi";
import { provider } from "./provider";
import type {
  AgentStatus, ColdChanges, ConfigCpus, Declared, GuestAgentMode, LibvirtConnection, QmpConnection, RunState, Timeouts,
  Topology, VcpuSlot, NumaNode, NumaPlacement,
} from "./types";

/** Nested argument objects: each field an `Input`, as generated SDKs' `inputs.*` types. */
export type InputFields<T> = { [K in keyof T]: pulumi.Input<T[K]> };

/** The arguments of a {@link VmCpu}. Validated at `check` (preview): a failure names the field and what would be valid. */
export interface VmCpuArgs {
  /** Reach the VM through libvirt (`{ uri, domain }`). Set exactly one of `libvirt` and `qmp`; changing it adopts another VM. */
  libvirt?: pulumi.Input<InputFields<LibvirtConnection> | undefined>;
  /** Reach the VM straight through QEMU's QMP socket (no libvirt). Set exactly one of `libvirt` and `qmp`. */
  qmp?: pulumi.Input<InputFields<QmpConnection> | undefined>;
  /** Maximum vCPUs (QEMU `maxcpus`, libvirt `<vcpu>`): fixed while QEMU runs, so a change is a cold change. */
  maxVcpus: pulumi.Input<number>;
  /** vCPUs plugged and online (1 ≤ vcpus ≤ maxVcpus): changed live by hot-add or unplug. */
  vcpus: pulumi.Input<number>;
  /** CPU topology; the product of its counts must equal `maxVcpus`. A change is a cold change. */
  topology?: pulumi.Input<InputFields<Topology> | undefined>;
  /** Machine type: an alias (`q35`, `pc`, `pseries`, `s390-ccw-virtio`) or a versioned type (`pc-q35-7.2`). A change is a cold change. */
  machine?: pulumi.Input<string | undefined>;
  /** `optional` (default) uses qemu-guest-agent when it answers; `required` fails before touching anything when it does not; `off` never uses it. */
  guestAgent?: pulumi.Input<GuestAgentMode | undefined>;
  /** Changes a running VM can't take: `refuse` (default; preview fails), `persist` (definition only) or `restart` (graceful restart). */
  coldChanges?: pulumi.Input<ColdChanges | undefined>;
  /** Bounded waits in seconds: `unplugSeconds` (30), `agentSeconds` (30), `shutdownSeconds` (120). */
  timeouts?: pulumi.Input<InputFields<Timeouts> | undefined>;
  /** Which free slots hot-adds take across NUMA nodes: `lowest-id` (default) or `balanced` (round-robin; unplugs keep the nodes even). */
  numaPlacement?: pulumi.Input<NumaPlacement | undefined>;
}

/** Input properties used for looking up and filtering `VmCpu` resources ({@link VmCpu.get}). */
export interface VmCpuState {
  libvirt?: pulumi.Input<InputFields<LibvirtConnection> | undefined>;
  qmp?: pulumi.Input<InputFields<QmpConnection> | undefined>;
  maxVcpus?: pulumi.Input<number>;
  vcpus?: pulumi.Input<number>;
  topology?: pulumi.Input<InputFields<Topology> | undefined>;
  machine?: pulumi.Input<string | undefined>;
  guestAgent?: pulumi.Input<GuestAgentMode | undefined>;
  coldChanges?: pulumi.Input<ColdChanges | undefined>;
  timeouts?: pulumi.Input<InputFields<Timeouts> | undefined>;
  numaPlacement?: pulumi.Input<NumaPlacement | undefined>;
}

/** Pulumi type token of {@link VmCpu} (its own, so CrossGuard policies can target it). */
export const VM_CPU_TYPE = "pulumi-nodejs:dynamic/qemu:VmCpu";

/** Output-only properties, registered as `undefined` so they appear on the resource. */
const OUTPUTS = [
  "declared", "domainName", "domainUuid", "state", "arch", "configVcpus", "liveVcpus", "guestOnlineVcpus", "config",
  "vcpuSlots", "restartPending", "restartPendingFields", "libvirtStale", "warnings", "agent", "libvirtVersion", "qemuVersion",
  "qemuInstance", "numaNodes",
] as const;

/** The CPU spec of one running QEMU/KVM VM, changed live. */
export class VmCpu extends pulumi.dynamic.Resource {
  /** Type token; used by {@link VmCpu.isInstance} and CrossGuard's `validateResourceOfType`. */
  public static readonly __pulumiType = VM_CPU_TYPE;

  /**
   * Reads an existing VM's CPU state into a `VmCpu` without managing it (`pulumi refresh` keeps it current).
   * `id` is a `VmCpu`'s id: `<libvirt uri>#<domain uuid>` (e.g. `qemu:///system#1b4e28ba-…`) or
   * `qmp:<socket>#<uuid>`; `state` may add the connection (`libvirt`, `qmp`) and settings.
   */
  public static get(name: string, id: pulumi.Input<pulumi.ID>, state?: VmCpuState, opts?: pulumi.CustomResourceOptions): VmCpu {
    return new VmCpu(name, state as VmCpuArgs, { ...opts, id });
  }

  /** True when `obj` is a `VmCpu` (works across copies of this package). */
  public static override isInstance(obj: unknown): obj is VmCpu {
    return typeof obj === "object" && obj !== null && (obj as { __pulumiType?: unknown }).__pulumiType === VM_CPU_TYPE;
  }

  /** The libvirt connection the resource uses. */
  declare public readonly libvirt: pulumi.Output<LibvirtConnection | undefined>;
  /** The QMP connection the resource uses. */
  declare public readonly qmp: pulumi.Output<QmpConnection | undefined>;
  /** The guest-agent mode of the last apply. */
  declare public readonly guestAgent: pulumi.Output<GuestAgentMode>;
  /** The cold-change policy of the last apply. */
  declare public readonly coldChanges: pulumi.Output<ColdChanges>;
  /** The waits of the last apply, defaults filled in. */
  declare public readonly timeouts: pulumi.Output<Required<Timeouts>>;
  /** What the program declared at the last apply. */
  declare public readonly declared: pulumi.Output<Declared>;
  /** The VM's name (libvirt domain name, or QEMU's `-name`). */
  declare public readonly domainName: pulumi.Output<string>;
  /** The VM's UUID. */
  declare public readonly domainUuid: pulumi.Output<string>;
  /** Run state at the last read. */
  declare public readonly state: pulumi.Output<RunState>;
  /** Guest architecture (`x86_64`, `ppc64`, `s390x`). */
  declare public readonly arch: pulumi.Output<string>;
  /** Resolved machine type (e.g. `pc-q35-7.2` for `q35`). */
  declare public readonly machine: pulumi.Output<string>;
  /** Maximum vCPUs of the running VM (of the definition when it is off). */
  declare public readonly maxVcpus: pulumi.Output<number>;
  /** Topology of the running VM (of the definition when it is off). */
  declare public readonly topology: pulumi.Output<Topology>;
  /** vCPUs plugged now (QEMU's view); the definition's count when the VM is off. */
  declare public readonly vcpus: pulumi.Output<number>;
  /** vCPUs in the persistent definition; undefined for raw QMP. */
  declare public readonly configVcpus: pulumi.Output<number | undefined>;
  /** vCPUs plugged in the running QEMU; undefined when the VM is not running. */
  declare public readonly liveVcpus: pulumi.Output<number | undefined>;
  /** vCPUs online inside the guest (qemu-guest-agent); undefined without an answering agent. */
  declare public readonly guestOnlineVcpus: pulumi.Output<number | undefined>;
  /** The persistent definition's CPU fields, when there is one. */
  declare public readonly config: pulumi.Output<ConfigCpus | undefined>;
  /** One entry per possible vCPU. */
  declare public readonly vcpuSlots: pulumi.Output<VcpuSlot[]>;
  /** The definition holds changes that take effect at the next restart. */
  declare public readonly restartPending: pulumi.Output<boolean>;
  /** Which fields wait for a restart (`maxVcpus`, `topology`, `machine`). */
  declare public readonly restartPendingFields: pulumi.Output<string[]>;
  /** libvirt's vCPU view disagrees with QEMU's (see `warnings`). */
  declare public readonly libvirtStale: pulumi.Output<boolean>;
  /** Plain-language warnings from the last read or apply. */
  declare public readonly warnings: pulumi.Output<string[]>;
  /** Guest-agent availability at the last read. */
  declare public readonly agent: pulumi.Output<AgentStatus>;
  /** libvirt daemon version, when reached through libvirt. */
  declare public readonly libvirtVersion: pulumi.Output<string | undefined>;
  /** QEMU version. */
  declare public readonly qemuVersion: pulumi.Output<string | undefined>;
  /** Which QEMU process was read (libvirt domain id, or the boot vCPU's thread id); changes when QEMU restarts. */
  declare public readonly qemuInstance: pulumi.Output<string | undefined>;
  /** The NUMA placement of the last apply. */
  declare public readonly numaPlacement: pulumi.Output<NumaPlacement>;
  /** Per NUMA node: possible, plugged and online vCPUs; undefined for a VM without NUMA. */
  declare public readonly numaNodes: pulumi.Output<NumaNode[] | undefined>;

  /**
   * Declares the CPU spec of one VM. Creating it adopts the existing VM and converges it (nothing is
   * created); deleting it leaves the VM as it is.
   */
  constructor(name: string, args: VmCpuArgs, opts?: pulumi.CustomResourceOptions) {
    const outputs = Object.fromEntries(OUTPUTS.map((k) => [k, undefined]));
    super(provider, name, { ...outputs, ...args, __label: name }, opts, "qemu", "VmCpu");
  }
}
