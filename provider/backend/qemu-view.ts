/**
 * QEMU's own view of its vCPUs over any QMP {@link Monitor} (a direct socket, or libvirt's
 * QEMU monitor command): the hotpluggable slots and, where QEMU has it, the machine's exact
 * `-smp` configuration. Shared by the libvirt and QMP backends.
 */
import { z } from "zod";
import { cpuAddMaxAllowed, isCommandNotFound, isHotplugFeatureDisabled, query, type HotpluggableCpu, type Monitor } from "../qmp";
import type { Topology, VcpuSlot } from "../spec";
import type { QemuSlot } from "./slots";

/** A `query-hotpluggable-cpus` entry as a {@link QemuSlot}. */
export function toQemuSlot(s: HotpluggableCpu): QemuSlot {
  const props = Object.fromEntries(Object.entries(s.props).filter((e): e is [string, number] => typeof e[1] === "number"));
  return { type: s.type, vcpusCount: s["vcpus-count"], props, qomPath: s["qom-path"] };
}

/**
 * QEMU `query-hotpluggable-cpus` as slots. A machine without CPU hotplug (microvm; arm virt up to
 * QEMU 10.0) refuses that command: its present CPUs (`query-cpus-fast`) are then its slots, all
 * plugged, and the machine family's rules refuse any change of their number.
 */
export async function hotpluggableSlots(monitor: Monitor): Promise<QemuSlot[]> {
  try {
    return (await query(monitor, "query-hotpluggable-cpus")).map(toQemuSlot);
  } catch (err) {
    if (!isHotplugFeatureDisabled(err)) throw err;
    const cpus = await query(monitor, "query-cpus-fast");
    return cpus.map((c) => toQemuSlot({ type: "", "vcpus-count": 1, props: c.props ?? {}, "qom-path": c["qom-path"] }));
  }
}

/** `SMPConfiguration` as `qom-get /machine smp` returns it (QEMU ≥ 6.2). */
const SmpConfiguration = z.object({
  cpus: z.number().int(),
  maxcpus: z.number().int(),
  sockets: z.number().int(),
  dies: z.number().int().optional(),
  clusters: z.number().int().optional(),
  cores: z.number().int(),
  threads: z.number().int(),
});

/** The running machine's `-smp`: maximum and topology. */
export interface Smp {
  readonly maxVcpus: number;
  readonly topology: Topology;
}

/** Reads `/machine`'s `smp` property. */
export async function machineSmp(monitor: Monitor): Promise<Smp> {
  const smp = SmpConfiguration.parse(await monitor.execute("qom-get", { path: "/machine", property: "smp" }));
  return {
    maxVcpus: smp.maxcpus,
    topology: { sockets: smp.sockets, dies: smp.dies ?? 1, clusters: smp.clusters ?? 1, cores: smp.cores, threads: smp.threads },
  };
}

/** The running machine type, e.g. `pc-q35-7.2` (QOM type `pc-q35-7.2-machine`). */
export async function machineType(monitor: Monitor): Promise<string> {
  const type = z.string().parse(await monitor.execute("qom-get", { path: "/machine", property: "type" }));
  return type.replace(/-machine$/, "");
}

// ------------------------------------------------------------------------------------------------ QEMU < 2.7 (cpu-add)

/** One vCPU a QEMU before 2.7 has (`query-cpus`): its index (the id `cpu-add` took), QOM path and host thread. */
export interface LegacyCpu {
  readonly index: number;
  readonly qomPath: string | undefined;
  readonly threadId: number;
}

/** What `query-cpus` says: the present vCPUs by index, and the architecture where QEMU names it (2.6+). */
export interface LegacyCpus {
  readonly present: readonly LegacyCpu[];
  readonly arch: string | undefined;
}

/** `query-cpus` `arch` (CpuInfoArch) as the `query-cpus-fast` `target` names it. */
const LEGACY_ARCH: Readonly<Record<string, string>> = { x86: "x86_64", ppc: "ppc64", s390: "s390x" };

/**
 * QEMU's slots, or `undefined` when QEMU has no `query-hotpluggable-cpus` at all (CommandNotFound: QEMU before
 * 2.7, where vCPUs are hot-added with `cpu-add` and read with `query-cpus`).
 */
export async function slotsOrLegacy(monitor: Monitor): Promise<QemuSlot[] | undefined> {
  try {
    return await hotpluggableSlots(monitor);
  } catch (err) {
    if (isCommandNotFound(err)) return undefined;
    throw err;
  }
}

/** The present vCPUs of a QEMU before 2.7 (`query-cpus`, sorted by index). */
export async function legacyCpus(monitor: Monitor): Promise<LegacyCpus> {
  const cpus = await query(monitor, "query-cpus");
  const present = cpus.map((c) => ({ index: c.CPU, qomPath: c.qom_path, threadId: c.thread_id })).sort((a, b) => a.index - b.index);
  const arch = cpus[0]?.arch;
  return { present, arch: arch === undefined ? undefined : LEGACY_ARCH[arch] ?? arch };
}

/**
 * A vCPU id above every x86 machine's `cpu-max` (255 for pc, 288 for q35): `cpu-add` of it is refused with
 * "max allowed: <maxcpus - 1>" before QEMU creates anything, which is how QEMU before 2.7 tells its `-smp maxcpus`.
 */
export const CPU_ADD_PROBE_ID = 4096;

/**
 * `-smp maxcpus` of a QEMU before 2.7, as QEMU itself states it when refusing {@link CPU_ADD_PROBE_ID}; undefined
 * when QEMU has no `cpu-add` (before 1.5: nothing can be hot-added there). Any other answer is an error.
 */
export async function cpuAddMaximum(monitor: Monitor): Promise<number | undefined> {
  try {
    await query(monitor, "cpu-add", { id: CPU_ADD_PROBE_ID });
  } catch (err) {
    if (isCommandNotFound(err)) return undefined;
    const max = cpuAddMaxAllowed(err);
    if (max !== undefined) return max + 1;
    throw err;
  }
  throw new Error(`QEMU accepted cpu-add of vCPU ${CPU_ADD_PROBE_ID}: its maximum can't be learned this way`);
}

/** The architecture of a pre-2.7 QEMU: `query-cpus`' own (2.6+), else the machine family's. */
export function legacyArch(cpus: LegacyCpus, familyArch: string | undefined): string {
  return cpus.arch ?? familyArch ?? "unknown";
}

/**
 * Slots of a QEMU before 2.7: ids 0…max-1, plugged when `query-cpus` lists that index, none hotpluggable (there
 * is no unplug), plug order by index. One vCPU per entity (cpu-add adds one vCPU).
 */
export function legacySlots(max: number, present: readonly LegacyCpu[]): VcpuSlot[] {
  const byIndex = new Map(present.map((c) => [c.index, c]));
  const ids = Math.max(max, ...present.map((c) => c.index + 1));
  return Array.from({ length: ids }, (_, id) => {
    const cpu = byIndex.get(id);
    const order = cpu ? present.indexOf(cpu) + 1 : undefined;
    return { id, entity: id, enabled: cpu !== undefined, hotpluggable: false, ...(order ? { order, qomPath: cpu?.qomPath } : {}) };
  });
}
