/**
 * The provider against real libvirtd + QEMU + a real Linux guest with qemu-guest-agent
 * (TCG). Calls the provider object the dynamic-provider host calls (check/diff/create/
 * read/update), and checks every claim independently through `virsh` and the guest.
 *
 * Under TCG, QEMU never finishes a vCPU device removal (no DEVICE_DELETED for the vCPU)
 * and a later hot-add can crash it, so the unplug scenario runs last on its VM and the VM
 * is destroyed afterwards (see ../shared/notes/test-guest.md).
 */
import { provider } from "../../provider/dynamic";
import { ApplyError, ProviderError } from "../../provider/errors";
import { accelerator, cleanupLeftovers, startTestDomain, uniqueName, virsh, type TestDomain } from "../guest/guest";

const RUN = uniqueName("qvt-prov");
const URI = "qemu:///system";
type Props = Record<string, unknown>;

/** Captures provider log lines (they go to stdout in the dynamic-provider host). */
function captureLogs(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const spy = jest.spyOn(console, "log").mockImplementation((...args: unknown[]) => void lines.push(args.join(" ")));
  return { lines, restore: () => spy.mockRestore() };
}

async function checked(news: Props, olds: Props = {}): Promise<Props> {
  const { inputs, failures } = await provider.check!(olds, news);
  expect(failures ?? []).toEqual([]);
  return inputs as Props;
}

async function vcpucount(dom: string): Promise<Record<string, number>> {
  const out = (await virsh(["vcpucount", dom])).stdout;
  const counts: Record<string, number> = {};
  for (const m of out.matchAll(/^(\w+)\s+(\w+)\s+(\d+)$/gm)) counts[`${m[1]} ${m[2]}`] = Number(m[3]);
  return counts;
}

const ms = (t0: number) => Date.now() - t0;
const timings: Record<string, number> = {};

afterAll(async () => {
  process.stdout.write(`[libvirt-provider.test] timings (ms): ${JSON.stringify(timings)}\n`);
  expect(await cleanupLeftovers(RUN)).toEqual({ domains: [], rawQemus: [] });
});

describe("one VM through its life: hot-add, no-op, refusal, persist, drift, unplug", () => {
  let vm: TestDomain;
  let outs: Props;
  let id: string;
  const spec = (over: Props = {}): Props => ({
    __label: "web-cpu", libvirt: { uri: URI, domain: vm.name }, maxVcpus: 4, vcpus: 3, guestAgent: "required", ...over,
  });

  beforeAll(async () => {
    vm = await startTestDomain({ name: `${RUN}-a`, machine: "q35", maxVcpus: 4, vcpus: 1 });
    timings["bootToAgent"] = await vm.waitForAgent(60_000);
  });
  afterAll(async () => vm.destroy());

  test("preview of the adoption (check) prints the plan, refuses a restart-needing one, and touches nothing", async () => {
    const logs = captureLogs();
    const ok = await provider.check!({}, spec()).finally(logs.restore);
    expect(ok.failures).toEqual([]);
    expect(logs.lines.join("\n")).toMatch(/VmCpu web-cpu: will hot-add vCPU 1 \(live\)\nVmCpu web-cpu: will hot-add vCPU 2 \(live\)/);
    const refused = await provider.check!({}, spec({ maxVcpus: 8 }));
    expect(refused.failures).toEqual([{ property: "maxVcpus", reason: expect.stringMatching(/maxVcpus: 4 → 8[\s\S]*Ways forward/) }]);
    expect(await vcpucount(vm.name)).toMatchObject({ "current live": 1, "maximum config": 4 });
  });

  test("create adopts the VM and hot-adds 1→3; the guest has all 3 online", async () => {
    const logs = captureLogs();
    const t0 = Date.now();
    const created = await provider.create(await checked(spec())).finally(logs.restore);
    timings["hotAdd1to3"] = ms(t0);
    id = created.id;
    outs = created.outs as Props;
    expect(id).toBe(`${URI}#${vm.uuid}`);
    expect(outs).toMatchObject({ liveVcpus: 3, configVcpus: 3, guestOnlineVcpus: 3, maxVcpus: 4, machine: "pc-q35-7.2", restartPending: false, libvirtStale: false });
    expect(await vm.guestOnlineCpus()).toEqual([0, 1, 2]);
    expect(await vcpucount(vm.name)).toMatchObject({ "current live": 3, "current config": 3 });
    expect(logs.lines.join("\n")).toMatch(/VmCpu web-cpu: hot-add vCPU 1 \(live\): done in \d+ ms/);
  });

  test("re-applying the same spec is a no-op (diff says no change; update touches nothing)", async () => {
    const news = await checked(spec(), outs);
    expect(await provider.diff!(id, outs, news)).toMatchObject({ changes: false });
    const logs = captureLogs();
    const { outs: again } = await provider.update!(id, outs, news).finally(logs.restore);
    expect(logs.lines.filter((l) => /hot-add|unplug|online/.test(l))).toEqual([]);
    expect(again).toMatchObject({ liveVcpus: 3, guestOnlineVcpus: 3 });
  });

  test("a cold change is refused at diff (preview) and at update, and nothing on the VM changes", async () => {
    const news = await checked(spec({ maxVcpus: 8, topology: { sockets: 1, cores: 8, threads: 1 } }), outs);
    await expect(provider.diff!(id, outs, news)).rejects.toThrow(/maxVcpus: 4 → 8[\s\S]*topology: 1s×4c×1t → 1s×8c×1t[\s\S]*coldChanges: "persist"/);
    const err = await provider.update!(id, outs, news).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).code).toBe("COLD_CHANGE_REFUSED");
    expect(await vcpucount(vm.name)).toMatchObject({ "maximum config": 4, "maximum live": 4, "current live": 3 });
  });

  test("bad input is rejected at check naming the field, and nothing on the VM changes", async () => {
    const { failures } = await provider.check!(outs, spec({ vcpus: 9 }));
    expect(failures).toEqual([{ property: "vcpus", reason: expect.stringMatching(/vcpus \(9\) must be between 1 and maxVcpus \(4\)/) }]);
    expect(await vcpucount(vm.name)).toMatchObject({ "current live": 3 });
  });

  test("persist writes the definition only and reports restartPending", async () => {
    const news = await checked(spec({ maxVcpus: 8, topology: { sockets: 1, cores: 8, threads: 1 }, coldChanges: "persist" }), outs);
    expect(await provider.diff!(id, outs, news)).toMatchObject({ changes: true, replaces: [] });
    outs = (await provider.update!(id, outs, news)).outs as Props;
    expect(outs).toMatchObject({ maxVcpus: 4, restartPending: true, restartPendingFields: ["maxVcpus", "topology"], config: { maxVcpus: 8, vcpus: 3 } });
    expect(await vcpucount(vm.name)).toMatchObject({ "maximum config": 8, "maximum live": 4, "current live": 3 });
    // Persisted and pending: the same spec again is no change.
    expect(await provider.diff!(id, outs, news)).toMatchObject({ changes: false });
  });

  test("an out-of-band virsh setvcpus shows up as drift in read, with the new input baseline", async () => {
    await virsh(["setvcpus", vm.name, "4", "--live"]);
    const read = await provider.read!(id, outs);
    expect(read.props).toMatchObject({ liveVcpus: 4, guestOnlineVcpus: 3, declared: { vcpus: 3 } });
    expect(read.inputs).toMatchObject({ vcpus: 4, maxVcpus: 8 });
    outs = read.props as Props;
    const news = await checked(spec({ maxVcpus: 8, topology: { sockets: 1, cores: 8, threads: 1 }, coldChanges: "persist" }), outs);
    expect(await provider.diff!(id, outs, news)).toMatchObject({ changes: true });
  });

  test("unplug 4→3 with the guest cooperating: judged by QEMU's and the guest's view", async () => {
    const news = await checked(spec({ maxVcpus: 8, topology: { sockets: 1, cores: 8, threads: 1 }, coldChanges: "persist" }), outs);
    const logs = captureLogs();
    const t0 = Date.now();
    const result = await provider.update!(id, outs, news).then((r) => r.outs as Props, (e: unknown) => e).finally(logs.restore);
    timings["unplug4to3"] = ms(t0);
    if (result instanceof ApplyError) throw new Error(`${result.message}\nlive after: ${JSON.stringify(result.live)}`);
    expect(result).toMatchObject({ liveVcpus: 3, guestOnlineVcpus: 3 });
    expect(await vm.guestPresentCpus()).toEqual([0, 1, 2]);
    // Under TCG libvirt times out (code 68) and keeps vCPU 3 in its view: said plainly, not hidden.
    // With real KVM, QEMU sends DEVICE_DELETED and libvirt agrees (not verifiable on this host).
    if (accelerator() === "qemu") {
      expect(result).toMatchObject({ libvirtStale: true });
      expect(logs.lines.join("\n")).toMatch(/libvirt reported a timeout, but QEMU confirms vCPU 3 is gone/);
      expect((result as Props)["warnings"]).toEqual([expect.stringMatching(/libvirt says vCPU 3 is plugged, QEMU says it is not plugged/)]);
    } else {
      expect(result).toMatchObject({ libvirtStale: false });
    }
  });
});

describe("guest agent absent", () => {
  let vm: TestDomain;
  beforeAll(async () => {
    vm = await startTestDomain({ name: `${RUN}-noagent`, machine: "pc", maxVcpus: 4, vcpus: 1, agent: false });
  });
  afterAll(async () => vm.destroy());

  const spec = (guestAgent: string, vcpus: number): Props => ({ libvirt: { uri: URI, domain: vm.name }, maxVcpus: 4, vcpus, guestAgent });

  test("required: fails before touching the VM", async () => {
    const err = await provider.create(await checked(spec("required", 2))).catch((e: unknown) => e);
    expect((err as ProviderError).code).toBe("PRECONDITION_FAILED");
    expect((err as Error).message).toMatch(/guestAgent is required but qemu-guest-agent is not configured for this VM; nothing was changed|nothing was changed: guestAgent is required/);
    expect(await vcpucount(vm.name)).toMatchObject({ "current live": 1 });
  });

  test("optional: hot-adds, guest count unknown", async () => {
    const { outs } = await provider.create(await checked(spec("optional", 2)));
    expect(outs).toMatchObject({ liveVcpus: 2, agent: "not-configured" });
    expect((outs as Props)["guestOnlineVcpus"]).toBeUndefined();
    expect(await vcpucount(vm.name)).toMatchObject({ "current live": 2 });
  });
});

describe("coldChanges: restart", () => {
  let vm: TestDomain;
  let outs: Props;
  let id: string;
  const spec = (over: Props = {}): Props => ({
    __label: "restart-cpu", libvirt: { uri: URI, domain: vm.name }, maxVcpus: 4, vcpus: 2, guestAgent: "required", coldChanges: "restart", ...over,
  });

  beforeAll(async () => {
    vm = await startTestDomain({ name: `${RUN}-restart`, machine: "q35", maxVcpus: 4, vcpus: 2 });
    await vm.waitForAgent(60_000);
    const created = await provider.create(await checked(spec()));
    ({ id } = created);
    outs = created.outs as Props;
  });
  afterAll(async () => vm.destroy());

  test("diff names the restart fields in replaces; apply shuts down gracefully, starts, and converges", async () => {
    const news = await checked(spec({ maxVcpus: 6, vcpus: 3, topology: { sockets: 1, cores: 6, threads: 1 } }), outs);
    expect(await provider.diff!(id, outs, news)).toMatchObject({ changes: true, replaces: ["maxVcpus", "topology"] });
    const t0 = Date.now();
    outs = (await provider.create(news)).outs as Props;
    timings["restart4to6"] = ms(t0);
    expect(outs).toMatchObject({ maxVcpus: 6, liveVcpus: 3, configVcpus: 3, guestOnlineVcpus: 3, restartPending: false, topology: { cores: 6 } });
    expect(await vcpucount(vm.name)).toMatchObject({ "maximum live": 6, "current live": 3 });
    expect(await vm.guestOnlineCpus()).toEqual([0, 1, 2]);
  });

  test("the rewritten definition made vCPUs 1..max-1 hotpluggable, so shrinking is live now", async () => {
    const slots = outs["vcpuSlots"] as { id: number; hotpluggable: boolean }[];
    expect(slots.filter((s) => !s.hotpluggable).map((s) => s.id)).toEqual([0]);
    const news = await checked(spec({ maxVcpus: 6, vcpus: 2, topology: { sockets: 1, cores: 6, threads: 1 } }), outs);
    expect(await provider.diff!(id, outs, news)).toMatchObject({ changes: true, replaces: [] });
    const after = (await provider.update!(id, outs, news)).outs as Props;
    expect(after).toMatchObject({ liveVcpus: 2, guestOnlineVcpus: 2 });
  });
});
