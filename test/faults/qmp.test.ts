/**
 * The same faults on the raw-QMP connection (issue 10: "for both connections where it applies"), each on a
 * fresh raw QEMU 7.2 test guest under TCG with its qemu-ga chardev, asserting the error or warning, the time it
 * took, and the state read afterwards:
 * - qemu-ga frozen in the guest: "required" refused before anything changes, then "optional" hot-adds and warns;
 * - the VM paused (QMP `stop`): "required" refused at once naming the pause and QMP's `cont`, "optional" hot-adds
 *   at once; after `cont`, a refresh + update onlines the CPUs;
 * - QEMU killed during a hot-add, and during the onlining: the step fails naming it; nothing answers on the
 *   socket afterwards, so the error says the state could not be read and to run `pulumi refresh` — never the
 *   old state as if nothing happened.
 */
import { provider } from "../../provider/dynamic";
import { ApplyError, ProviderError } from "../../provider/errors";
import { cleanupLeftovers, pollUntil, rawQemu, uniqueName, type RawQemu } from "../guest/guest";
import { captureLogs, freezeAgent } from "./helpers";

const RUN = uniqueName("qvt-fault-qmp");
type Props = Record<string, unknown>;
jest.setTimeout(240_000);

let vm: RawQemu;
const spec = (over: Props): Props => ({
  __label: "raw-fault", qmp: { socket: vm.qmpSocket, agentSocket: vm.agentSocket }, maxVcpus: 4, vcpus: 3, ...over,
});

async function checked(inputs: Props, olds: Props = {}): Promise<Props> {
  const { inputs: out, failures } = await provider.check!(olds, inputs);
  expect(failures ?? []).toEqual([]);
  return out as Props;
}

/** vCPUs QEMU has now, over a QMP connection of the test's own. */
async function qemuCpus(): Promise<number> {
  const qmp = await vm.qmp();
  try {
    return ((await qmp.execute("query-cpus-fast")) as unknown[]).length;
  } finally {
    qmp.close();
  }
}

async function qmpCommand(execute: string): Promise<void> {
  const qmp = await vm.qmp();
  try {
    await qmp.execute(execute);
  } finally {
    qmp.close();
  }
}

beforeEach(async () => {
  vm = await rawQemu({ name: uniqueName(RUN), machine: "q35", maxVcpus: 4, vcpus: 1 });
  await vm.waitForAgent(90_000);
});
afterEach(async () => vm?.stop());
afterAll(async () => {
  expect(await cleanupLeftovers(RUN)).toEqual({ domains: [], rawQemus: [] });
});

test('qemu-ga frozen: "required" refused before anything changes; "optional" hot-adds and warns that the guest was not onlined', async () => {
  await freezeAgent(vm, 1_000); // ms on the raw guest
  const logs = captureLogs();
  try {
    let t0 = Date.now();
    const err = await provider.create(await checked(spec({ guestAgent: "required", timeouts: { agentSeconds: 3 } }))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringMatching(/nothing was changed: guestAgent is required but qemu-guest-agent is not answering/) });
    expect(Date.now() - t0).toBeLessThan(3_000 + 5_000 + 5_000);
    expect(await qemuCpus()).toBe(1);

    t0 = Date.now();
    const { outs } = await provider.create(await checked(spec({ guestAgent: "optional", timeouts: { agentSeconds: 3 } })));
    expect(Date.now() - t0).toBeLessThan(25_000);
    expect(outs).toMatchObject({ liveVcpus: 3 });
    // The read already found the agent silent (bounded ping), so onlining is not tried and the warning says so.
    expect((outs as Props)["warnings"]).toEqual([expect.stringMatching(/qemu-guest-agent did not answer, so the hot-added CPUs were not onlined in the guest \(guestAgent is optional\)/)]);
    expect(outs).toMatchObject({ agent: "unavailable" });
    expect(await qemuCpus()).toBe(3);
  } finally {
    logs.restore();
  }
});

test('paused (QMP stop): "required" refused at once naming the pause and `cont`; "optional" hot-adds at once; after `cont`, refresh + update onlines them', async () => {
  await qmpCommand("stop");
  const logs = captureLogs();
  try {
    let t0 = Date.now();
    const err = await provider.create(await checked(spec({ guestAgent: "required" }))).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringMatching(/not reachable while the VM is paused: resume it \(.*QMP `cont`.*\)/) });
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(await qemuCpus()).toBe(1);

    const inputs = await checked(spec({ guestAgent: "optional" }));
    t0 = Date.now();
    const { id, outs } = await provider.create(inputs);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(outs).toMatchObject({ liveVcpus: 3, state: "paused" });
    expect((outs as Props)["warnings"]).toEqual(expect.arrayContaining([expect.stringMatching(/the VM is paused, so the hot-added CPUs were not onlined/)]));

    await qmpCommand("cont");
    await vm.waitForAgent(60_000);
    const refreshed = (await provider.read!(id, outs as Props)).props as Props;
    expect(refreshed).toMatchObject({ liveVcpus: 3, state: "running" });
    expect((await provider.diff!(id, refreshed, inputs)).changes).toBe(true);
    const { outs: after } = await provider.update!(id, refreshed, inputs);
    expect(after).toMatchObject({ liveVcpus: 3, guestOnlineVcpus: 3 });
    expect((await vm.guestOnlineCpus()).length).toBe(3);
  } finally {
    logs.restore();
  }
});

describe.each([
  ["a hot-add", /hot-add vCPU 2 .*: started$/, /hot-add vCPU 2 .*failed/],
  ["the onlining", /online CPUs in the guest .*: started$/, /online CPUs in the guest .*failed/],
])("QEMU killed during %s", (_what, trigger, failed) => {
  test("the step fails naming it; the state can't be read, so the error says so and to run `pulumi refresh`", async () => {
    let killed = false;
    const logs = captureLogs((line) => {
      if (!killed && trigger.test(line)) {
        killed = true;
        process.kill(vm.pid, "SIGKILL");
      }
    });
    const t0 = Date.now();
    const err = await provider.create(await checked(spec({ guestAgent: "required" }))).catch((e: unknown) => e);
    const ms = Date.now() - t0;
    logs.restore();
    expect(killed).toBe(true);
    expect(err).toBeInstanceOf(ApplyError);
    expect((err as Error).message).toMatch(failed);
    expect((err as Error).message).toMatch(/its state could not be read afterwards .*: run `pulumi refresh`/);
    expect((err as { properties?: unknown }).properties).toBeUndefined();
    expect(ms).toBeLessThan(15_000 + 15_000); // the step's failure, then the bounded re-read
    await pollUntil("QEMU to be gone", () => (vm.alive() ? undefined : true), { timeoutMs: 5_000 });
    // A refresh names the socket nobody answers on: the next `up` can't act on a guess.
    const read = await provider.read!(`qmp:${vm.qmpSocket}#x`, { qmp: { socket: vm.qmpSocket } }).catch((e: unknown) => e);
    expect(read).toMatchObject({ code: "CONNECTION_FAILED", message: expect.stringContaining(vm.qmpSocket) });
  });
});
