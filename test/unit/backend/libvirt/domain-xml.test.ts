import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readDomainCpu, rewriteCpuDefinition, type CpuDefinition } from "../../../../provider/backend/libvirt/domain-xml";

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
  };
  test.each(Object.entries(variants))("%s", (_n, [from, to, pick, want]) => {
    expect(pick(readDomainCpu(fixture.replace(from, to)))).toEqual(want);
  });

  test("not a domain", () => expect(() => readDomainCpu("<network/>")).toThrow(/expected <domain>/));
  test("malformed XML", () => expect(() => readDomainCpu("<domain><vcpu>4</domain>")).toThrow(/unexpected <\/domain>/));
});

describe("rewriteCpuDefinition", () => {
  const def = (over: Partial<CpuDefinition> = {}): CpuDefinition => ({ maxVcpus: 8, vcpus: 3, topology: { sockets: 1, dies: 1, cores: 8, threads: 1 }, machine: undefined, entitySize: 1, ...over });

  test("rewrites count, maximum and topology and makes vCPUs 1..max-1 hotpluggable", () => {
    const f = readDomainCpu(rewriteCpuDefinition(fixture, def()));
    expect(f).toMatchObject({ maxVcpus: 8, currentVcpus: 3, topology: { cores: 8 }, machine: "pc-q35-7.2" });
    expect(f.vcpus.filter((v) => v.enabled).map((v) => v.id)).toEqual([0, 1, 2]);
    expect(f.vcpus.filter((v) => !v.hotpluggable).map((v) => v.id)).toEqual([0]);
  });

  test("keeps everything else byte for byte (secrets included)", () => {
    const out = rewriteCpuDefinition(fixture, def());
    const strip = (s: string) => s.replace(/<vcpu [^>]*>\d+<\/vcpu>(\s*<vcpus>[\s\S]*?<\/vcpus>)?/, "").replace(/<topology[^>]*\/>/, "");
    expect(strip(out)).toEqual(strip(fixture));
    expect(out).toContain("passwd='s3cret&amp;x'");
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

  test("current is omitted when all vCPUs are enabled", () => {
    expect(rewriteCpuDefinition(fixture, def({ vcpus: 8 }))).toContain("<vcpu placement='static'>8</vcpu>");
  });
});
