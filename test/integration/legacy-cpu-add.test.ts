/**
 * Legacy `cpu-add` through the real dynamic provider (check → create → diff → update → read), against a QMP
 * server replaying QEMU 2.6.2's documented replies (test/fakes/qemu-legacy.ts). QEMU ≤ 5.1 can't be fetched for
 * this Debian 12 host — buster's 3.1 is gone from the reachable mirrors and bullseye's 5.2 already removed
 * cpu-add — so the replay stands in for a real one (README "Legacy QEMU (cpu-add)"). No guest: guestAgent off.
 */
import { provider } from "../../provider/dynamic";
import type { ProviderError } from "../../provider/errors";
import { CPU_ADD_PROBE_ID } from "../../provider/backend/qemu-view";
import { LegacyQemu } from "../fakes/qemu-legacy";

type Props = Record<string, unknown>;

let qemu: LegacyQemu;
let logs: string[];
let logSpy: jest.SpyInstance;

beforeAll(async () => {
  qemu = await LegacyQemu.start({ version: [2, 6, 2], cpus: 1, maxcpus: 4, machine: "pc-i440fx-2.6", name: "legacy26" });
});
afterAll(async () => qemu.close());
beforeEach(() => {
  logs = [];
  logSpy = jest.spyOn(console, "log").mockImplementation((line: unknown) => void logs.push(String(line)));
});
afterEach(() => logSpy.mockRestore());

const spec = (over: Props = {}): Props => ({ __label: "legacy26", qmp: { socket: qemu.path }, maxVcpus: 4, vcpus: 3, guestAgent: "off", ...over });

/** cpu-add ids QEMU received, without the read's probe of the maximum. */
const cpuAdds = () => qemu.server.received.filter((c) => c.execute === "cpu-add" && c.arguments?.["id"] !== CPU_ADD_PROBE_ID).map((c) => c.arguments?.["id"]);

async function checked(news: Props, olds: Props = {}): Promise<Props> {
  const { inputs, failures } = await provider.check!(olds, news);
  expect(failures ?? []).toEqual([]);
  return inputs as Props;
}

describe("QEMU 2.6.2 over raw QMP (no query-hotpluggable-cpus): cpu-add", () => {
  let id: string;
  let outs: Props;

  test("preview of the create shows the cpu-adds and sends none", async () => {
    await checked(spec());
    expect(logs).toEqual(["VmCpu legacy26: will hot-add vCPU 1 (live)", "VmCpu legacy26: will hot-add vCPU 2 (live)"]);
    expect(cpuAdds()).toEqual([]);
  });

  test("create 1 → 3: cpu-add id=1 then id=2, read back from query-cpus", async () => {
    const t0 = Date.now();
    const created = await provider.create(await checked(spec()));
    const ms = Date.now() - t0;
    expect(ms).toBeLessThan(5000);
    ({ id } = created);
    outs = created.outs as Props;
    expect(id).toBe("2a6b1c3d-0000-4000-8000-000000000026".replace(/^/, `qmp:${qemu.path}#`));
    expect(outs).toMatchObject({ vcpus: 3, liveVcpus: 3, maxVcpus: 4, machine: "pc-i440fx-2.6", qemuVersion: "2.6.2", arch: "x86_64", agent: "off", libvirtStale: false });
    expect(cpuAdds()).toEqual([1, 2]);
    expect([...qemu.present.keys()].sort()).toEqual([0, 1, 2]);
    expect(qemu.server.received.map((c) => c.execute)).not.toContain("device_add");
  });

  test("unplug 3 → 2 is refused at preview, naming QEMU 2.6.2 and the 2.7 it needs; nothing is sent", async () => {
    const before = qemu.server.received.length;
    const news = await checked(spec({ vcpus: 2 }), outs);
    const err = (await provider.diff!(id, outs, news).catch((e: unknown) => e)) as ProviderError;
    expect(err.code).toBe("COLD_CHANGE_REFUSED");
    expect(err.message).toContain("vcpus: 3 → 2 (unplugging vCPUs (device_del) needs QEMU ≥ 2.7, this VM runs QEMU 2.6.2: before QEMU 2.7 there is only cpu-add, which can't remove a vCPU");
    const applied = (await provider.update!(id, outs, news).catch((e: unknown) => e)) as ProviderError;
    expect(applied.code).toBe("COLD_CHANGE_REFUSED");
    expect(qemu.server.received.slice(before).map((c) => c.execute)).not.toContain("device_del");
    expect([...qemu.present.keys()].sort()).toEqual([0, 1, 2]);
  });

  test("update 3 → 4: one more cpu-add; a declared topology is not compared (QEMU 2.6 can't say its -smp topology)", async () => {
    const news = await checked(spec({ vcpus: 4, topology: { sockets: 1, cores: 4, threads: 1 } }), outs);
    expect(await provider.diff!(id, outs, news)).toMatchObject({ changes: true, replaces: [] });
    outs = (await provider.update!(id, outs, news)).outs as Props;
    expect(outs).toMatchObject({ vcpus: 4, liveVcpus: 4 });
    expect(cpuAdds()).toEqual([1, 2, 3]);
  });

  test("read (refresh) returns QEMU's own view and the slots, none of them unpluggable", async () => {
    const read = await provider.read!(id, outs);
    expect(read.props).toMatchObject({ vcpus: 4, maxVcpus: 4, qemuVersion: "2.6.2" });
    const slots = read.props!["vcpuSlots"] as { id: number; enabled: boolean; hotpluggable: boolean; qomPath?: string }[];
    expect(slots.map((s) => [s.id, s.enabled, s.hotpluggable])).toEqual([[0, true, false], [1, true, false], [2, true, false], [3, true, false]]);
    expect(slots[1]!.qomPath).toBe("/machine/unattached/device[2]");
    expect(read.inputs).toMatchObject({ vcpus: 4, maxVcpus: 4 });
  });

  test("above the maximum QEMU stated: refused at preview like any change above the running maximum", async () => {
    const { failures } = await provider.check!({}, spec({ maxVcpus: 8, vcpus: 6 }));
    expect(failures).toEqual([{ property: "maxVcpus", reason: expect.stringContaining("maxVcpus: 4 → 8") }]);
  });
});

describe("QEMU 1.4.2 over raw QMP (no cpu-add)", () => {
  let old: LegacyQemu;
  beforeAll(async () => {
    old = await LegacyQemu.start({ version: [1, 4, 2], cpus: 1, maxcpus: 4, machine: "pc-i440fx-1.4" });
  });
  afterAll(async () => old.close());

  test("preview fails on the connection, naming QEMU 1.4.2 and the 1.5 it needs; create fails the same; nothing changes", async () => {
    const news = { qmp: { socket: old.path }, maxVcpus: 4, vcpus: 2, guestAgent: "off" };
    const { failures } = await provider.check!({}, news);
    expect(failures).toEqual([{ property: "qmp", reason: expect.stringMatching(/^can't manage the vCPUs of the QEMU at .*: hot-adding vCPUs \(cpu-add\) needs QEMU ≥ 1\.5, this VM runs QEMU 1\.4\.2: /) }]);
    const err = (await provider.create(news).catch((e: unknown) => e)) as ProviderError;
    expect(err.code).toBe("VERSION_TOO_OLD");
    expect([...old.present.keys()]).toEqual([0]);
  });
});
