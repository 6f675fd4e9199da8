/**
 * Which vCPU slots to plug or unplug. Deterministic so the same spec always yields the same
 * set of vCPU ids (migration-safe): hot-add the lowest free entity first; unplug the most
 * recently plugged entity first (highest libvirt `order`, LIFO). With `numaPlacement: "balanced"`
 * hot-adds go round-robin across NUMA nodes (the node with the fewest plugged vCPUs first, then
 * the lowest node id; its lowest free entity) and unplugs take from the node with the most
 * (then LIFO), so the nodes stay even.
 */
import type { NumaPlacement, VcpuSlot } from "../spec";

/** A hotpluggable entity: one vCPU on x86, one core (all its threads) on pseries. */
export interface Entity {
  readonly entity: number;
  readonly vcpuIds: readonly number[];
  readonly enabled: boolean;
  readonly hotpluggable: boolean;
  readonly order: number | undefined;
  /**
   * Free in QEMU while libvirt still counts it plugged: an unplug libvirt timed out on and never saw
   * finish. libvirt refuses to plug it again ("already in requested state") and its view of every
   * other vCPU can't be trusted, so no hot-add is planned until the VM restarts.
   */
  readonly stale: boolean;
  /** An unplug QEMU never confirmed left this slot free: plugging it again can crash QEMU until it restarts. */
  readonly unconfirmed: boolean;
  /** NUMA node of the entity's vCPUs; undefined without NUMA. */
  readonly node: number | undefined;
}

/** Groups slots into entities, sorted by entity id. */
export function toEntities(slots: readonly VcpuSlot[]): Entity[] {
  const groups = new Map<number, VcpuSlot[]>();
  for (const slot of slots) groups.set(slot.entity, [...(groups.get(slot.entity) ?? []), slot]);
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([entity, members]) => {
      const orders = members.map((m) => m.order).filter((o): o is number => o !== undefined);
      return {
        entity,
        vcpuIds: members.map((m) => m.id).sort((a, b) => a - b),
        enabled: members.some((m) => m.enabled),
        hotpluggable: members.every((m) => m.hotpluggable),
        order: orders.length ? Math.max(...orders) : undefined,
        stale: members.some((m) => !m.enabled && m.libvirtEnabled === true),
        unconfirmed: members.some((m) => !m.enabled && m.unplugUnconfirmed === true),
        node: members[0]?.node,
      };
    });
}

/** Result of choosing entities: the chosen ones, or why it can't be done live. */
export type Choice = { readonly ok: true; readonly entities: Entity[] } | { readonly ok: false; readonly reason: string };

const size = (list: readonly Entity[]) => list.reduce((n, e) => n + e.vcpuIds.length, 0);

/** Plugged vCPUs per NUMA node (every node that has a slot, plugged or not). */
function pluggedPerNode(entities: readonly Entity[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const e of entities) counts.set(e.node ?? 0, (counts.get(e.node ?? 0) ?? 0) + (e.enabled ? e.vcpuIds.length : 0));
  return counts;
}

/**
 * `candidates` in the order balanced placement takes them: each pick is the first candidate (in the given
 * order) of the node that `better` prefers by its plugged count (ties: the earlier candidate); counts move
 * by each pick (`delta` vCPUs per vCPU taken).
 */
function balancedOrder(all: readonly Entity[], candidates: readonly Entity[], better: (a: number, b: number) => boolean, delta: number): Entity[] {
  const counts = pluggedPerNode(all);
  const left = [...candidates];
  const out: Entity[] = [];
  while (left.length) {
    let best = 0;
    for (let i = 1; i < left.length; i++) {
      if (better(counts.get(left[i]!.node ?? 0)!, counts.get(left[best]!.node ?? 0)!)) best = i;
    }
    const [e] = left.splice(best, 1);
    counts.set(e!.node ?? 0, counts.get(e!.node ?? 0)! + delta * e!.vcpuIds.length);
    out.push(e!);
  }
  return out;
}

/** Free entities in the order hot-adds take them: by id, or round-robin across NUMA nodes (fewest plugged first). */
function addOrder(entities: readonly Entity[], placement: NumaPlacement): Entity[] {
  const free = entities.filter((e) => !e.enabled);
  if (placement !== "balanced") return free;
  const byNode = [...free].sort((a, b) => (a.node ?? 0) - (b.node ?? 0) || a.entity - b.entity);
  return balancedOrder(entities, byNode, (a, b) => a < b, 1);
}

/** Picks free entities, lowest id first (or balanced across NUMA nodes), adding exactly `count` vCPUs. */
export function chooseHotAdds(slots: readonly VcpuSlot[], count: number, placement: NumaPlacement = "lowest-id"): Choice {
  const entities = toEntities(slots);
  const stale = entities.filter((e) => e.stale).flatMap((e) => e.vcpuIds);
  if (stale.length) {
    return {
      ok: false,
      reason: `vCPU(s) ${stale.join(",")} were unplugged in QEMU but libvirt never saw the unplug finish and still counts them (libvirtStale): libvirt refuses to plug them again and its vCPU view can't be trusted, so no vCPU can be hot-added until the VM restarts; restart it (or set coldChanges: "restart")`,
    };
  }
  const unconfirmed = entities.filter((e) => e.unconfirmed).flatMap((e) => e.vcpuIds);
  if (unconfirmed.length) {
    return {
      ok: false,
      reason: `vCPU(s) ${unconfirmed.join(",")} were unplugged but QEMU never confirmed it (no DEVICE_DELETED for the vCPU, as under TCG): plugging a vCPU into this QEMU again can crash it, so no vCPU is hot-added until QEMU restarts; restart the VM (or set coldChanges: "restart" where the provider can restart it)`,
    };
  }
  const free = addOrder(entities, placement);
  const chosen: Entity[] = [];
  for (const e of free) {
    if (size(chosen) >= count) break;
    chosen.push(e);
  }
  if (size(chosen) < count) {
    return { ok: false, reason: `only ${size(free)} free vCPU slot(s) below the running maximum, ${count} needed` };
  }
  if (size(chosen) !== count) {
    const step = chosen[0]?.vcpuIds.length ?? 1;
    return { ok: false, reason: `vCPUs are plugged ${step} at a time here (one core), so the change must be a multiple of ${step}` };
  }
  return { ok: true, entities: chosen };
}

function lifo(a: Entity, b: Entity): number {
  const oa = a.order ?? -1;
  const ob = b.order ?? -1;
  return oa !== ob ? ob - oa : b.entity - a.entity;
}

/**
 * Picks plugged hotpluggable entities, most recently plugged first (or, balanced, from the NUMA node with the
 * most plugged vCPUs first, LIFO within ties), removing exactly `count` vCPUs.
 */
export function chooseUnplugs(slots: readonly VcpuSlot[], count: number, placement: NumaPlacement = "lowest-id"): Choice {
  const entities = toEntities(slots);
  const plugged = entities.filter((e) => e.enabled);
  const lifoOrder = plugged.filter((e) => e.hotpluggable).sort(lifo);
  const removable = placement === "balanced" ? balancedOrder(entities, lifoOrder, (a, b) => a > b, -1) : lifoOrder;
  const chosen: Entity[] = [];
  for (const e of removable) {
    if (size(chosen) >= count) break;
    chosen.push(e);
  }
  if (size(chosen) < count) {
    const fixed = plugged.filter((e) => !e.hotpluggable).flatMap((e) => e.vcpuIds);
    return {
      ok: false,
      reason: `only ${size(removable)} plugged vCPU(s) can be unplugged; vCPU(s) ${fixed.join(",")} were started as boot vCPUs (not hotpluggable) and leave only with a restart`,
    };
  }
  if (size(chosen) !== count) {
    const step = chosen[0]?.vcpuIds.length ?? 1;
    return { ok: false, reason: `vCPUs are unplugged ${step} at a time here (one core), so the change must be a multiple of ${step}` };
  }
  return { ok: true, entities: chosen };
}
