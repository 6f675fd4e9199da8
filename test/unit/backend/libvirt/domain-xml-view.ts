/**
 * The domain XML a fake libvirtd hands out, derived from a persistent definition the way
 * libvirt 9.0 does it: the live XML carries the running `id`, `current` and a `<vcpus>`
 * list, and the guest-agent channel's `state`; secrets (`passwd`) appear only with
 * VIR_DOMAIN_XML_SECURE. Read with regular expressions, independent of the backend's parser.
 */
import type { X86Layout } from "./qemu-cpus";

/** The CPU numbers of a definition. */
export interface DefinitionCpus {
  readonly maxVcpus: number;
  readonly current: number;
  readonly layout: X86Layout;
}

const VCPU = /<vcpu\b([^>]*)>(\d+)<\/vcpu>/;
const VCPUS = /\s*<vcpus>[\s\S]*?<\/vcpus>/;
const AGENT_TARGET = /(<target type='virtio' name='org\.qemu\.guest_agent\.0')( state='\w+')?\/>/;

/** `<vcpu current>`/count and `<topology>` of a definition (one socket of `maxVcpus` cores without one). */
export function definitionCpus(xml: string): DefinitionCpus {
  const m = VCPU.exec(xml);
  if (!m) throw new Error("fake domain: definition has no <vcpu>");
  const maxVcpus = Number(m[2]);
  const current = Number(/current='(\d+)'/.exec(m[1]!)?.[1] ?? maxVcpus);
  const topo = /<topology\b([^>]*)\/>/.exec(xml)?.[1];
  const n = (k: string, d: number) => Number(new RegExp(`${k}='(\\d+)'`).exec(topo ?? "")?.[1] ?? d);
  const layout = topo ? { sockets: n("sockets", 1), dies: n("dies", 1), cores: n("cores", 1), threads: n("threads", 1) } : { sockets: 1, dies: 1, cores: maxVcpus, threads: 1 };
  return { maxVcpus, current, layout };
}

/** libvirt's per-vCPU view of a running domain. */
export interface LiveVcpus {
  readonly id: number;
  readonly enabled: ReadonlySet<number>;
  readonly boot: ReadonlySet<number>;
  readonly order: ReadonlyMap<number, number>;
  /** Guest-agent channel state (`connected` / `disconnected`). */
  readonly agentState: string;
}

function vcpusElement(max: number, v: LiveVcpus): string {
  const rows = Array.from({ length: max }, (_, id) => {
    const order = v.order.get(id);
    const attrs = `id='${id}' enabled='${v.enabled.has(id) ? "yes" : "no"}' hotpluggable='${v.boot.has(id) ? "no" : "yes"}'`;
    return `    <vcpu ${attrs}${v.enabled.has(id) && order !== undefined ? ` order='${order}'` : ""}/>`;
  });
  return `<vcpus>\n${rows.join("\n")}\n  </vcpus>`;
}

/** The live XML of a running domain defined by `definition`. */
export function liveXml(definition: string, v: LiveVcpus): string {
  const { maxVcpus } = definitionCpus(definition);
  const current = v.enabled.size === maxVcpus ? "" : ` current='${v.enabled.size}'`;
  return definition
    .replace(/<domain type='(\w+)'[^>]*>/, `<domain type='$1' id='${v.id}'>`)
    .replace(VCPUS, "")
    .replace(VCPU, `<vcpu placement='static'${current}>${maxVcpus}</vcpu>\n  ${vcpusElement(maxVcpus, v)}`)
    .replace(AGENT_TARGET, `$1 state='${v.agentState}'/>`);
}

/**
 * A definition as libvirt stores it after define: attribute values in single quotes (the
 * backend serialises with double quotes; libvirt reformats on define). Serialised tags hold
 * no raw `>` in attribute values, so a tag ends at its first `>`.
 */
export function asLibvirtWrites(xml: string): string {
  return xml.replace(/<[A-Za-z][^>]*>/g, (tag) =>
    tag.replace(/(\s[^\s=]+)="([^"]*)"/g, (_m, name: string, v: string) => `${name}='${v.replace(/'/g, "&apos;").replace(/&quot;/g, '"')}'`),
  );
}

/** What libvirt returns without VIR_DOMAIN_XML_SECURE: no `passwd` attributes. */
export function withoutSecrets(xml: string): string {
  return xml.replace(/ passwd='[^']*'/g, "");
}

/** The definition without a guest-agent channel. */
export function withoutAgentChannel(xml: string): string {
  return xml.replace(/\s*<channel type='unix'>\s*<target type='virtio' name='org\.qemu\.guest_agent\.0'\/>[\s\S]*?<\/channel>/, "");
}
