/**
 * Maps QEMU's hotpluggable CPU slots (`query-hotpluggable-cpus`) to vCPU ids — libvirt's
 * vCPU ids, and the same linear index for raw QMP — and merges them with libvirt's
 * `<vcpus>` view. QEMU is the truth for "plugged"; libvirt disagreeing is reported.
 */
import type { Topology, VcpuSlot } from "../spec";

/** One entry of `query-hotpluggable-cpus` (QAPI `HotpluggableCPU`), as the backends pass it. */
export interface QemuSlot {
  readonly type: string;
  readonly vcpusCount: number;
  readonly props: Readonly<Record<string, number | undefined>>;
  readonly qomPath: string | undefined;
}

/** libvirt's per-vCPU view (`<vcpus><vcpu>`). */
export interface LibvirtVcpu {
  readonly id: number;
  readonly enabled: boolean;
  readonly hotpluggable: boolean;
  readonly order: number | undefined;
  /** NUMA node from the definition (`<numa><cell cpus>`); wins over QEMU's `node-id`. */
  readonly node?: number;
}

const prop = (s: QemuSlot, k: string) => s.props[k] ?? 0;

/**
 * First vCPU id of a slot. x86 (and s390x/aarch64 with their topology props): the linear
 * index ((((socket·dies + die)·clusters + cluster)·cores + core)·threads + thread); pseries:
 * `core-id` already counts vCPUs (first thread of the core). s390x: `core-id` is the CPU address.
 */
export function firstVcpuId(arch: string, s: QemuSlot, t: Topology): number {
  if (arch === "ppc64" || arch === "s390x") return prop(s, "core-id");
  const dies = t.dies ?? 1;
  const clusters = t.clusters ?? 1;
  const socketLinear = prop(s, "socket-id") * dies + prop(s, "die-id");
  return ((socketLinear * clusters + prop(s, "cluster-id")) * t.cores + prop(s, "core-id")) * t.threads + prop(s, "thread-id");
}

function slotOf(arch: string, s: QemuSlot, t: Topology, id: number, entity: number): Omit<VcpuSlot, "hotpluggable" | "order"> {
  const p = s.props;
  return {
    id,
    entity,
    enabled: s.qomPath !== undefined,
    socketId: p["socket-id"],
    dieId: p["die-id"],
    clusterId: p["cluster-id"],
    coreId: p["core-id"],
    threadId: p["thread-id"] ?? (arch === "ppc64" ? id - entity : undefined),
    qomPath: s.qomPath,
    node: p["node-id"],
  };
}

/** Expands QEMU slots to one entry per vCPU (a pseries core covers `vcpusCount` ids). */
export function qemuVcpus(arch: string, slots: readonly QemuSlot[], t: Topology): Omit<VcpuSlot, "hotpluggable" | "order">[] {
  return slots
    .flatMap((s) => {
      const first = firstVcpuId(arch, s, t);
      return Array.from({ length: s.vcpusCount }, (_, i) => slotOf(arch, s, t, first + i, first));
    })
    .sort((a, b) => a.id - b.id);
}

/** Result of {@link mergeSlots}. */
export interface MergedSlots {
  readonly slots: VcpuSlot[];
  /** Plain-language disagreements between libvirt and QEMU. */
  readonly disagreements: string[];
}

/** Merges QEMU's slots (truth for "plugged") with libvirt's per-vCPU view. */
export function mergeSlots(arch: string, qemu: readonly QemuSlot[], t: Topology, libvirt: readonly LibvirtVcpu[]): MergedSlots {
  const byId = new Map(libvirt.map((v) => [v.id, v]));
  const disagreements: string[] = [];
  const slots = qemuVcpus(arch, qemu, t).map((q) => {
    const lv = byId.get(q.id);
    const agree = lv === undefined || lv.enabled === q.enabled;
    if (!agree) {
      disagreements.push(
        `libvirt says vCPU ${q.id} is ${lv!.enabled ? "plugged" : "not plugged"}, QEMU says it is ${q.enabled ? "plugged" : "not plugged"} ` +
          "(libvirt's view went stale, typically after an unplug it reported as timed out; libvirt may refuse vCPU changes on this VM until it restarts)",
      );
    }
    return {
      ...q,
      hotpluggable: lv ? lv.hotpluggable : q.id !== 0,
      order: lv?.order,
      node: lv?.node ?? q.node,
      ...(agree ? {} : { libvirtEnabled: lv!.enabled }),
    };
  });
  return { slots, disagreements };
}

/**
 * Topology as QEMU laid the slots out, for VMs whose definition names none (QEMU then picks
 * it: cores first for machine types ≥ 6.2, sockets before) and for QEMU < 6.2, which has no
 * `/machine` `smp` property. x86: highest id + 1 per level; pseries and s390x: one slot per
 * core (`vcpus-count` threads each).
 */
export function inferTopology(slots: readonly QemuSlot[], arch = "x86_64"): Topology {
  const perEntity = Math.max(1, ...slots.map((s) => s.vcpusCount));
  if (arch === "ppc64" || arch === "s390x" || perEntity > 1) {
    return { sockets: 1, dies: 1, cores: slots.length, threads: perEntity };
  }
  const levels = (k: string) => Math.max(0, ...slots.map((s) => s.props[k] ?? 0)) + 1;
  return { sockets: levels("socket-id"), dies: levels("die-id"), cores: levels("core-id"), threads: levels("thread-id") };
}
