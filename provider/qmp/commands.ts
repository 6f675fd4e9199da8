/**
 * Validated QMP calls over any {@link Monitor}: the reply is checked against the command's QAPI return type
 * ({@link QmpReplies}); a mismatch is a {@link QmpProtocolError} naming the command.
 */
import type { QmpProtocolError } from "./errors";
import { QmpReplies, parseReply, type HotpluggableCpu, type QmpCommand, type QmpReply } from "./messages";
import type { ExecuteOptions, Monitor } from "./monitor";

/** Runs `command` and validates its reply, e.g. `query(m, "query-hotpluggable-cpus")` → `HotpluggableCpu[]`.
 * Throws {@link QmpProtocolError} when the reply does not match. */
export async function query<C extends QmpCommand>(monitor: Monitor, command: C, args?: object, opts?: ExecuteOptions): Promise<QmpReply<C>> {
  const raw = await monitor.execute(command, args, opts);
  return parseReply(command, QmpReplies[command], raw) as QmpReply<C>;
}

/** `device_add` arguments that plug `slot` (a `query-hotpluggable-cpus` entry) as device `id`: `driver` is the
 * slot's `type`, and every `props` member is passed verbatim (qapi/machine.json `HotpluggableCPU`). */
export function cpuDeviceAddArgs(slot: HotpluggableCpu, id: string): Record<string, unknown> {
  return { ...slot.props, driver: slot.type, id };
}

/** Hot-plugs the vCPU slot `slot` as device `id` (`device_add`). QEMU answers at once; the guest sees the CPU a few
 * ms later (ACPI_DEVICE_OST source 1) and, without an auto-online rule, leaves it offline. */
export async function plugCpu(monitor: Monitor, slot: HotpluggableCpu, id: string, opts?: ExecuteOptions): Promise<void> {
  await query(monitor, "device_add", cpuDeviceAddArgs(slot, id), opts);
}

/** Requests removal of device `id` or QOM path (`device_del`). Only a request: the guest must eject (ACPI), and
 * completion is DEVICE_DELETED — which under TCG never comes for a vCPU (see events.ts `cpuLapicDeleted`). */
export async function requestDeviceDel(monitor: Monitor, idOrPath: string, opts?: ExecuteOptions): Promise<void> {
  await query(monitor, "device_del", { id: idOrPath }, opts);
}

/** Hot-adds vCPU `id` with the legacy `cpu-add` (QEMU 1.5–5.1; x86 plugs the vCPU with that linear index). There is
 * no legacy unplug. */
export async function addCpuLegacy(monitor: Monitor, id: number, opts?: ExecuteOptions): Promise<void> {
  await query(monitor, "cpu-add", { id }, opts);
}
