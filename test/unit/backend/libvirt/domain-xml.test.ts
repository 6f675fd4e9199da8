import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DOMParser, type Element } from "@xmldom/xmldom";
import { readDomainCpu, rewriteCpuDefinition, type CpuDefinition } from "../../../../provider/backend/libvirt/domain-xml";

/**
 * One row per element, independent of the backend's reader: its path, its attributes sorted
 * by name, and its own trimmed text; parsing rejects anything that is not well-formed.
 */
function elementRows(xml: string): string[] {
  const rows: string[] = [];
  const walk = (el: Element, path: string): void => {
    const attrs = Array.from(el.attributes, (a) => `${a.name}=${a.value}`).sort();
    const own = Array.from(el.childNodes).filter((n) => n.nodeType === 3).map((n) => n.nodeValue!.trim()).join("");
    rows.push(`${path}${el.tagName}[${attrs.join(" ")}]${own}`);
    for (const c of Array.from(el.childNodes)) if (c.nodeType === 1) walk(c as Element, `${path}${el.tagName}/`);
  };
  const doc = new DOMParser({ onError: (level, msg) => { throw new Error(`${level}: ${msg}`); } }).parseFromString(xml, "text/xml");
  walk(doc.documentElement!, "");
  return rows;
}

const fixture = readFileSync(join(__dirname, "../../../fixtures/domain-q35-inactive.xml"), "utf8");

describe("readDomainCpu", () => {
  test("reads the CPU facts libvirt writes", () => {
    const f = readDomainCpu(fixture);
    expect(f).toMatchObject({
      name: "fixture-xml", uuid: "59b3d19e-19b6-45bf-8d61-7574b51fb748", virtType: "qemu", arch: "x86_64",
      machine: "pc-q35-7.2", maxVcpus: 4, currentVcpus: 2, topology: { sockets: 1, dies: 1, cores: 4, threads: 1 },
      acpi: true, agentChannel: { state: undefined },
    });
    expect(f.vcpus.map((v) => [v.id, v.enabled, v.hotpluggable])).toEqual([[0, true, false], [1, true, false], [2, false, true], [3, false, true]]);
  });

  const variants: Record<string, [string, string, (f: ReturnType<typeof readDomainCpu>) => unknown, unknown]> = {
    "no current attribute means all vCPUs": ["<vcpu placement='static' current='2'>4</vcpu>", "<vcpu placement='static'>4</vcpu>", (f) => f.currentVcpus, 4],
    "no ACPI": ["<acpi/>", "", (f) => f.acpi, false],
    "no agent channel": ["name='org.qemu.guest_agent.0'", "name='org.example.other'", (f) => f.agentChannel, undefined],
    "connected agent channel": ["name='org.qemu.guest_agent.0'/>", "name='org.qemu.guest_agent.0' state='connected'/>", (f) => f.agentChannel?.state, "connected"],
    "no topology": ["<topology sockets='1' dies='1' cores='4' threads='1'/>", "", (f) => f.topology, undefined],
    "per-vCPU list": [
      "</vcpu>", "</vcpu>\n  <vcpus><vcpu id='0' enabled='yes' hotpluggable='no' order='1'/><vcpu id='1' enabled='yes' hotpluggable='yes' order='3'/><vcpu id='2' enabled='no' hotpluggable='yes'/><vcpu id='3' enabled='yes' hotpluggable='yes' order='2'/></vcpus>",
      (f) => f.vcpus.map((v) => v.order), [1, 3, undefined, 2],
    ],
    "no <numa>: no node for any vCPU": ["</cpu>", "</cpu>", (f) => [...f.numaNodeOf], []],
    "two NUMA cells: each vCPU's node from cpus=": [
      "</cpu>", "<numa><cell id='0' cpus='0-1' memory='128' unit='MiB'/><cell id='1' cpus='2,3' memory='128' unit='MiB'/></numa></cpu>",
      (f) => [...f.numaNodeOf].sort(([a], [b]) => a - b), [[0, 0], [1, 0], [2, 1], [3, 1]],
    ],
    "cells without id count by position": [
      "</cpu>", "<numa><cell cpus='2-3' memory='64'/><cell cpus='0-1' memory='64'/></numa></cpu>",
      (f) => [0, 1, 2, 3].map((id) => f.numaNodeOf.get(id)), [1, 1, 0, 0],
    ],
  };
  test.each(Object.entries(variants))("%s", (_n, [from, to, pick, want]) => {
    expect(pick(readDomainCpu(fixture.replace(from, to)))).toEqual(want);
  });

  test("not a domain", () => expect(() => readDomainCpu("<network/>")).toThrow(/expected <domain>/));

  const readable: Record<string, [string, string]> = {
    "non-ASCII element and attribute names in <metadata>": [
      "</devices>",
      "</devices>\n  <metadata><app:données xmlns:app='http://example.org/app' clé='vérité'><app:étiquette>x</app:étiquette></app:données></metadata>",
    ],
  };
  test.each(Object.entries(readable))("reads a domain with %s", (_n, [from, to]) => {
    expect(readDomainCpu(fixture.replace(from, to))).toMatchObject({ name: "fixture-xml", maxVcpus: 4, currentVcpus: 2 });
  });

  const unreadable: Record<string, string> = {
    "a character reference beyond U+10FFFF": fixture.replace("<name>fixture-xml</name>", "<name>fixture&#x110000;</name>"),
    "two root elements": fixture + fixture.replace("fixture-xml", "other"),
  };
  test.each(Object.entries(unreadable))("%s is an XmlError", (_n, xml) => {
    expect(() => readDomainCpu(xml)).toThrow(expect.objectContaining({ name: "XmlError", code: "XML_ERROR" }));
  });
  test("a NUMA cell with a bad cpus list is a DomainXmlError naming it", () => {
    const xml = fixture.replace("</cpu>", "<numa><cell id='0' cpus='3-1' memory='64'/></numa></cpu>");
    expect(() => readDomainCpu(xml)).toThrow(expect.objectContaining({ code: "DOMAIN_XML_ERROR", message: expect.stringMatching(/<numa><cell cpus="3-1">/) }));
  });
  test("malformed XML", () => expect(() => readDomainCpu("<domain><vcpu>4</domain>")).toThrow(expect.objectContaining({ code: "XML_ERROR", level: "fatalError" })));
});

describe("rewriteCpuDefinition", () => {
  const def = (over: Partial<CpuDefinition> = {}): CpuDefinition => ({ maxVcpus: 8, vcpus: 3, topology: { sockets: 1, dies: 1, cores: 8, threads: 1 }, machine: undefined, entitySize: 1, ...over });

  test("rewrites count, maximum and topology and makes vCPUs 1..max-1 hotpluggable", () => {
    const f = readDomainCpu(rewriteCpuDefinition(fixture, def()));
    expect(f).toMatchObject({ maxVcpus: 8, currentVcpus: 3, topology: { cores: 8 }, machine: "pc-q35-7.2" });
    expect(f.vcpus.filter((v) => v.enabled).map((v) => v.id)).toEqual([0, 1, 2]);
    expect(f.vcpus.filter((v) => !v.hotpluggable).map((v) => v.id)).toEqual([0]);
  });

  test("keeps every other element, attribute and text (secrets included)", () => {
    const out = rewriteCpuDefinition(fixture, def());
    const cpuPart = /^domain\/(vcpu|vcpus|cpu\/topology)\b/;
    expect(elementRows(out).filter((r) => !cpuPart.test(r))).toEqual(elementRows(fixture).filter((r) => !cpuPart.test(r)));
    expect(elementRows(out)).toContain("domain/devices/graphics[autoport=yes passwd=s3cret&x port=-1 type=vnc]");
  });

  test("changes the machine", () => {
    expect(readDomainCpu(rewriteCpuDefinition(fixture, def({ machine: "pc-i440fx-7.2" }))).machine).toBe("pc-i440fx-7.2");
  });

  test("pseries keeps the whole first core fixed", () => {
    const f = readDomainCpu(rewriteCpuDefinition(fixture, def({ topology: { sockets: 1, cores: 4, threads: 2 }, vcpus: 4, entitySize: 2 })));
    expect(f.vcpus.filter((v) => !v.hotpluggable).map((v) => v.id)).toEqual([0, 1]);
  });

  test("drops a topology that no longer multiplies out when none is given", () => {
    expect(readDomainCpu(rewriteCpuDefinition(fixture, def({ topology: undefined }))).topology).toBeUndefined();
  });

  test("adds a topology to a <cpu> without one, and a <cpu> when there is none", () => {
    const noTopo = fixture.replace("<topology sockets='1' dies='1' cores='4' threads='1'/>", "");
    expect(readDomainCpu(rewriteCpuDefinition(noTopo, def())).topology).toMatchObject({ cores: 8 });
    const noCpu = fixture.replace(/<cpu [\s\S]*?<\/cpu>/, "");
    expect(readDomainCpu(rewriteCpuDefinition(noCpu, def())).topology).toMatchObject({ cores: 8 });
  });

  test("an attribute holding '>' survives a machine change", () => {
    const xml = fixture.replace("<type arch='x86_64' machine='pc-q35-7.2'>", "<type arch='x86_64' note='a>b' machine='pc-q35-7.2'>");
    const out = rewriteCpuDefinition(xml, def({ machine: "pc-i440fx-7.2" }));
    const type = new DOMParser().parseFromString(out, "text/xml").getElementsByTagName("type")[0];
    expect([type?.getAttribute("note"), type?.getAttribute("machine"), type?.textContent]).toEqual(["a>b", "pc-i440fx-7.2", "hvm"]);
  });

  test("current is omitted when all vCPUs are enabled", () => {
    expect(elementRows(rewriteCpuDefinition(fixture, def({ vcpus: 8 })))).toContain("domain/vcpu[placement=static]8");
  });
});
