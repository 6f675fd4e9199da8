/**
 * Unplugs QEMU never confirmed (the slot freed, no DEVICE_DELETED for the vCPU — every unplug under TCG):
 * QEMU shows nothing of them afterwards, yet plugging a vCPU in again can crash QEMU 7.2. So they are
 * remembered — in the executor's result, then in the resource's outputs (`vcpuSlots[].unplugUnconfirmed`
 * with `qemuInstance`) — and laid over every later read of the same QEMU process, for the plan to refuse
 * hot-adds until QEMU restarts.
 */
import type { LiveState } from "../spec";

/** vCPU ids whose unplug was not confirmed, in the QEMU process `instance` (undefined: the one just read). */
export interface Unconfirmed {
  readonly instance: string | undefined;
  readonly vcpuIds: readonly number[];
}

/** `live` with the slots of `known` flagged, when it is the same QEMU process and they are still free. */
export function markUnconfirmed(live: LiveState, known: Unconfirmed): LiveState {
  if (!live.running || !known.vcpuIds.length) return live;
  if (known.instance !== undefined && known.instance !== live.instance) return live;
  const slots = live.running.slots.map((s) => (known.vcpuIds.includes(s.id) && !s.enabled ? { ...s, unplugUnconfirmed: true } : s));
  return { ...live, running: { ...live.running, slots } };
}

/** What stored outputs remember: the flagged slots and the QEMU process they were read from. */
export function unconfirmedOf(outputs: { vcpuSlots: readonly { id: number; unplugUnconfirmed?: boolean }[]; qemuInstance?: string }): Unconfirmed {
  return { instance: outputs.qemuInstance, vcpuIds: outputs.vcpuSlots.filter((s) => s.unplugUnconfirmed).map((s) => s.id) };
}
