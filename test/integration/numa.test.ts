/**
 * NUMA-aware hot-add on a real guest with two NUMA nodes (2 sockets × 2 cores, a node per socket, 128 MiB each),
 * on both paths: libvirt (`<cpu><numa><cell>`) and raw QEMU (`-numa node` + `-numa cpu`). With
 * `numaPlacement: "balanced"`: preview names each step's node; 1→2 lands on node 1 (lowest-id would take node 0's
 * vCPU 1); 2→4 lands 2+2; unplug 4→2 keeps 1+1. On a second guest plugged unevenly by the default (lowest-id
 * 1→3: 2+1), a balanced 3→2 unplugs node 0's vCPU 1, not the most recent vCPU 2 (which would leave 2+0), and the
 * guest offlines it itself during the eject. Each claim is checked in the outputs, in QEMU's own slot view
 * (fixture clients) and in the guest's `/sys/devices/system/node` (read through qemu-ga). Unplugs run last on
 * their guest: under TCG a hot-add after an unplug can crash QEMU.
 */
import { provider } from "../../provider/dynamic";
import { cleanupLeftovers, rawQemu, startTestDomain, uniqueName, virsh, type GuestNode } from "../guest/guest";

type Props = Record<string, unknown>;
const RUN = uniqueName("qvt-numa");
const timings: Record<string, number> = {};

async function checked(news: Props, olds: Props = {}): Promise<Props> {
  const { inputs, failures } = await provider.check!(olds, news);
  expect(failures ?? []).toEqual([]);
  return inputs as Props;
}

/** Captures provider log lines (they go to stdout in the dynamic-provider host). */
function captureLogs(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const spy = jest.spyOn(console, "log").mockImplementation((...args: unknown[]) => void lines.push(args.join(" ")));
  return { lines, restore: () => spy.mockRestore() };
}

interface HotpluggableCpu { props: { "node-id"?: number }; "qom-path"?: string }

/** Plugged vCPUs per node in QEMU's own `query-hotpluggable-cpus` (node ids of every slot must be present). */
function pluggedPerNode(cpus: HotpluggableCpu[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const c of cpus) {
    const node = c.props["node-id"];
    if (node === undefined) throw new Error(`QEMU slot without node-id: ${JSON.stringify(c)}`);
    out[node] = (out[node] ?? 0) + (c["qom-path"] ? 1 : 0);
  }
  return out;
}

/** Per node: [CPUs the guest has on it, of which online]. */
const guestCounts = (nodes: Record<number, GuestNode>) =>
  Object.fromEntries(Object.entries(nodes).map(([n, v]) => [n, [v.cpus.length, v.online.length]]));

/** One test guest with two NUMA nodes, through one path. */
interface NumaVm {
  connection: Props;
  qemuSlots(): Promise<HotpluggableCpu[]>;
  guestNumaNodes(): Promise<Record<number, GuestNode>>;
  stop(): Promise<void>;
}

const BOOT = { maxVcpus: 4, vcpus: 1, topology: { sockets: 2, cores: 2, threads: 1 }, numaNodes: 2 };

type Boot = (suffix: string) => Promise<NumaVm>;

const paths: [string, Boot][] = [
  ["libvirt (<numa><cell>)", async (suffix) => {
    const vm = await startTestDomain({ name: `${RUN}-lv${suffix}`, machine: "pc", ...BOOT });
    timings[`libvirt${suffix}.bootToAgent`] = await vm.waitForAgent(120_000);
    expect(vm.xml).toMatch(/<cell id='0' cpus='0-1' memory='128' unit='MiB'\/>\s*<cell id='1' cpus='2-3' memory='128' unit='MiB'\/>/);
    return {
      connection: { libvirt: { uri: "qemu:///system", domain: vm.name } },
      qemuSlots: async () =>
        (JSON.parse((await virsh(["qemu-monitor-command", vm.name, '{"execute":"query-hotpluggable-cpus"}'])).stdout) as { return: HotpluggableCpu[] }).return,
      guestNumaNodes: () => vm.guestNumaNodes(),
      stop: () => vm.destroy(),
    };
  }],
  ["raw QMP (-numa node, -numa cpu)", async (suffix) => {
    const vm = await rawQemu({ name: `${RUN}-raw${suffix}`, machine: "pc", ...BOOT });
    timings[`raw${suffix}.bootToAgent`] = await vm.waitForAgent(120_000);
    return {
      connection: { qmp: { socket: vm.qmpSocket, agentSocket: vm.agentSocket } },
      qemuSlots: async () => {
        const qmp = await vm.qmp();
        try {
          return (await qmp.execute("query-hotpluggable-cpus")) as HotpluggableCpu[];
        } finally {
          qmp.close();
        }
      },
      guestNumaNodes: () => vm.guestNumaNodes(),
      stop: () => vm.stop(),
    };
  }],
];

afterAll(async () => {
  process.stdout.write(`[numa.test] timings (ms): ${JSON.stringify(timings)}\n`);
  expect(await cleanupLeftovers(RUN)).toEqual({ domains: [], rawQemus: [] });
});

describe.each(paths)("%s", (label, boot) => {
  const key = label.split(" ")[0]!;
  let vm: NumaVm;
  let outs: Props;
  let id: string;
  const spec = (over: Props = {}): Props => ({
    __label: `numa-${key}`, ...vm.connection, maxVcpus: 4, vcpus: 2, guestAgent: "required", numaPlacement: "balanced", ...over,
  });

  beforeAll(async () => {
    vm = await boot("");
  }, 180_000);
  afterAll(async () => vm?.stop());

  test("the guest has two NUMA nodes, QEMU knows each slot's node, vCPU 0 on node 0", async () => {
    expect(pluggedPerNode(await vm.qemuSlots())).toEqual({ 0: 1, 1: 0 });
    expect(guestCounts(await vm.guestNumaNodes())).toEqual({ 0: [1, 1], 1: [0, 0] });
  });

  test("preview of 1→4 balanced names each step's node: node 1, node 0, node 1; nothing changes", async () => {
    const logs = captureLogs();
    const res = await provider.check!({}, spec({ vcpus: 4 })).finally(logs.restore);
    expect(res.failures).toEqual([]);
    expect(logs.lines.filter((l) => /will hot-add/.test(l))).toEqual([
      `VmCpu numa-${key}: will hot-add vCPU 2 on NUMA node 1 (live)`,
      `VmCpu numa-${key}: will hot-add vCPU 1 on NUMA node 0 (live)`,
      `VmCpu numa-${key}: will hot-add vCPU 3 on NUMA node 1 (live)`,
    ]);
    expect(pluggedPerNode(await vm.qemuSlots())).toEqual({ 0: 1, 1: 0 });
  });

  test("create 1→2 balanced plugs vCPU 2 on node 1 (lowest-id would take vCPU 1 on node 0): 1+1", async () => {
    const t0 = Date.now();
    const created = await provider.create(await checked(spec()));
    timings[`${key}.balanced1to2`] = Date.now() - t0;
    ({ id } = created);
    outs = created.outs as Props;
    expect(outs).toMatchObject({
      liveVcpus: 2, guestOnlineVcpus: 2, numaPlacement: "balanced",
      numaNodes: [{ node: 0, possible: 2, plugged: 1, online: 1 }, { node: 1, possible: 2, plugged: 1, online: 1 }],
    });
    const slots = outs["vcpuSlots"] as { id: number; enabled: boolean; node?: number }[];
    expect(slots.map((s) => [s.id, s.node, s.enabled])).toEqual([[0, 0, true], [1, 0, false], [2, 1, true], [3, 1, false]]);
    expect(pluggedPerNode(await vm.qemuSlots())).toEqual({ 0: 1, 1: 1 });
    expect(guestCounts(await vm.guestNumaNodes())).toEqual({ 0: [1, 1], 1: [1, 1] });
  });

  test("2→4 balanced lands 2+2, and the guest's /sys/devices/system/node agrees", async () => {
    const news = await checked(spec({ vcpus: 4 }), outs);
    const t0 = Date.now();
    outs = (await provider.update!(id, outs, news)).outs as Props;
    timings[`${key}.balanced2to4`] = Date.now() - t0;
    expect(outs).toMatchObject({
      liveVcpus: 4, guestOnlineVcpus: 4,
      numaNodes: [{ node: 0, possible: 2, plugged: 2, online: 2 }, { node: 1, possible: 2, plugged: 2, online: 2 }],
    });
    expect(pluggedPerNode(await vm.qemuSlots())).toEqual({ 0: 2, 1: 2 });
    expect(guestCounts(await vm.guestNumaNodes())).toEqual({ 0: [2, 2], 1: [2, 2] });
  });

  test("unplug 4→2 balanced takes one vCPU from each node: 1+1 in QEMU, the outputs and the guest", async () => {
    const news = await checked(spec({ vcpus: 2 }), outs);
    const diff = await provider.diff!(id, outs, news);
    expect(diff).toMatchObject({ changes: true });
    const t0 = Date.now();
    outs = (await provider.update!(id, outs, news)).outs as Props;
    timings[`${key}.balancedUnplug4to2`] = Date.now() - t0;
    expect(outs).toMatchObject({
      liveVcpus: 2,
      numaNodes: [{ node: 0, possible: 2, plugged: 1 }, { node: 1, possible: 2, plugged: 1 }],
    });
    const slots = outs["vcpuSlots"] as { id: number; enabled: boolean }[];
    expect(slots.filter((s) => s.enabled).map((s) => s.id)).toEqual([0, 2]);
    expect(pluggedPerNode(await vm.qemuSlots())).toEqual({ 0: 1, 1: 1 });
    expect(guestCounts(await vm.guestNumaNodes())).toEqual({ 0: [1, 1], 1: [1, 1] });
  }, 120_000);
});

describe.each(paths)("%s, plugged unevenly by the default", (label, boot) => {
  const key = label.split(" ")[0]!;
  let vm: NumaVm;
  let outs: Props;
  let id: string;
  const spec = (over: Props = {}): Props => ({ __label: `numa-${key}-b`, ...vm.connection, maxVcpus: 4, vcpus: 3, guestAgent: "required", ...over });

  beforeAll(async () => {
    vm = await boot("-b");
  }, 180_000);
  afterAll(async () => vm?.stop());

  test("create 1→3 with the default (lowest-id) plugs vCPUs 1 and 2: node 0 gets 2, node 1 gets 1", async () => {
    const t0 = Date.now();
    const created = await provider.create(await checked(spec()));
    timings[`${key}.lowestId1to3`] = Date.now() - t0;
    ({ id } = created);
    outs = created.outs as Props;
    expect(outs).toMatchObject({
      liveVcpus: 3, guestOnlineVcpus: 3, numaPlacement: "lowest-id",
      numaNodes: [{ node: 0, possible: 2, plugged: 2, online: 2 }, { node: 1, possible: 2, plugged: 1, online: 1 }],
    });
    expect(pluggedPerNode(await vm.qemuSlots())).toEqual({ 0: 2, 1: 1 });
    expect(guestCounts(await vm.guestNumaNodes())).toEqual({ 0: [2, 2], 1: [1, 1] });
  });

  test("balanced 3→2 unplugs node 0's vCPU 1 (not the most recent, vCPU 2); the guest offlines it during the eject: 1+1", async () => {
    const news = await checked(spec({ vcpus: 2, numaPlacement: "balanced" }), outs);
    const logs = captureLogs();
    const t0 = Date.now();
    try {
      const diff = await provider.diff!(id, outs, news);
      expect(diff).toMatchObject({ changes: true });
      outs = (await provider.update!(id, outs, news)).outs as Props;
    } finally {
      logs.restore();
    }
    timings[`${key}.balancedUnplug3to2`] = Date.now() - t0;
    const planned = logs.lines.filter((l) => / will /.test(l));
    expect(planned).toEqual(expect.arrayContaining([`VmCpu numa-${key}-b: will unplug vCPU 1 on NUMA node 0 (live, guest ejects it)`]));
    expect(planned.filter((l) => /offline/.test(l))).toEqual([]);
    expect(outs).toMatchObject({
      liveVcpus: 2, guestOnlineVcpus: 2, numaPlacement: "balanced",
      numaNodes: [{ node: 0, possible: 2, plugged: 1, online: 1 }, { node: 1, possible: 2, plugged: 1, online: 1 }],
    });
    expect((outs["vcpuSlots"] as { id: number; enabled: boolean }[]).filter((s) => s.enabled).map((s) => s.id)).toEqual([0, 2]);
    expect(pluggedPerNode(await vm.qemuSlots())).toEqual({ 0: 1, 1: 1 });
    expect(guestCounts(await vm.guestNumaNodes())).toEqual({ 0: [1, 1], 1: [1, 1] });
  }, 120_000);
});
