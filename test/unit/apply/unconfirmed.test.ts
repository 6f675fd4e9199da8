/** Unplugs QEMU never confirmed, laid over later reads of the same QEMU process only. */
import { execute, markUnconfirmed } from "../../../provider/apply";
import { plan } from "../../../provider/plan";
import { FakeVm } from "../../support/fake-hypervisor";
import { desired, runningVm } from "../../support/live";

const flagged = (live: ReturnType<typeof runningVm>) => live.running!.slots.filter((s) => s.unplugUnconfirmed).map((s) => s.id);

describe("markUnconfirmed", () => {
  const live = () => {
    const l = runningVm({ plugged: 2, max: 4 });
    return { ...l, instance: "thread:100" };
  };
  const cases: Record<string, { instance: string | undefined; ids: number[]; flagged: number[] }> = {
    "same QEMU process: its free slots are flagged": { instance: "thread:100", ids: [2, 3], flagged: [2, 3] },
    "another QEMU process (restarted): nothing is flagged": { instance: "thread:999", ids: [2], flagged: [] },
    "a slot plugged again since (confirmed after all): not flagged": { instance: "thread:100", ids: [1], flagged: [] },
    "unknown process (just read by this apply): flagged": { instance: undefined, ids: [3], flagged: [3] },
  };
  test.each(Object.entries(cases))("%s", (_name, c) => {
    expect(flagged(markUnconfirmed(live(), { instance: c.instance, vcpuIds: c.ids }))).toEqual(c.flagged);
  });
});

test("execute: an unplug QEMU did not confirm is reported, flagged in the state read afterwards, and blocks the next hot-add", async () => {
  const vm = new FakeVm({ plugged: 3, unplug: "timeout-removed" });
  const logs: string[] = [];
  const d = desired({ vcpus: 2 });
  const result = await execute(vm, plan(await vm.read(), d).steps, { timeouts: d.timeouts, guestAgent: d.guestAgent, label: "VmCpu t", log: (m) => logs.push(m) });
  expect(result.unconfirmed).toEqual([2]);
  expect(flagged(result.live)).toEqual([2]);
  expect(logs.join("\n")).toMatch(/warning: QEMU freed vCPU 2's slot but never confirmed the unplug/);
  expect(plan(result.live, desired({ vcpus: 3 })).refused.map((r) => r.field)).toEqual(["vcpus"]);
});
