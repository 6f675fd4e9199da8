/**
 * Parity with the libvirt path on a raw QEMU (no libvirt), started by the test with
 * `-qmp unix:…` and an agent chardev, on the same test guest — against Debian 12's QEMU 7.2
 * and QEMU 10.0 from bookworm-backports (unpacked by test/guest/qemu10.sh, not installed).
 * Same scenarios: hot-add with guest onlining, idempotent re-apply, refused cold change, drift,
 * agent absent, unplug with a cooperating guest (last: under TCG a hot-add after an unplug
 * crashes QEMU 7.2).
 */
import { provider } from "../../provider/dynamic";
import type { ProviderError } from "../../provider/errors";
import { cleanupLeftovers, qemu10, rawQemu, uniqueName, type RawQemu } from "../guest/guest";

type Props = Record<string, unknown>;
const RUN = uniqueName("qvt-qmp");
const timings: Record<string, number> = {};

async function checked(news: Props, olds: Props = {}): Promise<Props> {
  const { inputs, failures } = await provider.check!(olds, news);
  expect(failures ?? []).toEqual([]);
  return inputs as Props;
}

/** Plugged vCPU count as QEMU itself reports it (fixture client, not the code under test). */
async function qemuCpuCount(vm: RawQemu): Promise<number> {
  const qmp = await vm.qmp();
  try {
    return ((await qmp.execute("query-cpus-fast")) as unknown[]).length;
  } finally {
    qmp.close();
  }
}

afterAll(async () => {
  process.stdout.write(`[qmp-provider.test] timings (ms): ${JSON.stringify(timings)}\n`);
  expect(await cleanupLeftovers(RUN)).toEqual({ domains: [], rawQemus: [] });
});

const versions: [string, () => Promise<string | undefined>][] = [
  ["QEMU 7.2 (Debian 12)", async () => undefined],
  ["QEMU 10.0 (bookworm-backports)", async () => {
    const q = await qemu10();
    if (!q) throw new Error("QEMU 10.0 could not be prepared by test/guest/qemu10.sh");
    return q.root;
  }],
];

describe.each(versions)("%s", (label, root) => {
  let vm: RawQemu;
  let outs: Props;
  let id: string;
  const key = label.split(" ").slice(0, 2).join("");
  const spec = (over: Props = {}): Props => ({
    __label: `qmp-${key}`, qmp: { socket: vm.qmpSocket, agentSocket: vm.agentSocket }, maxVcpus: 4, vcpus: 3, guestAgent: "required", ...over,
  });

  beforeAll(async () => {
    const qemuRoot = await root();
    vm = await rawQemu({ name: `${RUN}-${key}`, machine: "q35", maxVcpus: 4, vcpus: 1, ...(qemuRoot ? { qemuRoot } : {}) });
    timings[`${key}.bootToAgent`] = await vm.waitForAgent(60_000);
  });
  afterAll(async () => vm.stop());

  test("hot-add 1→3: device_add per slot, all 3 online in the guest", async () => {
    const t0 = Date.now();
    const created = await provider.create(await checked(spec()));
    timings[`${key}.hotAdd1to3`] = Date.now() - t0;
    ({ id } = created);
    outs = created.outs as Props;
    expect(outs).toMatchObject({ liveVcpus: 3, guestOnlineVcpus: 3, maxVcpus: 4, machine: expect.stringMatching(/^pc-q35-\d+\.\d+$/), restartPending: false });
    expect((outs["vcpuSlots"] as { id: number; qomPath?: string }[]).filter((s) => s.qomPath).map((s) => s.qomPath)).toEqual([
      "/machine/unattached/device[0]", "/machine/peripheral/vcpu1", "/machine/peripheral/vcpu2",
    ]);
    expect(await vm.guestOnlineCpus()).toEqual([0, 1, 2]);
    expect(await qemuCpuCount(vm)).toBe(3);
  });

  test("re-applying the same spec is a no-op", async () => {
    const news = await checked(spec(), outs);
    expect(await provider.diff!(id, outs, news)).toMatchObject({ changes: false });
  });

  test("a cold change is refused and nothing changes; persist is refused at check for QMP", async () => {
    const news = await checked(spec({ maxVcpus: 8, topology: { sockets: 1, cores: 8, threads: 1 } }), outs);
    await expect(provider.diff!(id, outs, news)).rejects.toThrow(/maxVcpus: 4 → 8/);
    const err = (await provider.update!(id, outs, news).catch((e: unknown) => e)) as ProviderError;
    expect(err.code).toBe("COLD_CHANGE_REFUSED");
    const { failures } = await provider.check!(outs, spec({ maxVcpus: 8, coldChanges: "persist" }));
    expect(failures).toEqual([{ property: "coldChanges", reason: expect.stringMatching(/raw QMP connection does not have/) }]);
    expect(await qemuCpuCount(vm)).toBe(3);
  });

  test("drift: a CPU offlined in the guest shows in read and the next update onlines it", async () => {
    await vm.agentCommand("guest-set-vcpus", { vcpus: [{ "logical-id": 2, online: false }] });
    const read = await provider.read!(id, outs);
    expect(read.props).toMatchObject({ liveVcpus: 3, guestOnlineVcpus: 2 });
    outs = read.props as Props;
    const news = await checked(spec(), outs);
    expect(await provider.diff!(id, outs, news)).toMatchObject({ changes: true });
    outs = (await provider.update!(id, outs, news)).outs as Props;
    expect(outs).toMatchObject({ guestOnlineVcpus: 3 });
    expect(await vm.guestOnlineCpus()).toEqual([0, 1, 2]);
  });

  test("unplug 3→2 with the guest cooperating: device_del, completion from QEMU's slot view", async () => {
    const news = await checked(spec({ vcpus: 2 }), outs);
    const t0 = Date.now();
    outs = (await provider.update!(id, outs, news)).outs as Props;
    timings[`${key}.unplug3to2`] = Date.now() - t0;
    expect(outs).toMatchObject({ liveVcpus: 2, guestOnlineVcpus: 2, libvirtStale: false });
    expect(await vm.guestPresentCpus()).toEqual([0, 1]);
    expect(await qemuCpuCount(vm)).toBe(2);
  });
});

describe("raw QEMU without a guest agent", () => {
  let vm: RawQemu;
  beforeAll(async () => {
    vm = await rawQemu({ name: `${RUN}-noagent`, machine: "pc", maxVcpus: 4, vcpus: 1, agent: false });
  });
  afterAll(async () => vm.stop());
  const spec = (guestAgent: string): Props => ({ qmp: { socket: vm.qmpSocket }, maxVcpus: 4, vcpus: 2, guestAgent });

  test("required fails before touching anything; optional hot-adds with the guest count unknown", async () => {
    const err = (await provider.create(await checked(spec("required"))).catch((e: unknown) => e)) as ProviderError;
    expect(err.code).toBe("PRECONDITION_FAILED");
    expect(await qemuCpuCount(vm)).toBe(1);
    const { outs } = await provider.create(await checked(spec("optional")));
    expect(outs).toMatchObject({ liveVcpus: 2, agent: "not-configured" });
    expect(await qemuCpuCount(vm)).toBe(2);
  });
});
