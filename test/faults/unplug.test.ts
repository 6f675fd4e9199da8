/**
 * Scale down, then up, on raw QEMU (issue 10, defect 1): under TCG QEMU frees an unplugged vCPU's slot but
 * never sends DEVICE_DELETED for the vCPU, and plugging a vCPU into it again made QEMU 7.2 abort
 * ("corrupted double-linked list"). The updates 1→2→3→2→3 that crashed it: the unplug is now recorded as
 * unconfirmed (outputs, with the QEMU process it holds for), and the next scale-up is refused — at preview
 * (diff from the stored state) and at apply — saying why and what to do; QEMU keeps running. Checked on
 * QEMU 7.2 and 10.0.
 */
import { provider } from "../../provider/dynamic";
import { ProviderError } from "../../provider/errors";
import { cleanupLeftovers, qemu10, rawQemu, uniqueName, type RawQemu } from "../guest/guest";

const RUN = uniqueName("qvt-fault-unplug");
type Props = Record<string, unknown>;
jest.setTimeout(240_000);

async function checked(news: Props, olds: Props = {}): Promise<Props> {
  const { inputs, failures } = await provider.check!(olds, news);
  expect(failures ?? []).toEqual([]);
  return inputs as Props;
}

afterAll(async () => {
  expect(await cleanupLeftovers(RUN)).toEqual({ domains: [], rawQemus: [] });
});

describe.each([["QEMU 7.2", false], ["QEMU 10.0", true]])("%s: 1 → 2 → 3 → 2 → 3", (_name, ten) => {
  let vm: RawQemu;
  beforeAll(async () => {
    const qemuRoot = ten ? (await qemu10())!.root : undefined;
    vm = await rawQemu({ name: uniqueName(RUN), machine: "q35", maxVcpus: 4, vcpus: 1, ...(qemuRoot ? { qemuRoot } : {}) });
    await vm.waitForAgent(60_000);
  });
  afterAll(async () => vm?.stop());

  test("the scale-up after an unconfirmed unplug is refused at preview and at apply; QEMU keeps running", async () => {
    const spec = (vcpus: number): Props => ({ __label: "raw", qmp: { socket: vm.qmpSocket, agentSocket: vm.agentSocket }, maxVcpus: 4, vcpus, guestAgent: "required" });
    const logs: string[] = [];
    const spy = jest.spyOn(console, "log").mockImplementation((...args: unknown[]) => void logs.push(args.join(" ")));
    try {
      let { id, outs } = await provider.create(await checked(spec(2)));
      for (const vcpus of [3, 2]) outs = (await provider.update!(id, outs as Props, await checked(spec(vcpus), outs as Props))).outs;
      const slots = (outs as { vcpuSlots: { id: number; unplugUnconfirmed?: boolean }[] }).vcpuSlots;
      const unconfirmed = slots.filter((s) => s.unplugUnconfirmed).map((s) => s.id);
      process.stdout.write(`[faults/unplug] ${_name}: unconfirmed unplugs ${JSON.stringify(unconfirmed)}\n`);
      expect(unconfirmed).toEqual([2]); // TCG: QEMU freed the slot, no DEVICE_DELETED for the vCPU
      expect(outs).toMatchObject({ vcpus: 2, qemuInstance: expect.stringMatching(/^thread:\d+$/) });

      // preview: Diff from the stored state refuses, naming why and what to do
      const news = await checked(spec(3), outs as Props);
      const diff = await provider.diff!(id, outs as Props, news).catch((e: unknown) => e);
      expect(diff).toBeInstanceOf(ProviderError);
      expect((diff as Error).message).toMatch(/never confirmed it \(no DEVICE_DELETED[\s\S]*until QEMU restarts; restart the VM/);
      // apply (e.g. with a stale preview): refused before touching QEMU
      const up = await provider.update!(id, outs as Props, news).catch((e: unknown) => e);
      expect(up).toMatchObject({ code: "COLD_CHANGE_REFUSED" });
      // a refresh keeps the memory; QEMU is alive and unchanged
      const read = await provider.read!(id, outs as Props);
      expect((read.props as { vcpuSlots: { id: number; unplugUnconfirmed?: boolean }[] }).vcpuSlots.filter((s) => s.unplugUnconfirmed).map((s) => s.id)).toEqual([2]);
      expect(await vm.guestPresentCpus()).toEqual([0, 1]);
      expect(vm.alive()).toBe(true);
      id = "";
    } finally {
      spy.mockRestore();
    }
    expect(logs.join("\n")).toMatch(/warning: QEMU freed vCPU 2's slot but never confirmed the unplug/);
  });
});
