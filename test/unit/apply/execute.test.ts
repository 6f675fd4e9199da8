import { execute } from "../../../provider/apply";
import { ApplyError } from "../../../provider/errors";
import { plan } from "../../../provider/plan";
import { desired } from "../../support/live";
import { FakeVm, type FakeVmOptions } from "../../support/fake-hypervisor";

async function run(vm: FakeVm, want: Record<string, unknown>) {
  const d = desired(want);
  const logs: string[] = [];
  const p = plan(await vm.read(), d);
  vm.calls.length = 0;
  const result = await execute(vm, p.steps, { timeouts: d.timeouts, guestAgent: d.guestAgent, label: "VmCpu t", log: (m) => logs.push(m) });
  return { result, logs };
}

interface Failing { vm: FakeVmOptions; want: Record<string, unknown>; code: string; message: RegExp; calls: string[]; liveVcpus: number }

const failing: Record<string, Failing> = {
  "a CPU that never comes up in the guest (agent required): tried until agentSeconds, named, state read afterwards": {
    vm: { plugged: 1, failsOnline: [2] }, want: { vcpus: 3, guestAgent: "required", timeouts: { agentSeconds: 1 } }, code: "GUEST_ONLINE_INCOMPLETE",
    message: /CPU\(s\) 2 did not come online in the guest before the agent timeout \(tried \d+ time/, calls: [], liveVcpus: 3,
  },
  "unplug never confirmed: stop, report QEMU's view": {
    vm: { plugged: 3, unplug: "stuck" }, want: { vcpus: 2 }, code: "UNPLUG_NOT_CONFIRMED",
    message: /unplug of vCPU 2 not confirmed within 30 s: QEMU still lists it/, calls: ["guest-set:2-", "unplug:2", "read"], liveVcpus: 3,
  },
  "guest refuses to offline: nothing is unplugged": {
    vm: { plugged: 3, pinned: [2] }, want: { vcpus: 2 }, code: "GUEST_OFFLINE_REFUSED",
    message: /can't offline CPU\(s\) 2 \(can-offline is false/, calls: ["read"], liveVcpus: 3,
  },
};

describe("execute", () => {
  test("hot-add 1→3: one entity at a time, then one onlining call, then the definition", async () => {
    const vm = new FakeVm({ plugged: 1 });
    const { result, logs } = await run(vm, { vcpus: 3 });
    expect(vm.calls.filter((c) => c !== "read")).toEqual(["hotAdd:1", "hotAdd:2", "guest-set:1+,2+", "config:3"]);
    expect(result.live.guest?.online).toEqual([0, 1, 2]);
    expect(result.timings.map((t) => t.step.kind)).toEqual(["hotAdd", "hotAdd", "onlineInGuest", "setConfigVcpus"]);
    expect(logs[0]).toBe("VmCpu t: hot-add vCPU 1 (live): started");
    expect(logs[1]).toMatch(/^VmCpu t: hot-add vCPU 1 \(live\): done in \d+ ms$/);
  });

  test("unplug 3→2: offline in the guest first, then unplug the most recent", async () => {
    const vm = new FakeVm({ plugged: 3 });
    await run(vm, { vcpus: 2 });
    expect(vm.calls.filter((c) => c !== "read")).toEqual(["guest-set:2-", "unplug:2", "config:2"]);
  });

  test("unplug of a CPU already offline in the guest offlines nothing else", async () => {
    const vm = new FakeVm({ plugged: 4, offline: [3] });
    const { result } = await run(vm, { vcpus: 3 });
    expect(vm.calls.filter((c) => c !== "read")).toEqual(["unplug:3", "config:3"]);
    expect(result.live.guest?.online).toEqual([0, 1, 2]);
  });

  test("libvirt timeout with QEMU confirming the removal is a success, said plainly", async () => {
    const vm = new FakeVm({ plugged: 3, unplug: "timeout-removed" });
    const { logs, result } = await run(vm, { vcpus: 2 });
    expect(result.live.running?.vcpus).toBe(2);
    expect(logs.join("\n")).toMatch(/libvirt reported a timeout, but QEMU confirms vCPU 2 is gone/);
  });

  test("a guest that onlines one CPU per call: the rest is tried again, read back until all are online", async () => {
    const vm = new FakeVm({ plugged: 1, guestApplyLimit: 1 });
    const { result } = await run(vm, { vcpus: 3 });
    expect(vm.calls.filter((c) => c !== "read")).toEqual(["hotAdd:1", "hotAdd:2", "guest-set:1+,2+", "guest-set:2+", "config:3"]);
    expect(result.live.guest?.online).toEqual([0, 1, 2]);
    expect(result.warnings).toEqual([]);
  });

  test("guestAgent optional: a guest step that fails is skipped with a warning; the hotplug and the definition still happen", async () => {
    const vm = new FakeVm({ plugged: 1, failsOnline: [2] });
    const { result, logs } = await run(vm, { vcpus: 3, timeouts: { agentSeconds: 1 } });
    expect(vm.calls.filter((c) => c !== "read" && c !== "guest-set:2+")).toEqual(["hotAdd:1", "hotAdd:2", "guest-set:1+,2+", "config:3"]);
    expect(result.warnings).toEqual([expect.stringMatching(/^online CPUs in the guest until 3 are online .* skipped after \d+ ms \(guestAgent is optional\): .*CPU\(s\) 2 did not come online/)]);
    expect(logs.join("\n")).toMatch(/VmCpu t: warning: online CPUs in the guest/);
    expect(result.live.running?.vcpus).toBe(3);
  });

  test.each(Object.entries(failing))("%s", async (_n, c) => {
    const vm = new FakeVm(c.vm);
    const err = await run(vm, c.want).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyError);
    const e = err as ApplyError;
    expect(e.code).toBe(c.code);
    expect(e.message).toMatch(c.message);
    expect(e.live?.running?.vcpus).toBe(c.liveVcpus);
    if (c.calls.length) expect(vm.calls).toEqual(c.calls);
    expect(vm.calls.some((x) => x.startsWith("unplug")) && c.code === "GUEST_OFFLINE_REFUSED").toBe(false);
  });
});
