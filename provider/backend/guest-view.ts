/** The guest agent's `guest-get-vcpus` as the executor's rows and as the live state's guest view (both backends). */
import type { GuestCpu } from "../apply";
import type { GuestVcpu } from "../qmp";
import type { GuestView } from "../spec";

/** One agent CPU as an executor row (`can-offline` unknown counts as offlinable). */
export function toGuestCpu(c: GuestVcpu): GuestCpu {
  return { logicalId: c.logicalId, online: c.online, canOffline: c.canOffline !== false };
}

/** The guest's CPUs as the live state records them: present, online, and online ones it could offline. */
export function guestView(cpus: readonly GuestVcpu[]): GuestView {
  const ids = (pick: (c: GuestVcpu) => boolean) => cpus.filter(pick).map((c) => c.logicalId);
  return { present: ids(() => true), online: ids((c) => c.online), offlinable: ids((c) => c.online && c.canOffline !== false) };
}
