/**
 * QEMU's own view through libvirt's QEMU monitor command (qemu_protocol.x procedure 1).
 * Note: libvirt marks a domain "tainted: custom-monitor" the first time this is used; it
 * is the only way to see what QEMU (not libvirt's cache) has plugged.
 */
import type { DomainRef, LibvirtClient } from "../../libvirt";
import type { QemuSlot } from "../slots";

/** A QMP reply carried an error (QMP `class`/`desc` kept). */
export class QemuMonitorError extends Error {
  override readonly name = "QemuMonitorError";
  readonly code = "QMP_ERROR";
  constructor(readonly command: string, readonly errorClass: string, readonly desc: string) {
    super(`QEMU ${command}: ${errorClass}: ${desc}`);
  }
}

/** Runs one QMP command through libvirt and returns its `return` value. */
export async function monitorExecute(client: LibvirtClient, dom: DomainRef, command: string, args?: object): Promise<unknown> {
  const text = await client.qemuDomainMonitorCommand(dom, JSON.stringify(args ? { execute: command, arguments: args } : { execute: command }), 0);
  const reply = JSON.parse(text) as { return?: unknown; error?: { class?: string; desc?: string } };
  if (reply.error) throw new QemuMonitorError(command, reply.error.class ?? "GenericError", reply.error.desc ?? "");
  return reply.return;
}

interface RawHotpluggable {
  type: string;
  "vcpus-count": number;
  props: Record<string, number>;
  "qom-path"?: string;
}

/** QEMU `query-hotpluggable-cpus` as {@link QemuSlot}s. */
export async function queryHotpluggableCpus(client: LibvirtClient, dom: DomainRef): Promise<QemuSlot[]> {
  const list = (await monitorExecute(client, dom, "query-hotpluggable-cpus")) as RawHotpluggable[];
  return list.map((s) => ({ type: s.type, vcpusCount: s["vcpus-count"], props: s.props, qomPath: s["qom-path"] }));
}
