/**
 * Guest-side CPU onlining/offlining through qemu-guest-agent. Hot-added CPUs start offline
 * in a guest without an auto-online udev rule; `guest-set-vcpus` stops at the first failing
 * entry and returns how many it applied, so every call's count is compared.
 */
import { setTimeout as delay } from "node:timers/promises";
import { ProviderError } from "../errors";
import type { GuestCpu, GuestPort } from "./ports";
import { pollUntil } from "./poll";

/**
 * Interval between `guest-get-vcpus` probes while waiting for hot-added CPUs to appear: each
 * probe is itself a round trip to the guest (4–40 ms under TCG), so a short fixed gap keeps
 * the wait within one round trip of the moment the guest lists them.
 */
const GUEST_POLL_MS = 5;

const list = (cpus: readonly GuestCpu[]) => cpus.map((c) => c.logicalId).join(",") || "none";

/** Result of {@link onlineInGuest}: the guest's CPUs afterwards and where the time went. */
export interface OnlineResult {
  readonly cpus: GuestCpu[];
  /** ms until the guest listed the expected number of CPUs. */
  readonly seenMs: number;
  /** ms spent onlining (guest-set-vcpus) and verifying. */
  readonly onlineMs: number;
}

/** Waits until the guest sees `expected` CPUs, onlines every offline one, and verifies. */
export async function onlineInGuest(guest: GuestPort, expected: number, deadline: number): Promise<OnlineResult> {
  const t0 = Date.now();
  const seen = await pollUntil(async () => {
    const cpus = await guest.getVcpus();
    return cpus.length >= expected ? cpus : undefined;
  }, deadline, GUEST_POLL_MS, GUEST_POLL_MS);
  if (!seen) {
    const now = await guest.getVcpus();
    throw new ProviderError("GUEST_ONLINE_INCOMPLETE", `the guest sees ${now.length} CPU(s) (${list(now)}), expected ${expected}, before the agent timeout`);
  }
  const t1 = Date.now();
  const cpus = await onlineAll(guest, seen, deadline);
  return { cpus, seenMs: t1 - t0, onlineMs: Date.now() - t1 };
}

/** How often a CPU that did not stay online is tried again (a loaded TCG guest can fail a bring-up). */
const RETRY_MS = 200;

/**
 * Onlines every offline CPU of `seen`, then reads the guest back: `guest-set-vcpus`' count says
 * the writes succeeded, not that each CPU came up and stayed up (under load a bring-up can fail
 * after the write). CPUs still offline are tried again until `deadline`; then GUEST_ONLINE_INCOMPLETE
 * names them.
 */
async function onlineAll(guest: GuestPort, seen: readonly GuestCpu[], deadline: number): Promise<GuestCpu[]> {
  let offline = seen.filter((c) => !c.online);
  for (let tries = 1; ; tries++) {
    if (offline.length) await guest.setVcpus(offline.map((c) => ({ logicalId: c.logicalId, online: true })));
    const now = await guest.getVcpus();
    offline = now.filter((c) => !c.online);
    if (!offline.length) return now;
    if (Date.now() >= deadline) {
      throw new ProviderError("GUEST_ONLINE_INCOMPLETE", `CPU(s) ${list(offline)} did not come online in the guest before the agent timeout (tried ${tries} time(s))`);
    }
    await delay(Math.min(RETRY_MS, Math.max(0, deadline - Date.now())));
  }
}

/**
 * Takes the `count` highest-numbered CPUs out of use before an unplug: the guest numbers
 * hot-added CPUs after the boot ones, so these are the most recently plugged — the ones
 * unplug (LIFO) removes. Those already offline stay so; the online ones are offlined. If one
 * of them can't be offlined, nothing is offlined and nothing may be unplugged.
 */
export async function offlineInGuest(guest: GuestPort, count: number): Promise<GuestCpu[]> {
  const cpus = await guest.getVcpus();
  const leaving = [...cpus].sort((a, b) => b.logicalId - a.logicalId).slice(0, count);
  const toOffline = leaving.filter((c) => c.online);
  const stuck = toOffline.filter((c) => !c.canOffline || c.logicalId === 0);
  if (leaving.length < count || stuck.length) {
    throw new ProviderError(
      "GUEST_OFFLINE_REFUSED",
      `the guest can't offline CPU(s) ${list(stuck.length ? stuck : leaving)} (can-offline is false, or the guest has fewer than ${count} CPUs); nothing was unplugged`,
    );
  }
  if (!toOffline.length) return cpus;
  const applied = await guest.setVcpus(toOffline.map((c) => ({ logicalId: c.logicalId, online: false })));
  if (applied < toOffline.length) {
    throw new ProviderError(
      "GUEST_OFFLINE_REFUSED",
      `guest-set-vcpus offlined ${applied} of ${toOffline.length} CPU(s); CPU ${toOffline[applied]!.logicalId} refused; nothing was unplugged`,
    );
  }
  return guest.getVcpus();
}
