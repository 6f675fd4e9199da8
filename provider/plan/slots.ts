/**
 * Which vCPU slots to plug or unplug. Deterministic so the same spec always yields the same
 * set of vCPU ids (migration-safe): hot-add the lowest free entity first; unplug the most
 * recently plugged entity first (highest libvirt `order`, LIFO).
 */
import type { VcpuSlot } from "../spec";

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
      };
    });
}

/** Result of choosing entities: the chosen ones, or why it can't be done live. */
export type Choice = { readonly ok: true; readonly entities: Entity[] } | { readonly ok: false; readonly reason: string };

const size = (list: readonly Entity[]) => list.reduce((n, e) => n + e.vcpuIds.length, 0);

/** Picks free entities, lowest id first, adding exactly `count` vCPUs. */
export function chooseHotAdds(slots: readonly VcpuSlot[], count: number): Choice {
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
  const free = entities.filter((e) => !e.enabled);
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

/** Picks plugged hotpluggable entities, most recently plugged first, removing exactly `count` vCPUs. */
export function chooseUnplugs(slots: readonly VcpuSlot[], count: number): Choice {
  const plugged = toEntities(slots).filter((e) => e.enabled);
  const removable = plugged.filter((e) => e.hotpluggable).sort(lifo);
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
