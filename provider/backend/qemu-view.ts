/**
 * QEMU's own view of its vCPUs over any QMP {@link Monitor} (a direct socket, or libvirt's
 * QEMU monitor command): the hotpluggable slots and, where QEMU has it, the machine's exact
 * `-smp` configuration. Shared by the libvirt and QMP backends.
 */
import { z } from "zod";
import { isHotplugFeatureDisabled, query, type HotpluggableCpu, type Monitor } from "../qmp";
import type { Topology } from "../spec";
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
