/**
 * QEMU's own view through libvirt's QEMU monitor command (qemu_protocol.x procedure 1),
 * behind the same {@link Monitor} interface as a direct QMP socket. Note: libvirt marks a
 * domain "tainted: custom-monitor" the first time this is used; it is the only way to see
 * what QEMU (not libvirt's cache) has plugged.
 */
import type { DomainRef, LibvirtClient } from "../../libvirt";
import { FunctionMonitor, type Monitor } from "../../qmp";
import { qmpCall } from "../qmp/errors";
import { hotpluggableSlots, legacyCpus, slotsOrLegacy, type LegacyCpu } from "../qemu-view";
import type { QemuSlot } from "../slots";

/** A QMP monitor that runs each command through libvirt. */
export function libvirtMonitor(client: LibvirtClient, dom: DomainRef): Monitor {
  return new FunctionMonitor((json) => client.qemuDomainMonitorCommand(dom, json, 0));
}

/** QEMU `query-hotpluggable-cpus` through libvirt; a QMP error is a ProviderError with the QMP error as cause. */
export function queryHotpluggableCpus(client: LibvirtClient, dom: DomainRef): Promise<QemuSlot[]> {
  return qmpCall(`asking QEMU of domain ${dom.name} for its vCPU slots`, () => hotpluggableSlots(libvirtMonitor(client, dom)));
}

/** QEMU's vCPU view through libvirt: its slots, or (QEMU before 2.7, no `query-hotpluggable-cpus`) its present vCPUs. */
export type QemuCpuView = { readonly kind: "slots"; readonly slots: QemuSlot[] } | { readonly kind: "cpu-add"; readonly present: readonly LegacyCpu[] };

/** QEMU's vCPU view through libvirt, for either era; a QMP error is a ProviderError with the QMP error as cause. */
export function queryCpuView(client: LibvirtClient, dom: DomainRef): Promise<QemuCpuView> {
  return qmpCall(`asking QEMU of domain ${dom.name} for its vCPUs`, async () => {
    const monitor = libvirtMonitor(client, dom);
    const slots = await slotsOrLegacy(monitor);
    return slots ? { kind: "slots", slots } : { kind: "cpu-add", present: (await legacyCpus(monitor)).present };
  });
}
