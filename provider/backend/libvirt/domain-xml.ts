/**
 * Reads the CPU facts of a libvirt domain XML (formatdomain: `<vcpu>`, `<vcpus>`,
 * `<cpu><topology>`, `<os><type machine>`, `<features><acpi>`, the guest-agent channel)
 * and rewrites the CPU part of a persistent definition in place.
 */
import { child, children, escapeXml, intAttr, parseXml, type XmlElement } from "./xml";

/** One `<vcpus><vcpu>` entry. */
export interface XmlVcpu {
  readonly id: number;
  readonly enabled: boolean;
  readonly hotpluggable: boolean;
  readonly order: number | undefined;
}

/** Topology as libvirt writes it (dies/clusters only when present). */
export interface XmlTopology {
  readonly sockets: number;
  readonly dies?: number;
  readonly clusters?: number;
  readonly cores: number;
  readonly threads: number;
}

/** CPU-related facts of one domain XML. */
export interface DomainCpuFacts {
  readonly name: string;
  readonly uuid: string;
  /** `kvm` or `qemu` (TCG). */
  readonly virtType: string;
  readonly arch: string;
  readonly machine: string;
  readonly maxVcpus: number;
  readonly currentVcpus: number;
  readonly topology: XmlTopology | undefined;
  /** Per-vCPU state; synthesized from `current` when the XML has no `<vcpus>`. */
  readonly vcpus: readonly XmlVcpu[];
  readonly acpi: boolean;
  /** Guest-agent channel: absent, or its libvirt-reported state (`connected`, `disconnected`, or undefined). */
  readonly agentChannel: { readonly state: string | undefined } | undefined;
}

/** Domain XML without the facts we need. */
export class DomainXmlError extends Error {
  override readonly name = "DomainXmlError";
  readonly code = "DOMAIN_XML_ERROR";
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new DomainXmlError(`domain XML has no ${what}`);
  return v;
}

function readTopology(cpu: XmlElement | undefined): XmlTopology | undefined {
  const t = child(cpu, "topology");
  if (!t) return undefined;
  const n = (k: string) => need(intAttr(t, k), `<topology ${k}>`);
  const dies = intAttr(t, "dies");
  const clusters = intAttr(t, "clusters");
  return {
    sockets: n("sockets"), cores: n("cores"), threads: n("threads"),
    ...(dies !== undefined ? { dies } : {}), ...(clusters !== undefined ? { clusters } : {}),
  };
}

function readVcpus(dom: XmlElement, max: number, current: number): XmlVcpu[] {
  const list = children(child(dom, "vcpus"), "vcpu");
  if (!list.length) {
    return Array.from({ length: max }, (_, id) => ({ id, enabled: id < current, hotpluggable: id >= current, order: undefined }));
  }
  return list
    .map((v) => ({
      id: need(intAttr(v, "id"), "<vcpu id>"),
      enabled: v.attrs["enabled"] === "yes",
      hotpluggable: v.attrs["hotpluggable"] === "yes",
      order: intAttr(v, "order"),
    }))
    .sort((a, b) => a.id - b.id);
}

function readAgentChannel(dom: XmlElement): DomainCpuFacts["agentChannel"] {
  const channel = children(child(dom, "devices"), "channel").find(
    (c) => child(c, "target")?.attrs["name"] === "org.qemu.guest_agent.0",
  );
  return channel ? { state: child(channel, "target")?.attrs["state"] } : undefined;
}

/** Reads the CPU facts from a domain XML document. */
export function readDomainCpu(xml: string): DomainCpuFacts {
  const dom = parseXml(xml);
  if (dom.name !== "domain") throw new DomainXmlError(`expected <domain>, got <${dom.name}>`);
  const vcpu = need(child(dom, "vcpu"), "<vcpu>");
  const maxVcpus = Number(vcpu.text.trim());
  if (!Number.isInteger(maxVcpus) || maxVcpus < 1) throw new DomainXmlError(`bad <vcpu> count "${vcpu.text}"`);
  const currentVcpus = intAttr(vcpu, "current") ?? maxVcpus;
  const type = need(child(dom, "os/type"), "<os><type>");
  return {
    name: need(child(dom, "name"), "<name>").text.trim(),
    uuid: need(child(dom, "uuid"), "<uuid>").text.trim(),
    virtType: dom.attrs["type"] ?? "unknown",
    arch: type.attrs["arch"] ?? "unknown",
    machine: type.attrs["machine"] ?? "unknown",
    maxVcpus,
    currentVcpus,
    topology: readTopology(child(dom, "cpu")),
    vcpus: readVcpus(dom, maxVcpus, currentVcpus),
    acpi: child(dom, "features/acpi") !== undefined,
    agentChannel: readAgentChannel(dom),
  };
}

/** The CPU part of a definition to write. `topology`/`machine` undefined = leave as is. */
export interface CpuDefinition {
  readonly maxVcpus: number;
  readonly vcpus: number;
  readonly topology: XmlTopology | undefined;
  readonly machine: string | undefined;
  /** vCPUs per hotpluggable entity (threads per core on pseries, else 1). */
  readonly entitySize: number;
}

interface Edit { readonly start: number; readonly end: number; readonly text: string }

function applyEdits(xml: string, edits: Edit[]): string {
  return [...edits].sort((a, b) => b.start - a.start).reduce((s, e) => s.slice(0, e.start) + e.text + s.slice(e.end), xml);
}

function vcpuElement(old: XmlElement, def: CpuDefinition): string {
  const attrs = Object.entries(old.attrs).filter(([k]) => k !== "current");
  if (!attrs.some(([k]) => k === "placement")) attrs.unshift(["placement", "static"]);
  if (def.vcpus !== def.maxVcpus) attrs.push(["current", String(def.vcpus)]);
  return `<vcpu ${attrs.map(([k, v]) => `${k}='${escapeXml(v)}'`).join(" ")}>${def.maxVcpus}</vcpu>`;
}

/**
 * `<vcpus>` with the first entity fixed (boot CPU: enabled, not hotpluggable) and every other
 * vCPU hotpluggable, enabled for ids below `vcpus` — so later scale-downs can happen live.
 */
export function vcpusElement(def: CpuDefinition): string {
  let order = 1;
  const rows = Array.from({ length: def.maxVcpus }, (_, id) => {
    const enabled = id < def.vcpus;
    const hot = id >= def.entitySize;
    const ord = enabled ? ` order='${order++}'` : "";
    return `    <vcpu id='${id}' enabled='${enabled ? "yes" : "no"}' hotpluggable='${hot ? "yes" : "no"}'${ord}/>`;
  });
  return `<vcpus>\n${rows.join("\n")}\n  </vcpus>`;
}

function topologyElement(t: XmlTopology): string {
  const dies = t.dies !== undefined ? ` dies='${t.dies}'` : "";
  const clusters = t.clusters !== undefined ? ` clusters='${t.clusters}'` : "";
  return `<topology sockets='${t.sockets}'${dies}${clusters} cores='${t.cores}' threads='${t.threads}'/>`;
}

function topologyEdits(dom: XmlElement, def: CpuDefinition): Edit[] {
  const cpu = child(dom, "cpu");
  const topo = child(cpu, "topology");
  if (def.topology) {
    const text = topologyElement(def.topology);
    if (topo) return [{ start: topo.start, end: topo.end, text }];
    if (cpu) {
      const first = cpu.children[0];
      return first
        ? [{ start: first.start, end: first.start, text: `${text}\n    ` }]
        : [{ start: cpu.start, end: cpu.end, text: `<cpu${attrText(cpu)}>${text}</cpu>` }];
    }
    const vcpu = child(dom, "vcpu")!;
    return [{ start: vcpu.end, end: vcpu.end, text: `\n  <cpu>${text}</cpu>` }];
  }
  const product = topo ? ["sockets", "dies", "clusters", "cores", "threads"].reduce((p, k) => p * (intAttr(topo, k) ?? 1), 1) : def.maxVcpus;
  return topo && product !== def.maxVcpus ? [{ start: topo.start, end: topo.end, text: "" }] : [];
}

function attrText(el: XmlElement): string {
  return Object.entries(el.attrs).map(([k, v]) => ` ${k}='${escapeXml(v)}'`).join("");
}

function machineEdits(xml: string, dom: XmlElement, machine: string | undefined): Edit[] {
  const type = child(dom, "os/type");
  if (!machine || !type) return [];
  const tag = xml.slice(type.start, xml.indexOf(">", type.start) + 1);
  const attrs = { ...type.attrs, machine };
  const rebuilt = `<type${Object.entries(attrs).map(([k, v]) => ` ${k}='${escapeXml(v)}'`).join("")}${tag.endsWith("/>") ? "/>" : ">"}`;
  return [{ start: type.start, end: type.start + tag.length, text: rebuilt }];
}

/** Rewrites `<vcpu>`, `<vcpus>`, `<cpu><topology>` and the machine of a definition. */
export function rewriteCpuDefinition(xml: string, def: CpuDefinition): string {
  const dom = parseXml(xml);
  const vcpu = need(child(dom, "vcpu"), "<vcpu>");
  const vcpus = child(dom, "vcpus");
  const edits: Edit[] = [
    { start: vcpu.start, end: vcpu.end, text: vcpuElement(vcpu, def) },
    vcpus
      ? { start: vcpus.start, end: vcpus.end, text: vcpusElement(def) }
      : { start: vcpu.end, end: vcpu.end, text: `\n  ${vcpusElement(def)}` },
    ...topologyEdits(dom, def),
    ...machineEdits(xml, dom, def.machine),
  ];
  return applyEdits(xml, edits);
}
