/**
 * The machine types libvirt's capabilities XML lists for one architecture:
 *
 *   <guest><arch name='x86_64'>
 *     <machine maxCpus='288'>pc-q35-7.2</machine>
 *     <machine canonical='pc-q35-7.2' maxCpus='288'>q35</machine>
 *     <domain type='kvm'><machine …>…</machine></domain>
 *
 * A `canonical` attribute marks an alias of that versioned name.
 */
import type { OfferedMachine } from "../../spec";
import { attr, children, elements, parseXml, text, type XmlElement } from "./xml";

function machinesOf(arch: XmlElement): XmlElement[] {
  return [...children(arch, "machine"), ...children(arch, "domain").flatMap((d) => children(d, "machine"))];
}

/** Machine types for `arch` (e.g. "x86_64"), deduplicated, each alias folded into its versioned name's entry. */
export function offeredMachines(capabilitiesXml: string, arch: string): OfferedMachine[] {
  const root = parseXml(capabilitiesXml);
  const arches = children(root, "guest").flatMap((g) => elements(g)).filter((a) => a.localName === "arch" && attr(a, "name") === arch);
  const byName = new Map<string, OfferedMachine>();
  for (const m of arches.flatMap(machinesOf)) {
    const value = text(m).trim();
    const canonical = attr(m, "canonical");
    const name = canonical ?? value;
    const alias = canonical ? value : byName.get(name)?.alias;
    byName.set(name, alias ? { name, alias } : { name });
  }
  return [...byName.values()];
}
