import { plan, type Step } from "../../../provider/plan";
import type { LiveState } from "../../../provider/spec";
import { desired, pseriesSlots, runningVm } from "../../support/live";

const kinds = (steps: readonly Step[]) =>
  steps.map((s) => ("vcpuIds" in s ? `${s.kind}:${s.vcpuIds.join(",")}` : s.kind === "onlineInGuest" ? `online:${s.expectedOnline}` : s.kind === "offlineInGuest" ? `offline:${s.count}` : s.kind === "setConfigVcpus" ? `config:${s.vcpus}` : s.kind));

interface Case {
  live: LiveState;
  want: Record<string, unknown>;
  steps: string[];
  refused?: string[];
  blockers?: RegExp;
  pendingAfter?: string[];
}

const pseries = (plugged: number): LiveState => {
  const base = runningVm({ max: 8, plugged: plugged * 2, machine: "pseries-7.2" });
  const topology = { sockets: 1, dies: 1, cores: 4, threads: 2 };
  return { ...base, arch: "ppc64", running: { ...base.running!, topology, slots: pseriesSlots(4, 2, plugged) }, config: { ...base.config!, topology } };
};

const cases: Record<string, Case> = {
  "no change is no step": { live: runningVm({ plugged: 2 }), want: { vcpus: 2 }, steps: [] },
  "scale up 1→3 hot-adds lowest free ids one at a time, then onlines, then writes config": {
    live: runningVm({ plugged: 1 }), want: { vcpus: 3 }, steps: ["hotAdd:1", "hotAdd:2", "online:3", "config:3"],
  },
  "scale up without agent skips guest onlining": {
    live: { ...runningVm({ plugged: 1 }), agent: "unavailable", guest: undefined }, want: { vcpus: 2 }, steps: ["hotAdd:1", "config:2"],
  },
  "guestAgent off never plans guest steps": {
    live: runningVm({ plugged: 1 }), want: { vcpus: 2, guestAgent: "off" }, steps: ["hotAdd:1", "config:2"],
  },
  "scale down unplugs LIFO by order after offlining in the guest": {
    live: runningVm({ plugged: 4 }), want: { vcpus: 2 }, steps: ["offline:2", "unplug:3", "unplug:2", "config:2"],
  },
  "lowest free id first fills a hole": {
    live: (() => { const l = runningVm({ plugged: 4 }); l.running!.slots[1]!.enabled = false; l.running!.vcpus = 3; l.config!.vcpus = 3; return l; })(),
    want: { vcpus: 4 }, steps: ["hotAdd:1", "online:4", "config:4"],
  },
  "plugged but offline in the guest gets onlined": {
    live: { ...runningVm({ plugged: 3 }), guest: { present: [0, 1, 2], online: [0], offlinable: [1, 2] } },
    want: { vcpus: 3 }, steps: ["online:3"],
  },
  "config drift only rewrites the count": {
    live: { ...runningVm({ plugged: 2 }), config: { ...runningVm().config!, vcpus: 4 } }, want: { vcpus: 2 }, steps: ["config:2"],
  },
  "maxVcpus change refused by default": {
    live: runningVm({ plugged: 2 }), want: { maxVcpus: 8, vcpus: 2 }, steps: [], refused: ["maxVcpus"],
  },
  "topology change refused by default": {
    live: runningVm({ plugged: 2 }), want: { vcpus: 2, topology: { sockets: 2, cores: 2, threads: 1 } }, steps: [], refused: ["topology"],
  },
  "machine alias matching the live type is no change": { live: runningVm({ plugged: 2 }), want: { vcpus: 2, machine: "q35" }, steps: [] },
  "machine family change is refused": { live: runningVm({ plugged: 2 }), want: { vcpus: 2, machine: "pc" }, steps: [], refused: ["machine"] },
  "persist writes the definition and keeps live changes live": {
    live: runningVm({ plugged: 2 }), want: { maxVcpus: 8, vcpus: 3, coldChanges: "persist" },
    steps: ["hotAdd:2", "online:3", "defineConfig"], pendingAfter: ["maxVcpus"],
  },
  "restart rewrites the definition, restarts and waits for the agent": {
    live: runningVm({ plugged: 2 }), want: { maxVcpus: 8, vcpus: 6, coldChanges: "restart" },
    steps: ["defineConfig", "restart", "waitForAgent", "online:6"],
  },
  "already persisted cold change is pending, not refused": {
    live: { ...runningVm({ plugged: 2 }), config: { ...runningVm().config!, maxVcpus: 8, topology: { sockets: 1, dies: 1, cores: 8, threads: 1 }, vcpus: 2 } },
    want: { maxVcpus: 8, vcpus: 2 }, steps: [],
  },
  "boot vCPUs can't be unplugged: restart-needing, refused": {
    live: runningVm({ plugged: 4, boot: 4 }), want: { vcpus: 2 }, steps: [], refused: ["vcpus"],
  },
  "vcpus above the running maximum is restart-needing": {
    live: runningVm({ plugged: 2 }), want: { maxVcpus: 8, vcpus: 6, coldChanges: "refuse" }, steps: [], refused: ["maxVcpus", "vcpus"],
  },
  "no ACPI blocks x86 unplug": { live: { ...runningVm({ plugged: 3 }), acpi: false }, want: { vcpus: 2 }, steps: [], refused: ["vcpus"] },
  "required agent that does not answer blocks": {
    live: { ...runningVm({ plugged: 1 }), agent: "unavailable", guest: undefined }, want: { vcpus: 2, guestAgent: "required" },
    steps: ["hotAdd:1", "config:2"], blockers: /guestAgent is required/,
  },
  "required agent, paused libvirt VM: says to resume it with virsh": {
    live: { ...runningVm({ plugged: 1 }), state: "paused", agent: "unavailable", guest: undefined }, want: { vcpus: 2, guestAgent: "required" },
    steps: ["hotAdd:1", "config:2"], blockers: /not reachable while the VM is paused: resume it \(virsh resume\)/,
  },
  "required agent, paused raw QEMU: says to resume it with QMP cont": {
    live: { ...runningVm({ plugged: 1 }), backend: "qmp", state: "paused", agent: "unavailable", guest: undefined }, want: { vcpus: 2, guestAgent: "required" },
    steps: ["hotAdd:1", "config:2"], blockers: /not reachable while the VM is paused: resume it \(QMP `cont`\)/,
  },
  "stopped VM: cold change is just a definition rewrite": {
    live: { ...runningVm({ plugged: 2 }), state: "shutoff", running: undefined, guest: undefined },
    want: { maxVcpus: 8, vcpus: 4 }, steps: ["defineConfig"],
  },
  "stopped transient VM is a blocker": {
    live: { ...runningVm(), state: "shutoff", running: undefined, config: undefined }, want: { vcpus: 2 }, steps: [], blockers: /no persistent definition/,
  },
  "transient VM with persist is a blocker": {
    live: { ...runningVm({ plugged: 2 }), config: undefined }, want: { maxVcpus: 8, vcpus: 2, coldChanges: "persist" }, steps: [], blockers: /transient/,
  },
  "after an unplug libvirt timed out (libvirt stale), a hot-add is refused until a restart": {
    live: (() => { const l = runningVm({ plugged: 3 }); Object.assign(l.running!.slots[2]!, { enabled: false, libvirtEnabled: true }); l.running!.vcpus = 2; l.config!.vcpus = 2; return l; })(),
    want: { vcpus: 3 }, steps: [], refused: ["vcpus"],
  },
  "libvirt stale: the same hot-add with coldChanges restart restarts instead": {
    live: (() => { const l = runningVm({ plugged: 3 }); Object.assign(l.running!.slots[2]!, { enabled: false, libvirtEnabled: true }); l.running!.vcpus = 2; l.config!.vcpus = 2; return l; })(),
    want: { vcpus: 3, coldChanges: "restart" }, steps: ["defineConfig", "restart", "waitForAgent", "online:3"],
  },
  "libvirt stale does not stop a scale-down": {
    live: (() => { const l = runningVm({ plugged: 4 }); Object.assign(l.running!.slots[3]!, { enabled: false, libvirtEnabled: true }); l.running!.vcpus = 3; l.config!.vcpus = 3; return l; })(),
    want: { vcpus: 2 }, steps: ["offline:1", "unplug:2", "config:2"],
  },
  "after an unplug QEMU never confirmed (no DEVICE_DELETED), a hot-add is refused until QEMU restarts": {
    live: (() => { const l = runningVm({ plugged: 3 }); Object.assign(l.running!.slots[2]!, { enabled: false, unplugUnconfirmed: true }); l.running!.vcpus = 2; l.config!.vcpus = 2; return l; })(),
    want: { vcpus: 3 }, steps: [], refused: ["vcpus"],
  },
  "pseries hot-adds whole cores": {
    live: pseries(1), want: { maxVcpus: 8, vcpus: 6, machine: "pseries", topology: { sockets: 1, cores: 4, threads: 2 } }, steps: ["hotAdd:2,3", "hotAdd:4,5", "online:6", "config:6"],
  },
  "pseries unplugs whole cores LIFO": {
    live: pseries(3), want: { maxVcpus: 8, vcpus: 2, machine: "pseries", topology: { sockets: 1, cores: 4, threads: 2 } }, steps: ["offline:4", "unplug:4,5", "unplug:2,3", "config:2"],
  },
};

describe("plan", () => {
  test.each(Object.entries(cases))("%s", (_name, c) => {
    const p = plan(c.live, desired(c.want));
    expect(kinds(p.steps)).toEqual(c.steps);
    expect(p.refused.map((r) => r.field)).toEqual(c.refused ?? []);
    if (c.blockers) expect(p.blockers.join("\n")).toMatch(c.blockers);
    else expect(p.blockers).toEqual([]);
    if (c.pendingAfter) expect(p.restartPendingAfter).toEqual(c.pendingAfter);
  });

  test("same inputs always give the same plan", () => {
    const live = runningVm({ plugged: 1, max: 8 });
    const want = desired({ maxVcpus: 8, vcpus: 5 });
    expect(plan(live, want)).toEqual(plan(structuredClone(live), want));
  });
});
