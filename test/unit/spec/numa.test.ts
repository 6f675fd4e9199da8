/** The per-node summary of the outputs (provider/spec/numa.ts) and where it shows up in them (outputs.ts). */
import { numaNodes, toOutputs, type VcpuSlot } from "../../../provider/spec";
import { desired, runningVm } from "../../support/live";

/** 4 slots, node = id / 2, `plugged` ids enabled. */
const slots = (plugged: number[], node: (id: number) => number | undefined = (id) => Math.floor(id / 2)): VcpuSlot[] =>
  [0, 1, 2, 3].map((id) => ({ id, entity: id, enabled: plugged.includes(id), hotpluggable: id > 0, node: node(id) }));

const cases: Record<string, [VcpuSlot[], number | undefined, unknown]> = {
  "every plugged vCPU online: online per node is the plugged count": [
    slots([0, 2]), 2, [{ node: 0, possible: 2, plugged: 1, online: 1 }, { node: 1, possible: 2, plugged: 1, online: 1 }],
  ],
  "a plugged vCPU offline: online per node unknown": [
    slots([0, 1, 2]), 2, [{ node: 0, possible: 2, plugged: 2 }, { node: 1, possible: 2, plugged: 1 }],
  ],
  "no agent: online per node unknown": [slots([0, 2, 3]), undefined, [{ node: 0, possible: 2, plugged: 1 }, { node: 1, possible: 2, plugged: 2 }]],
  "a node with nothing plugged is listed": [slots([0, 1]), 2, [{ node: 0, possible: 2, plugged: 2, online: 2 }, { node: 1, possible: 2, plugged: 0, online: 0 }]],
  "no NUMA: no nodes": [slots([0, 1], () => undefined), 2, []],
};

describe("numaNodes", () => {
  test.each(Object.entries(cases))("%s", (_n, [s, online, want]) => {
    expect(numaNodes(s, online)).toEqual(want);
  });
});

describe("outputs", () => {
  test("a NUMA VM's outputs carry each slot's node, the per-node summary and the placement", () => {
    const live = runningVm({ plugged: 2 });
    live.running!.slots = slots([0, 2]).map((s) => ({ ...s, order: s.enabled ? s.id + 1 : undefined }));
    const o = toOutputs(live, desired({ vcpus: 2, numaPlacement: "balanced" }));
    expect(o.vcpuSlots.map((s) => s.node)).toEqual([0, 0, 1, 1]);
    expect(o.numaNodes).toEqual([{ node: 0, possible: 2, plugged: 1, online: 1 }, { node: 1, possible: 2, plugged: 1, online: 1 }]);
    expect(o.numaPlacement).toBe("balanced");
  });
  test("a VM without NUMA has no numaNodes output, and lowest-id by default", () => {
    const o = toOutputs(runningVm({ plugged: 2 }), desired({ vcpus: 2 }));
    expect("numaNodes" in o).toBe(false);
    expect(o.numaPlacement).toBe("lowest-id");
  });
});
