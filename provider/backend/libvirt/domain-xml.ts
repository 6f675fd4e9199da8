/**
 * Reads the CPU facts of a libvirt domain XML (formatdomain: `<vcpu>`, `<vcpus>`,
 * `<cpu><topology>`, `<os><type machine>`, `<features><acpi>`, the guest-agent channel)
 * and rewrites the CPU part of a persistent definition in place.
 */
import { parseCpuList } from "../../libvirt";
import { attr, child, children, insertAfter, intAttr, newElement, newText, parseXml, serializeXml, text, type XmlElement } from "./xml";

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
  /** NUMA node of each vCPU id, from `<cpu><numa><cell id cpus>`; empty without `<numa>`. */
  readonly numaNodeOf: ReadonlyMap<number, number>;
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
      enabled: attr(v, "enabled") === "yes",
      hotpluggable: attr(v, "hotpluggable") === "yes",
      order: intAttr(v, "order"),
    }))
    .sort((a, b) => a.id - b.id);
}

function readAgentChannel(dom: XmlElement): DomainCpuFacts["agentChannel"] {
  const channel = children(child(dom, "devices"), "channel").find(
    (c) => attr(child(c, "target"), "name") === "org.qemu.guest_agent.0",
  );
  return channel ? { state: attr(child(channel, "target"), "state") } : undefined;
}

/** vCPU id → NUMA cell id, from `<cpu><numa><cell id='N' cpus='0-1'>` (a cell without `id` counts by position). */
function readNumaCells(cpu: XmlElement | undefined): Map<number, number> {
  const nodeOf = new Map<number, number>();
  children(child(cpu, "numa"), "cell").forEach((cell, index) => {
    const cpus = attr(cell, "cpus");
    if (cpus === undefined) return;
    const node = intAttr(cell, "id") ?? index;
    let ids: number[];
    try {
      ids = parseCpuList(cpus);
    } catch (err) {
      throw new DomainXmlError(`bad <numa><cell cpus="${cpus}">: ${(err as Error).message}`, { cause: err });
    }
    for (const id of ids) nodeOf.set(id, node);
  });
  return nodeOf;
}

/** Reads the CPU facts from a domain XML document. */
export function readDomainCpu(xml: string): DomainCpuFacts {
  const dom = parseXml(xml);
  if (dom.tagName !== "domain") throw new DomainXmlError(`expected <domain>, got <${dom.tagName}>`);
  const vcpu = need(child(dom, "vcpu"), "<vcpu>");
  const count = text(vcpu).trim();
  const maxVcpus = Number(count);
  if (!Number.isInteger(maxVcpus) || maxVcpus < 1) throw new DomainXmlError(`bad <vcpu> count "${count}"`);
  const currentVcpus = intAttr(vcpu, "current") ?? maxVcpus;
  const type = need(child(dom, "os/type"), "<os><type>");
  return {
    name: text(need(child(dom, "name"), "<name>")).trim(),
    uuid: text(need(child(dom, "uuid"), "<uuid>")).trim(),
    virtType: attr(dom, "type") ?? "unknown",
    arch: attr(type, "arch") ?? "unknown",
    machine: attr(type, "machine") ?? "unknown",
    maxVcpus,
    currentVcpus,
    topology: readTopology(child(dom, "cpu")),
    vcpus: readVcpus(dom, maxVcpus, currentVcpus),
    acpi: child(dom, "features/acpi") !== undefined,
    agentChannel: readAgentChannel(dom),
    numaNodeOf: readNumaCells(child(dom, "cpu")),
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

function rewriteVcpu(vcpu: XmlElement, def: CpuDefinition): void {
  vcpu.removeAttribute("current");
  if (!vcpu.hasAttribute("placement")) vcpu.setAttribute("placement", "static");
  if (def.vcpus !== def.maxVcpus) vcpu.setAttribute("current", String(def.vcpus));
  vcpu.textContent = String(def.maxVcpus);
}

/**
 * `<vcpus>` with the first entity fixed (boot CPU: enabled, not hotpluggable) and every other
 * vCPU hotpluggable, enabled for ids below `vcpus` — so later scale-downs can happen live.
 */
function vcpusElement(near: XmlElement, def: CpuDefinition): XmlElement {
  let order = 1;
  const rows = Array.from({ length: def.maxVcpus }, (_, id) => {
    const enabled = id < def.vcpus;
    return newElement(near, "vcpu", {
      id, enabled: enabled ? "yes" : "no", hotpluggable: id >= def.entitySize ? "yes" : "no", order: enabled ? order++ : undefined,
    });
  });
  return newElement(near, "vcpus", {}, [...rows.flatMap((r) => [newText(near, "\n    "), r]), newText(near, "\n  ")]);
}

function topologyElement(near: XmlElement, t: XmlTopology): XmlElement {
  return newElement(near, "topology", { sockets: t.sockets, dies: t.dies, clusters: t.clusters, cores: t.cores, threads: t.threads });
}

function topologyProduct(topo: XmlElement): number {
  return ["sockets", "dies", "clusters", "cores", "threads"].reduce((p, k) => p * (intAttr(topo, k) ?? 1), 1);
}

/** Sets (or adds) the topology, or drops one that no longer multiplies out to `maxVcpus`. */
function rewriteTopology(dom: XmlElement, after: XmlElement, def: CpuDefinition): void {
  const cpu = child(dom, "cpu");
  const topo = child(cpu, "topology");
  if (!def.topology) {
    if (topo && topologyProduct(topo) !== def.maxVcpus) cpu!.removeChild(topo);
    return;
  }
  const fresh = topologyElement(dom, def.topology);
  if (topo) cpu!.replaceChild(fresh, topo);
  else if (cpu) cpu.insertBefore(fresh, cpu.firstChild);
  else insertAfter(after, newElement(dom, "cpu", {}, [fresh]));
}

/** Rewrites `<vcpu>`, `<vcpus>`, `<cpu><topology>` and the machine of a definition. */
export function rewriteCpuDefinition(xml: string, def: CpuDefinition): string {
  const dom = parseXml(xml);
  const vcpu = need(child(dom, "vcpu"), "<vcpu>");
  rewriteVcpu(vcpu, def);
  const vcpus = vcpusElement(dom, def);
  const old = child(dom, "vcpus");
  if (old) dom.replaceChild(vcpus, old);
  else insertAfter(vcpu, vcpus);
  rewriteTopology(dom, vcpus, def);
  const type = child(dom, "os/type");
  if (def.machine && type) type.setAttribute("machine", def.machine);
  return serializeXml(dom);
}
