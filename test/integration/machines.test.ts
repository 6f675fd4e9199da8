/**
 * A declared machine type the host's QEMU does not offer is refused at check (preview), with
 * what the host offers instead, and nothing on the VM changes (issue: reliability, bad inputs).
 * Real hosts: libvirt's capabilities for a paused firmware-only domain, and QEMU's own
 * `query-machines` for a raw QEMU.
 */
import { provider } from "../../provider/dynamic";
import { LibvirtClient } from "../../provider/libvirt";
import { removeDomain, startPausedDomains } from "../../bench/domains";
import { cleanupLeftovers, rawQemuFirmwareOnly, uniqueName, virsh, type RawQemuFirmwareOnly } from "../guest/guest";
import { vcpucount } from "./remote/scenario";

type Props = Record<string, unknown>;
const RUN = uniqueName("qvt-mach");
const UNKNOWN = "pc-q35-99.99";

afterAll(async () => {
  expect(await cleanupLeftovers(RUN)).toEqual({ domains: [], rawQemus: [] });
});

describe("libvirt: the host's capabilities list the machine types", () => {
  let admin: LibvirtClient;
  let name: string;
  const spec = (over: Props = {}): Props => ({ libvirt: { uri: "qemu:///system", domain: name }, maxVcpus: 4, vcpus: 2, guestAgent: "off", ...over });

  beforeAll(async () => {
    admin = await LibvirtClient.connect({ uri: "qemu:///system" });
    const [ref] = await startPausedDomains(admin, `${RUN}-`, 1, { maxVcpus: 4, vcpus: 1 });
    name = ref!.name;
  });
  afterAll(async () => {
    await removeDomain(admin, name);
    await admin.close();
  });

  const cases: [string, () => [Props, Props]][] = [
    ["adopting with an unknown version", () => [{}, spec({ machine: UNKNOWN })]],
    ["changing machine on an existing resource", () => [spec({ machine: "pc" }), spec({ machine: UNKNOWN })]],
  ];
  test.each(cases)("%s: refused on `machine`, naming what QEMU offers; the VM keeps 1 vCPU", async (_n, make) => {
    const [olds, news] = make();
    const { failures } = await provider.check!(olds, news);
    expect(failures).toEqual([{
      property: "machine",
      reason: expect.stringMatching(/^machine "pc-q35-99\.99" is not offered by QEMU [\d.]+ through libvirt \(x86_64\); aliases offered: .*q35 \(= pc-q35-[\d.]+\).*; q35 versions offered: .*pc-q35-7\.2/),
    }]);
    expect(await vcpucount(name)).toMatchObject({ "current live": 1 });
  });

  test("an offered alias passes check", async () => {
    const { failures } = await provider.check!({}, spec({ machine: "pc" }));
    expect(failures ?? []).toEqual([]);
    expect((await virsh(["domstate", name])).stdout.trim()).toBe("paused");
  });
});

describe("raw QEMU: query-machines lists the machine types", () => {
  let vm: RawQemuFirmwareOnly;
  const spec = (machine: string): Props => ({ qmp: { socket: vm.qmpSocket }, machine, maxVcpus: 4, vcpus: 2, guestAgent: "off" });
  beforeAll(async () => {
    vm = await rawQemuFirmwareOnly({ binary: "qemu-system-x86_64", machine: "q35", smp: "1,maxcpus=4,cores=4,threads=1", name: `${RUN}-qmp` });
  });
  afterAll(async () => vm.stop());

  test("an unknown version is refused on `machine` and no vCPU is plugged", async () => {
    const { failures } = await provider.check!({}, spec(UNKNOWN));
    expect(failures).toEqual([{ property: "machine", reason: expect.stringMatching(/^machine "pc-q35-99\.99" is not offered by this QEMU \(x86_64, .*\); aliases offered: .*q35 versions offered: .*pc-q35-7\.2/) }]);
    const qmp = await vm.qmp();
    try {
      const cpus = (await qmp.execute("query-hotpluggable-cpus")) as { "qom-path"?: string }[];
      expect(cpus.filter((c) => c["qom-path"]).length).toBe(1);
    } finally {
      qmp.close();
    }
  });

  test("the running machine's alias passes check", async () => {
    const { failures } = await provider.check!({}, spec("q35"));
    expect(failures ?? []).toEqual([]);
  });
});
