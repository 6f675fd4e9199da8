/**
 * The `VmCpu` outputs: live truth, read back after every change (never a planned value),
 * plus the settings the last apply ran with. Derived from {@link LiveState} by {@link toOutputs}.
 */
import { z } from "zod";
import { ColdChanges, GuestAgentMode, LibvirtConnection, NumaPlacement, QmpConnection, Timeouts, Topology } from "./inputs";
import { AgentStatus, ConfigCpus, LiveState, RunState, VcpuSlot } from "./live";
import type { VmCpuInputs } from "./validate";
import { machineMatches } from "./platform";
import { NumaNode, numaNodes } from "./numa";

/** The CPU fields a program declared (topology/machine only when it set them). */
export const Declared = z.object({
  maxVcpus: z.number().int(),
  vcpus: z.number().int(),
  topology: Topology.optional(),
  machine: z.string().optional(),
});
export type Declared = z.infer<typeof Declared>;

/** Output properties of a `VmCpu`. */
export const VmCpuOutputs = z.object({
  /** Resource name, for log lines (set by the SDK class; hidden from displays and policies). */
  __label: z.string().optional(),
  /** What the program declared at the last apply (the drift report's "declared" column). */
  declared: Declared,
  libvirt: LibvirtConnection.optional(),
  qmp: QmpConnection.optional(),
  guestAgent: GuestAgentMode,
  coldChanges: ColdChanges,
  timeouts: Timeouts,
  domainName: z.string(),
  domainUuid: z.string(),
  state: RunState,
  arch: z.string(),
  /** Resolved machine type of the running VM (or of the definition when it is off). */
  machine: z.string(),
  /** Maximum vCPUs of the running VM (or of the definition when it is off). */
  maxVcpus: z.number().int(),
  topology: Topology,
  /** Plugged vCPUs now (QEMU's view); the definition's count when the VM is off. */
  vcpus: z.number().int(),
  /** vCPUs in the persistent definition (libvirt `<vcpu current>`); undefined for raw QMP. */
  configVcpus: z.number().int().optional(),
  /** vCPUs plugged in the running QEMU; undefined when the VM is not running. */
  liveVcpus: z.number().int().optional(),
  /** vCPUs online inside the guest; undefined when no agent answered or the agent is off. */
  guestOnlineVcpus: z.number().int().optional(),
  /** The persistent definition's CPU fields, when there is one. */
  config: ConfigCpus.optional(),
  vcpuSlots: z.array(VcpuSlot),
  /** The definition holds cold changes the running VM does not have yet. */
  restartPending: z.boolean(),
  restartPendingFields: z.array(z.string()),
  /** libvirt's vCPU view disagrees with QEMU's (see `warnings`). */
  libvirtStale: z.boolean(),
  warnings: z.array(z.string()),
  agent: AgentStatus,
  libvirtVersion: z.string().optional(),
  qemuVersion: z.string().optional(),
  /** Which QEMU process the outputs were read from (its slots' `unplugUnconfirmed` hold for it only). */
  qemuInstance: z.string().optional(),
  /** The placement setting of the last apply (states written before it existed read as "lowest-id"). */
  numaPlacement: NumaPlacement.default("lowest-id"),
  /** Per NUMA node: possible, plugged and online vCPUs; absent for a VM without NUMA. */
  numaNodes: z.array(NumaNode).optional(),
});
export type VmCpuOutputs = z.infer<typeof VmCpuOutputs>;

function sameTopology(a: Topology, b: Topology): boolean {
  return (
    a.sockets === b.sockets && (a.dies ?? 1) === (b.dies ?? 1) && (a.clusters ?? 1) === (b.clusters ?? 1) &&
    a.cores === b.cores && a.threads === b.threads
  );
}

/** Fields whose definition value differs from the running VM (apply at next restart). */
export function pendingRestartFields(live: LiveState): string[] {
  const { running, config } = live;
  if (!running || !config) return [];
  const fields: string[] = [];
  if (config.maxVcpus !== running.maxVcpus) fields.push("maxVcpus");
  if (!sameTopology(config.topology, running.topology)) fields.push("topology");
  if (config.machine !== running.machine) fields.push("machine");
  return fields;
}

/** Topology equality with dies/clusters defaulting to 1. */
export { sameTopology };

/**
 * Drops `undefined` members at every depth: Pulumi's dynamic-provider host converts results
 * with `Struct.fromJavaScript`, which rejects them ("Unexpected struct type.").
 */
export function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutUndefined) as T;
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, withoutUndefined(v)]),
  ) as T;
}

const nodesOrNone = (nodes: NumaNode[]) => (nodes.length ? nodes : undefined);

/** Builds outputs from what was read and the settings of the apply (`warnings`: the apply's own, e.g. a skipped guest step). */
export function toOutputs(live: LiveState, settings: VmCpuInputs, name?: string, warnings: readonly string[] = []): VmCpuOutputs {
  const { running, config } = live;
  const pending = pendingRestartFields(live);
  const source = running ?? config;
  const guestOnline = live.guest ? live.guest.online.length : undefined;
  return withoutUndefined(VmCpuOutputs.parse({
    __label: name,
    declared: { maxVcpus: settings.maxVcpus, vcpus: settings.vcpus, topology: settings.topology, machine: settings.machine },
    libvirt: settings.libvirt,
    qmp: settings.qmp,
    guestAgent: settings.guestAgent,
    coldChanges: settings.coldChanges,
    timeouts: settings.timeouts,
    domainName: live.name,
    domainUuid: live.uuid,
    state: live.state,
    arch: live.arch,
    machine: source?.machine ?? "unknown",
    maxVcpus: source?.maxVcpus ?? 0,
    topology: source?.topology ?? { sockets: 1, cores: 1, threads: 1 },
    vcpus: running?.vcpus ?? config?.vcpus ?? 0,
    configVcpus: config?.vcpus,
    liveVcpus: running?.vcpus,
    guestOnlineVcpus: guestOnline,
    config,
    vcpuSlots: running?.slots ?? [],
    restartPending: pending.length > 0,
    restartPendingFields: pending,
    libvirtStale: live.disagreements.length > 0,
    warnings: [...live.disagreements, ...warnings],
    agent: live.agent,
    libvirtVersion: live.libvirtVersion,
    qemuVersion: live.qemuVersion,
    qemuInstance: live.instance,
    numaPlacement: settings.numaPlacement,
    numaNodes: nodesOrNone(numaNodes(running?.slots ?? [], guestOnline)),
  }));
}

/**
 * The input baseline a refresh records (`ReadResult.inputs`): what the VM has now, in the
 * shape of the inputs, so a later `up` with the program's values shows the drift as a change.
 * Cold fields come from the definition when there is one (what the next start will run);
 * topology and machine only when the program declared them (an alias stays an alias while
 * it still matches).
 */
export function inputsFromOutputs(o: VmCpuOutputs): Record<string, unknown> {
  const cold = o.config ?? { maxVcpus: o.maxVcpus, topology: o.topology, machine: o.machine };
  const declaredMachine = o.declared.machine;
  const machine = declaredMachine === undefined ? undefined : machineMatches(declaredMachine, cold.machine) ? declaredMachine : cold.machine;
  const inputs: Record<string, unknown> = {
    __label: o.__label,
    libvirt: o.libvirt,
    qmp: o.qmp,
    maxVcpus: cold.maxVcpus,
    vcpus: o.vcpus,
    topology: o.declared.topology ? cold.topology : undefined,
    machine,
    guestAgent: o.guestAgent,
    coldChanges: o.coldChanges,
    timeouts: o.timeouts,
    numaPlacement: o.numaPlacement, // kept as check fills it in (default "lowest-id"), so a refresh records what check would
  };
  return Object.fromEntries(Object.entries(inputs).filter(([, v]) => v !== undefined));
}
