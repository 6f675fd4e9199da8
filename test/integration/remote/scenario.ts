/**
 * The one scenario every libvirt transport runs against a real guest (issue: remote libvirt):
 * create 1→3 with the guest onlining, a no-op diff, out-of-band drift seen by refresh, then an
 * unplug. The provider reaches the VM only through the URI under test; every claim is checked
 * independently over the local socket (`virsh`) and in the guest.
 *
 * Usage, inside a test file: `describeTransportScenario("ssh", () => uri)` where `uri` is read
 * when the tests run (after the file's beforeAll made keys, certificates or daemons).
 */
import { provider } from "../../../provider/dynamic";
import { ApplyError } from "../../../provider/errors";
import { accelerator, startTestDomain, uniqueName, virsh, type TestDomain } from "../../guest/guest";

type Props = Record<string, unknown>;

async function checked(news: Props, olds: Props = {}): Promise<Props> {
  const { inputs, failures } = await provider.check!(olds, news);
  expect(failures ?? []).toEqual([]);
  return inputs as Props;
}

/** `virsh vcpucount` over the local socket, as { "current live": n, … }. */
export async function vcpucount(dom: string): Promise<Record<string, number>> {
  const out = (await virsh(["vcpucount", dom])).stdout;
  const counts: Record<string, number> = {};
  for (const m of out.matchAll(/^(\w+)\s+(\w+)\s+(\d+)$/gm)) counts[`${m[1]} ${m[2]}`] = Number(m[3]);
  return counts;
}

/** Options of {@link describeTransportScenario}. */
export interface ScenarioOptions {
  /** Prefix of the test domain's name (unique per file). */
  run?: string;
  /** Called after each provider call that reached the VM, e.g. to count connections. */
  afterEach?: () => Promise<void> | void;
}

/** Defines the transport scenario as a `describe` block; `uri()` is the URI under test. */
export function describeTransportScenario(transport: string, uri: () => string, opts: ScenarioOptions = {}): void {
  describe(`${transport}: create 1→3 online, no-op, drift, unplug`, () => {
    let vm: TestDomain;
    let outs: Props;
    let id: string;
    const spec = (over: Props = {}): Props => ({
      __label: `${transport}-cpu`, libvirt: { uri: uri(), domain: vm.name }, maxVcpus: 4, vcpus: 3, guestAgent: "required", ...over,
    });

    beforeAll(async () => {
      vm = await startTestDomain({ name: uniqueName(opts.run ?? `qvt-${transport}`), machine: "q35", maxVcpus: 4, vcpus: 1 });
      await vm.waitForAgent(90_000);
    });
    afterAll(async () => vm?.destroy());
    if (opts.afterEach) afterEach(opts.afterEach);

    test("create hot-adds 1→3 through the transport and the guest has all 3 online", async () => {
      const created = await provider.create(await checked(spec()));
      id = created.id;
      outs = created.outs as Props;
      expect(id).toBe(`${uri()}#${vm.uuid}`);
      expect(outs).toMatchObject({ liveVcpus: 3, configVcpus: 3, guestOnlineVcpus: 3, maxVcpus: 4 });
      expect(await vcpucount(vm.name)).toMatchObject({ "current live": 3, "current config": 3 });
      expect(await vm.guestOnlineCpus()).toEqual([0, 1, 2]);
    });

    test("the same spec again: diff says no change", async () => {
      expect(await provider.diff!(id, outs, await checked(spec(), outs))).toMatchObject({ changes: false });
    });

    test("refresh sees an out-of-band virsh setvcpus as drift", async () => {
      await virsh(["setvcpus", vm.name, "4", "--live"]);
      const read = await provider.read!(id, outs);
      expect(read.props).toMatchObject({ liveVcpus: 4, declared: { vcpus: 3 } });
      expect(read.inputs).toMatchObject({ vcpus: 4 });
      outs = read.props as Props;
      expect(await provider.diff!(id, outs, await checked(spec(), outs))).toMatchObject({ changes: true });
    });

    test("unplug 4→3 through the transport: QEMU's and the guest's view agree", async () => {
      const result = await provider.update!(id, outs, await checked(spec(), outs)).then((r) => r.outs as Props, (e: unknown) => e);
      if (result instanceof ApplyError) throw new Error(`${result.message}\nlive after: ${JSON.stringify(result.live)}`);
      expect(result).toMatchObject({ liveVcpus: 3, guestOnlineVcpus: 3 });
      expect(await vm.guestPresentCpus()).toEqual([0, 1, 2]);
      // Under TCG libvirt times out waiting for DEVICE_DELETED and keeps vCPU 3 in its view.
      expect(result).toMatchObject({ libvirtStale: accelerator() === "qemu" });
    });
  });
}
