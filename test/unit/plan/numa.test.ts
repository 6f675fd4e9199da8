/**
 * NUMA placement in the pure plan (provider/plan/slots.ts, plan.ts, steps.ts, diff.ts): which slots hot-adds
 * and unplugs take under `numaPlacement` "lowest-id" (default) and "balanced", and what preview says.
 */
import { decide, describeStep, plan, type Step } from "../../../provider/plan";
import { toOutputs, VmCpuOutputs, type LiveState } from "../../../provider/spec";
import { desired, runningVm } from "../../support/live";

/** `kind:ids@node` per step (node only when the step has one). */
const shown = (steps: readonly Step[]) =>
  steps.map((s) =>
    "vcpuIds" in s ? `${s.kind}:${s.vcpuIds.join(",")}${s.node === undefined ? "" : `@${s.node}`}`
      : s.kind === "onlineInGuest" ? `online:${s.expectedOnline}`
        : s.kind === "offlineInGuest" ? `offline:${s.count}`
          : s.kind === "setConfigVcpus" ? `config:${s.vcpus}` : s.kind);

/**
 * A running x86 VM whose vCPUs sit on NUMA nodes of `perNode` vCPUs each (node = id / perNode); `plugged` lists
 * the plugged ids in plug order (vCPU 0, the boot vCPU, first).
 */
function numaVm(max: number, perNode: number, plugged: number[]): LiveState {
  const base = runningVm({ max, plugged: plugged.length });
  const slots = base.running!.slots.map((s) => {
    const order = plugged.indexOf(s.id);
    return { ...s, node: Math.floor(s.id / perNode), enabled: order >= 0, order: order >= 0 ? order + 1 : undefined };
  });
  const online = [...plugged.keys()];
  return { ...base, running: { ...base.running!, slots }, guest: { present: online, online, offlinable: online.slice(1) } };
}

interface Case {
  live: LiveState;
  want: Record<string, unknown>;
  steps: string[];
}

const cases: Record<string, Case> = {
  "lowest-id (default) 1→2 takes vCPU 1, on node 0 like the boot vCPU": {
    live: numaVm(4, 2, [0]), want: { vcpus: 2 }, steps: ["hotAdd:1@0", "online:2", "config:2"],
  },
  "balanced 1→2 takes node 1's lowest free vCPU": {
    live: numaVm(4, 2, [0]), want: { vcpus: 2, numaPlacement: "balanced" }, steps: ["hotAdd:2@1", "online:2", "config:2"],
  },
  "balanced 1→4 goes round-robin: node 1, node 0, node 1 (2+2)": {
    live: numaVm(4, 2, [0]), want: { vcpus: 4, numaPlacement: "balanced" }, steps: ["hotAdd:2@1", "hotAdd:1@0", "hotAdd:3@1", "online:4", "config:4"],
  },
  "balanced 1→5 over four nodes: every empty node first, then the lowest node": {
    live: numaVm(8, 2, [0]), want: { maxVcpus: 8, vcpus: 5, numaPlacement: "balanced" },
    steps: ["hotAdd:2@1", "hotAdd:4@2", "hotAdd:6@3", "hotAdd:1@0", "online:5", "config:5"],
  },
  "balanced 3→4 from an uneven start fills the emptier node": {
    live: numaVm(6, 3, [0, 1, 2]), want: { maxVcpus: 6, vcpus: 4, numaPlacement: "balanced" }, steps: ["hotAdd:3@1", "online:4", "config:4"],
  },
  "balanced 4→2 after balanced adds unplugs LIFO, which keeps 1+1 (guest offlines them first)": {
    live: numaVm(4, 2, [0, 2, 1, 3]), want: { vcpus: 2, numaPlacement: "balanced" }, steps: ["offline:2", "unplug:3@1", "unplug:1@0", "config:2"],
  },
  "lowest-id 3→2 from boot vCPUs 0,1,2 unplugs LIFO: vCPU 2, leaving node 1 empty": {
    live: numaVm(4, 2, [0, 1, 2]), want: { vcpus: 2 }, steps: ["offline:1", "unplug:2@1", "config:2"],
  },
  "balanced 3→2 from vCPUs 0,1,2 unplugs from the fuller node 0 (not LIFO: the eject offlines it)": {
    live: numaVm(4, 2, [0, 1, 2]), want: { vcpus: 2, numaPlacement: "balanced" }, steps: ["unplug:1@0", "config:2"],
  },
  "balanced never unplugs the boot vCPU: the other node's vCPU goes when node 0 has only vCPU 0 left": {
    live: numaVm(4, 2, [0, 2, 3]), want: { vcpus: 2, numaPlacement: "balanced" }, steps: ["offline:1", "unplug:3@1", "config:2"],
  },
  "balanced on a VM without NUMA is lowest-id": {
    live: runningVm({ plugged: 1 }), want: { vcpus: 3, numaPlacement: "balanced" }, steps: ["hotAdd:1", "hotAdd:2", "online:3", "config:3"],
  },
  "balanced without an agent plans no guest steps": {
    live: { ...numaVm(4, 2, [0]), agent: "unavailable", guest: undefined }, want: { vcpus: 3, numaPlacement: "balanced" },
    steps: ["hotAdd:2@1", "hotAdd:1@0", "config:3"],
  },
};

describe("NUMA placement in the plan", () => {
  test.each(Object.entries(cases))("%s", (_name, c) => {
    const p = plan(c.live, desired(c.want));
    expect(shown(p.steps)).toEqual(c.steps);
    expect(p.refused).toEqual([]);
  });

  test("balanced keeps the hot-add feasibility rules: a stale slot still refuses", () => {
    const live = numaVm(4, 2, [0, 2]);
    Object.assign(live.running!.slots[3]!, { libvirtEnabled: true });
    const p = plan(live, desired({ vcpus: 3, numaPlacement: "balanced" }));
    expect(p.refused.map((r) => r.field)).toEqual(["vcpus"]);
    expect(p.refused[0]!.why).toMatch(/libvirtStale/);
  });
});

describe("preview text names the node", () => {
  const steps: Record<string, [Step, string]> = {
    "hot-add on a node": [{ kind: "hotAdd", entity: 2, vcpuIds: [2], node: 1 }, "hot-add vCPU 2 on NUMA node 1 (live)"],
    "unplug on a node": [{ kind: "unplug", entity: 3, vcpuIds: [3], node: 0 }, "unplug vCPU 3 on NUMA node 0 (live, guest ejects it)"],
    "no node without NUMA": [{ kind: "hotAdd", entity: 2, vcpuIds: [2] }, "hot-add vCPU 2 (live)"],
  };
  test.each(Object.entries(steps))("%s", (_n, [step, text]) => {
    expect(describeStep(step)).toBe(text);
  });
});

describe("diff of numaPlacement", () => {
  const live = numaVm(4, 2, [0, 2]);
  const stored = (over: Record<string, unknown> = {}) => toOutputs(live, desired({ vcpus: 2, ...over }), "web01-cpu");

  test("a state written before numaPlacement existed reads as lowest-id: no diff", () => {
    const { numaPlacement: _gone, ...old } = stored();
    const olds = VmCpuOutputs.parse(old);
    expect(olds.numaPlacement).toBe("lowest-id");
    expect(decide(olds, desired({ vcpus: 2 })).changes).toBe(false);
  });

  test("changing it is a setting: an update with no VM step", () => {
    const d = decide(stored(), desired({ vcpus: 2, numaPlacement: "balanced" }));
    expect(d).toMatchObject({ changes: true, replaces: [], refusal: undefined });
    expect(d.plan.steps).toEqual([]);
    expect(d.summary.join("\n")).toMatch(/record the new numaPlacement \(only changes which free slots/);
  });

  test("preview of a balanced scale-up names each step's node", () => {
    const d = decide(stored({ numaPlacement: "balanced" }), desired({ vcpus: 4, numaPlacement: "balanced" }));
    expect(d.summary.slice(0, 2)).toEqual(["hot-add vCPU 1 on NUMA node 0 (live)", "hot-add vCPU 3 on NUMA node 1 (live)"]);
  });
});
