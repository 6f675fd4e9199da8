/**
 * The drift spec file: a small JSON file declaring VMs without a Pulumi stack.
 *
 * ```json
 * { "vms": [
 *   { "name": "web01", "libvirt": { "uri": "qemu:///system", "domain": "web01" }, "maxVcpus": 8, "vcpus": 4 },
 *   { "libvirt": { "uri": "qemu+unix:///system?socket=/run/libvirt/libvirt-sock", "domain": "db01" },
 *     "maxVcpus": 4, "vcpus": 2, "topology": { "sockets": 1, "cores": 4, "threads": 1 }, "guestAgent": "off" } ] }
 * ```
 *
 * Each entry holds exactly the `VmCpu` inputs (same schema, same defaults, same rules) plus an
 * optional `name` (default: the domain name). A bare array of entries is accepted too.
 */
import { toTarget, type LoadedEntry } from "./target";

type Rec = Record<string, unknown>;

const isRecord = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);

/** True when `doc` looks like a spec file (`{"vms": [...]}` or a bare array). */
export function isSpecFile(doc: unknown): doc is Rec[] | { vms: unknown[] } {
  return Array.isArray(doc) || (isRecord(doc) && Array.isArray(doc["vms"]));
}

function entryName(entry: Rec, index: number): string {
  if (typeof entry["name"] === "string" && entry["name"]) return entry["name"];
  const lv = entry["libvirt"];
  if (isRecord(lv) && typeof lv["domain"] === "string") return lv["domain"];
  return `vms[${index}]`;
}

/** One entry per spec line, in file order; an entry that fails the schema becomes an invalid entry. */
export function entriesFromSpecFile(doc: Rec[] | { vms: unknown[] }): LoadedEntry[] {
  const list: unknown[] = Array.isArray(doc) ? doc : doc.vms;
  return list.map((raw, i) => {
    const entry = isRecord(raw) ? raw : {};
    const { name: _name, ...fields } = entry;
    return toTarget({ name: entryName(entry, i) }, fields, (p) => (p ? `vms[${i}].${p}` : `vms[${i}]`));
  });
}
