/**
 * Faults of the guest agent on the libvirt path, on real guests (issue 10, defects 3–5), each asserting the
 * error or warning, the time it took, and the state read afterwards:
 * - qemu-ga frozen in the guest (SIGSTOP through guest-exec) with `guestAgent: "required"`: refused before
 *   anything changes, within agentSeconds and the bounded ping;
 * - the same with `"optional"`: the hotplug and the definition happen, a warning says onlining was skipped;
 * - QEMU frozen on the host (SIGSTOP) while the guest is being onlined: that step gives up after agentSeconds
 *   (not when QEMU comes back), is skipped with a warning (optional), the definition is written, and the state is
 *   read once QEMU runs again;
 * - the VM paused: "required" refused at once naming the pause, "optional" hot-adds without waiting and a
 *   refresh + update after the resume onlines the CPUs.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { provider } from "../../provider/dynamic";
import { ProviderError } from "../../provider/errors";
import { captureLogs, freezeAgent } from "./helpers";
import { cleanupLeftovers, pollUntil, startTestDomain, uniqueName, virsh, type TestDomain } from "../guest/guest";

const RUN = uniqueName("qvt-fault-agent");
const URI = "qemu:///system";
type Props = Record<string, unknown>;
jest.setTimeout(180_000);

async function vcpucount(dom: string): Promise<Record<string, number>> {
  const out = (await virsh(["vcpucount", dom])).stdout;
  return Object.fromEntries([...out.matchAll(/^(\w+)\s+(\w+)\s+(\d+)$/gm)].map((m) => [`${m[1]} ${m[2]}`, Number(m[3])]));
}

const qemuPid = (vm: TestDomain) => Number(fs.readFileSync(`/run/libvirt/qemu/${vm.name}.pid`, "utf8").trim());

async function create(inputs: Props): Promise<{ outs: Props; ms: number }> {
  const { inputs: checked, failures } = await provider.check!({}, inputs);
  expect(failures ?? []).toEqual([]);
  const t0 = Date.now();
  const { outs } = await provider.create(checked as Props);
  return { outs: outs as Props, ms: Date.now() - t0 };
}

let vm: TestDomain;
const spec = (over: Props): Props => ({ __label: "fault-cpu", libvirt: { uri: URI, domain: vm.name }, maxVcpus: 4, vcpus: 3, ...over });

afterEach(async () => {
  await vm?.destroy();
});
afterAll(async () => {
  expect(await cleanupLeftovers(RUN)).toEqual({ domains: [], rawQemus: [] });
});

describe("qemu-ga frozen in the guest", () => {
  beforeEach(async () => {
    vm = await startTestDomain({ name: uniqueName(RUN), machine: "q35", maxVcpus: 4, vcpus: 1 });
    await vm.waitForAgent(60_000);
    await freezeAgent(vm, 1); // virsh --timeout, in seconds
  });

  test('guestAgent "required": refused before anything changes, in bounded time', async () => {
    const logs = captureLogs();
    const t0 = Date.now();
    const err = await create(spec({ guestAgent: "required", timeouts: { agentSeconds: 3 } })).catch((e: unknown) => e);
    const ms = Date.now() - t0;
    logs.restore();
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringMatching(/nothing was changed: guestAgent is required but qemu-guest-agent is not answering/) });
    expect(ms).toBeLessThan(3_000 + 5_000 + 5_000); // agentSeconds (the ping), the preview's bounded read, margin
    expect(await vcpucount(vm.name)).toMatchObject({ "current live": 1, "current config": 1 });
  });

  test('guestAgent "optional": hot-adds and writes the definition, warns that the guest was not onlined', async () => {
    const logs = captureLogs();
    const { outs, ms } = await create(spec({ guestAgent: "optional", timeouts: { agentSeconds: 3 } }));
    logs.restore();
    expect(ms).toBeLessThan(20_000);
    expect(outs).toMatchObject({ liveVcpus: 3, configVcpus: 3, agent: "unavailable" });
    // Its channel is connected, so onlining is tried — bounded by agentSeconds — and skipped with a warning.
    expect(outs["warnings"]).toEqual(expect.arrayContaining([expect.stringMatching(/online CPUs in the guest until 3 are online .* skipped after \d+ ms \(guestAgent is optional\)/)]));
    expect(logs.lines.join("\n")).toMatch(/VmCpu fault-cpu: warning: online CPUs in the guest/);
    expect(await vcpucount(vm.name)).toMatchObject({ "current live": 3, "current config": 3 });
  });
});

describe("QEMU frozen on the host while the guest is onlined", () => {
  beforeEach(async () => {
    vm = await startTestDomain({ name: uniqueName(RUN), machine: "q35", maxVcpus: 4, vcpus: 1 });
    await vm.waitForAgent(60_000);
  });

  test('the onlining step gives up after agentSeconds, is skipped (optional), the definition is written, state read after', async () => {
    const pid = qemuPid(vm);
    let frozenAt = 0;
    const logs = captureLogs((line) => {
      if (!frozenAt && /online CPUs in the guest .*: started$/.test(line)) {
        frozenAt = Date.now();
        execFileSync("kill", ["-STOP", String(pid)]);
        setTimeout(() => execFileSync("kill", ["-CONT", String(pid)]), 10_000); // frozen for 10 s, agentSeconds is 3
      }
    });
    const { outs } = await create(spec({ guestAgent: "optional", timeouts: { agentSeconds: 3 } }));
    logs.restore();
    expect(frozenAt).toBeGreaterThan(0);
    const skipped = logs.lines.find((l) => /warning: online CPUs in the guest .* skipped after (\d+) ms/.test(l));
    expect(skipped).toBeDefined();
    const stepMs = Number(/skipped after (\d+) ms/.exec(skipped!)![1]);
    expect(stepMs).toBeGreaterThanOrEqual(2_500);
    expect(stepMs).toBeLessThan(3_000 + 2_000 + 1_500); // agentSeconds + libvirt grace + margin, well before QEMU resumes
    expect(outs).toMatchObject({ liveVcpus: 3, configVcpus: 3 });
    expect(outs["warnings"]).toEqual(expect.arrayContaining([expect.stringMatching(/online CPUs in the guest until 3 are online .* skipped/)]));
    expect(await vcpucount(vm.name)).toMatchObject({ "current live": 3, "current config": 3 });
  });
});

describe("VM paused (virsh suspend): its guest runs no code, so its agent can't answer", () => {
  beforeEach(async () => {
    vm = await startTestDomain({ name: uniqueName(RUN), machine: "q35", maxVcpus: 4, vcpus: 1 });
    await vm.waitForAgent(60_000);
    await virsh(["suspend", vm.name]);
  });

  test('guestAgent "required": refused at once, saying the VM is paused and what to do; nothing changes', async () => {
    const t0 = Date.now();
    const err = await create(spec({ guestAgent: "required" })).catch((e: unknown) => e);
    const ms = Date.now() - t0;
    expect(err).toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringMatching(/nothing was changed: guestAgent is required but qemu-guest-agent is not reachable while the VM is paused: resume it \(virsh resume\)/) });
    expect(ms).toBeLessThan(5_000); // not agentSeconds (30 s): a paused VM is not waited for
    expect(await vcpucount(vm.name)).toMatchObject({ "current live": 1, "current config": 1 });
  });

  test('guestAgent "optional": hot-adds and writes the definition at once, warns; after resume, up --refresh onlines them', async () => {
    const logs = captureLogs();
    const { inputs } = await provider.check!({}, spec({ guestAgent: "optional" }));
    const t0 = Date.now();
    const { id, outs } = await provider.create(inputs as Props);
    const ms = Date.now() - t0;
    logs.restore();
    expect(ms).toBeLessThan(5_000);
    expect(outs).toMatchObject({ liveVcpus: 3, configVcpus: 3, state: "paused" });
    expect(outs["warnings"]).toEqual(expect.arrayContaining([expect.stringMatching(/the VM is paused, so the hot-added CPUs were not onlined in the guest/)]));
    expect(await vcpucount(vm.name)).toMatchObject({ "current live": 3, "current config": 3 });

    await virsh(["resume", vm.name]);
    await vm.waitForAgent(60_000);
    const refreshed = (await provider.read!(id, outs as Props)).props as Props;
    expect(refreshed).toMatchObject({ liveVcpus: 3, guestOnlineVcpus: 1 });
    expect((await provider.diff!(id, refreshed, inputs as Props)).changes).toBe(true);
    const { outs: after } = await provider.update!(id, refreshed, inputs as Props);
    expect(after).toMatchObject({ liveVcpus: 3, guestOnlineVcpus: 3 });
    expect((await vm.guestOnlineCpus()).length).toBe(3);
  });
});
