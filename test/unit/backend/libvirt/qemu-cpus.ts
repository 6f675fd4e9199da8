/**
 * QEMU's `query-hotpluggable-cpus` reply as QEMU 7.2 produces it and libvirt relays it
 * through QEMU_PROC_DOMAIN_MONITOR_COMMAND (qapi/machine.json `HotpluggableCPU`):
 * one entry per hotpluggable entity, in DESCENDING order (QEMU prepends while walking the
 * possible CPUs), `qom-path` only on plugged entities, and x86 `die-id` only when dies > 1.
 * Key order is the one QEMU prints (props, vcpus-count, qom-path, type); JSON does not care.
 */
import { z } from "zod";
import { toQemuSlot } from "../../../../provider/backend/qemu-view";
import type { QemuSlot } from "../../../../provider/backend/slots";
import { HotpluggableCpu } from "../../../../provider/qmp";

/** One `HotpluggableCPU`, with QEMU's key names. */
export interface RawHotpluggableCpu {
  readonly props: Readonly<Record<string, number>>;
  readonly "vcpus-count": number;
  readonly "qom-path"?: string;
  readonly type: string;
}

/** `<topology>` numbers as used to lay out an x86 machine. */
export interface X86Layout {
  readonly sockets: number;
  readonly dies: number;
  readonly cores: number;
  readonly threads: number;
}

/** x86 props of linear vCPU index `i` (hw/i386/x86.c `x86_topo_ids_from_idx`). */
export function x86Props(t: X86Layout, i: number): Record<string, number> {
  const thread = i % t.threads;
  const core = Math.floor(i / t.threads) % t.cores;
  const die = Math.floor(i / (t.threads * t.cores)) % t.dies;
  const socket = Math.floor(i / (t.threads * t.cores * t.dies));
  return { "core-id": core, "thread-id": thread, ...(t.dies > 1 ? { "die-id": die } : {}), "socket-id": socket };
}

/**
 * The x86 entries for a machine laid out as `t`; `qomPath(i)` gives the QOM path of a
 * plugged vCPU i, undefined for a free slot.
 */
export function x86HotpluggableCpus(t: X86Layout, qomPath: (i: number) => string | undefined, model = "qemu64"): RawHotpluggableCpu[] {
  const total = t.sockets * t.dies * t.cores * t.threads;
  return Array.from({ length: total }, (_, i) => {
    const path = qomPath(i);
    return { props: x86Props(t, i), "vcpus-count": 1, ...(path !== undefined ? { "qom-path": path } : {}), type: `${model}-x86_64-cpu` };
  }).reverse();
}

/** The QOM path QEMU gives vCPU `i`: boot CPUs are unattached devices, hot-added ones libvirt's alias `vcpuN`. */
export function qomPathOf(i: number, boot: boolean): string {
  return boot ? `/machine/unattached/device[${i}]` : `/machine/peripheral/vcpu${i}`;
}

/** The monitor reply text libvirt returns for a QMP command issued with id `libvirt-<serial>`. */
export function monitorReply(value: unknown, serial: number): string {
  return JSON.stringify({ return: value, id: `libvirt-${serial}` });
}

/** A QMP error reply as libvirt relays it. */
export function monitorError(errorClass: string, desc: string, serial: number): string {
  return JSON.stringify({ id: `libvirt-${serial}`, error: { class: errorClass, desc } });
}

/**
 * A `query-hotpluggable-cpus` reply (`{"return": [...]}` or just the list) as the backends
 * pass it on: validated by the project's QAPI schema (`HotpluggableCpu`), then mapped by
 * provider/backend/qemu-view.ts `toQemuSlot`, as both backends do.
 */
export function qemuSlotsFrom(json: string): QemuSlot[] {
  const parsed = JSON.parse(json) as unknown;
  const list = Array.isArray(parsed) ? parsed : (parsed as { return: unknown }).return;
  return z.array(HotpluggableCpu).parse(list).map(toQemuSlot);
}
