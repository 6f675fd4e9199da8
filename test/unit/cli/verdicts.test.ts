import { judge, judgeInvalid, type DriftRow } from "../../../provider/cli/drift/judge";
import type { ReadOutcome } from "../../../provider/cli/drift/read";
import type { DriftTarget } from "../../../provider/cli/drift/target";
import { VERDICTS, exitCodeOf, type Verdict } from "../../../provider/cli/drift/verdicts";
import { CliError } from "../../../provider/cli/errors";
import type { LiveState } from "../../../provider/spec";
import { desired, runningVm } from "../../support/live";

const target = (spec: Record<string, unknown> = {}): DriftTarget => ({ name: "web01-cpu", desired: desired({ vcpus: 2, ...spec }), notes: [] });
const live = (l: LiveState): ReadOutcome => ({ kind: "live", live: l });

/** runningVm with some plugged vCPUs offline in the guest. */
const offlineInGuest = (plugged: number, online: number[]): LiveState => {
  const l = runningVm({ plugged });
  return { ...l, guest: { present: l.guest!.present, online, offlinable: l.guest!.offlinable } };
};
const withConfig = (l: LiveState, over: Partial<NonNullable<LiveState["config"]>>): LiveState => ({ ...l, config: { ...l.config!, ...over } });
const stopped = (l: LiveState): LiveState => ({ ...l, state: "shutoff", running: undefined, guest: undefined, agent: "unavailable" });
/** runningVm whose slots sit on two NUMA nodes (ids 0-1 on node 0, 2-3 on node 1). */
const onTwoNodes = (l: LiveState): LiveState => ({ ...l, running: { ...l.running!, slots: l.running!.slots.map((s, i) => ({ ...s, node: i < 2 ? 0 : 1 })) } });
const cores8 = { sockets: 1, dies: 1, cores: 8, threads: 1 };

interface Case {
  target?: DriftTarget;
  outcome: ReadOutcome;
  expect: Partial<Omit<DriftRow, "details">> & { details?: (string | RegExp)[] };
}

const cases: Record<string, Case> = {
  "declared, definition, QEMU and guest agree: in-sync": {
    outcome: live(runningVm({ plugged: 2 })),
    expect: { verdict: "in-sync", kinds: [], declared: { vcpus: 2, maxVcpus: 4 }, config: { vcpus: 2, maxVcpus: 4 }, live: { vcpus: 2, maxVcpus: 4, libvirtVcpus: 2 }, guestOnline: 2, restartPending: false, libvirtStale: false, details: [] },
  },
  "an extra vCPU hot-added out of band: drift live-vcpus": {
    outcome: live(withConfig(runningVm({ plugged: 3 }), { vcpus: 2 })),
    expect: { verdict: "drift", kinds: ["live-vcpus"], live: { vcpus: 3, maxVcpus: 4, libvirtVcpus: 3 }, config: { vcpus: 2, maxVcpus: 4 }, details: ["QEMU has 3 vCPUs plugged, 2 declared"] },
  },
  "a CPU offlined in the guest: drift guest-offline, naming the guest CPU": {
    target: target({ vcpus: 3 }),
    outcome: live(offlineInGuest(3, [0, 1])),
    expect: { verdict: "drift", kinds: ["guest-offline"], guestOnline: 2, details: ["1 of 3 vCPUs plugged is offline in the guest (guest CPU 2)"] },
  },
  "a hot-added CPU left offline: both live-vcpus and guest-offline": {
    outcome: live(withConfig(offlineInGuest(3, [0, 1]), { vcpus: 2 })),
    expect: { verdict: "drift", kinds: ["live-vcpus", "guest-offline"] },
  },
  "a config-only change: drift config": {
    outcome: live(withConfig(runningVm({ plugged: 2 }), { vcpus: 3 })),
    expect: { verdict: "drift", kinds: ["config"], config: { vcpus: 3, maxVcpus: 4 }, details: ["vcpus: definition has 3, 2 declared"] },
  },
  "a persisted cold change waiting for a restart: drift restart-pending": {
    target: target({ maxVcpus: 8, topology: { sockets: 1, cores: 8, threads: 1 }, coldChanges: "persist" }),
    outcome: live(withConfig(runningVm({ plugged: 2 }), { maxVcpus: 8, topology: cores8 })),
    expect: {
      verdict: "drift", kinds: ["restart-pending"], restartPending: true, restartPendingFields: ["maxVcpus", "topology"],
      details: ["maxVcpus: running 4, declared 8 waits in the definition for a restart", "topology: running 1s×4c×1t, declared 1s×8c×1t waits in the definition for a restart"],
    },
  },
  "a cold field changed out of band everywhere: drift config and cold": {
    target: target({ maxVcpus: 8, topology: { sockets: 1, cores: 8, threads: 1 } }),
    outcome: live(runningVm({ plugged: 2 })),
    expect: { verdict: "drift", kinds: ["config", "cold"], details: [/^maxVcpus: definition has 4, 8 declared$/, /^topology: definition has/, /^maxVcpus: running 4, 8 declared \(needs a restart\)$/, /^topology: running/] },
  },
  "a VM on two NUMA nodes: each node's possible, plugged and online vCPUs on the row": {
    target: target({ vcpus: 3 }),
    outcome: live(onTwoNodes(runningVm({ plugged: 3 }))),
    expect: { verdict: "in-sync", numaNodes: [{ node: 0, possible: 2, plugged: 2, online: 2 }, { node: 1, possible: 2, plugged: 1, online: 1 }] },
  },
  "no NUMA: no numaNodes on the row": { outcome: live(runningVm({ plugged: 2 })), expect: { verdict: "in-sync", numaNodes: undefined } },
  "shut off: stopped, no QEMU view": {
    outcome: live(stopped(runningVm({ plugged: 2 }))),
    expect: { verdict: "stopped", kinds: [], state: "shutoff", live: undefined, guestOnline: undefined, details: ["domain is shutoff"] },
  },
  "shut off with a definition that differs: stopped, kinds config": {
    outcome: live(stopped(withConfig(runningVm({ plugged: 2 }), { vcpus: 3 }))),
    expect: { verdict: "stopped", kinds: ["config"], details: ["domain is shutoff", "vcpus: definition has 3, 2 declared"] },
  },
  "libvirt disagrees with QEMU, QEMU matches: libvirt-stale": {
    outcome: live({ ...runningVm({ plugged: 2 }), disagreements: ["libvirt says vCPU 2 is plugged, QEMU says it is not plugged"] }),
    expect: { verdict: "libvirt-stale", kinds: [], libvirtStale: true, details: ["libvirt says vCPU 2 is plugged, QEMU says it is not plugged"] },
  },
  "drift and a stale libvirt: drift wins, the stale column still says so": {
    outcome: live({ ...withConfig(runningVm({ plugged: 3 }), { vcpus: 2 }), disagreements: ["libvirt says …"] }),
    expect: { verdict: "drift", kinds: ["live-vcpus"], libvirtStale: true },
  },
  "guestAgent off: the guest is not asked and not judged": {
    target: target({ guestAgent: "off" }),
    outcome: live({ ...runningVm({ plugged: 2 }), guest: undefined, agent: "off" }),
    expect: { verdict: "in-sync", guestOnline: undefined, agent: "off" },
  },
  "paused: judged like running": {
    outcome: live({ ...runningVm({ plugged: 2 }), state: "paused", guest: undefined, agent: "unavailable" }),
    expect: { verdict: "in-sync", state: "paused" },
  },
  "domain not found: gone": {
    outcome: { kind: "gone", reason: 'libvirt domain "web01" does not exist [VM_NOT_FOUND]' },
    expect: { verdict: "gone", kinds: [], live: undefined, declared: { vcpus: 2, maxVcpus: 4 }, details: [/does not exist/] },
  },
  "host down: unreachable, with the reason": {
    outcome: { kind: "unreachable", reason: "can't connect to libvirt at qemu:///system" },
    expect: { verdict: "unreachable", host: "qemu:///system", details: ["can't connect to libvirt at qemu:///system"] },
  },
  "an unexpected read failure: error": { outcome: { kind: "failed", reason: "boom" }, expect: { verdict: "error", details: ["boom"] } },
};

describe("judge", () => {
  test.each(Object.entries(cases))("%s", (_name, c) => {
    const row = judge(c.target ?? target(), c.outcome);
    const { details, ...rest } = c.expect;
    const absent = Object.keys(rest).filter((k) => rest[k as keyof typeof rest] === undefined);
    expect(row).toMatchObject(Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)));
    for (const k of absent) expect(row[k as keyof DriftRow]).toBeUndefined();
    if (details) expect(row.details).toEqual(details.map((d) => (typeof d === "string" ? d : expect.stringMatching(d))));
  });

  test("an invalid entry is an error row keeping what it names", () => {
    const row = judgeInvalid({ name: "x", host: "qemu:///system", domain: "d", error: new CliError("SECRET_ENCRYPTED", "outputs.libvirt.uri is an encrypted secret") });
    expect(row).toEqual({ name: "x", host: "qemu:///system", domain: "d", verdict: "error", kinds: [], details: ["outputs.libvirt.uri is an encrypted secret [SECRET_ENCRYPTED]"] });
  });
});

describe("exit codes", () => {
  const cases: Record<string, { verdicts: Verdict[]; code: number }> = {
    "nothing to check": { verdicts: [], code: 0 },
    "all in sync": { verdicts: ["in-sync", "in-sync"], code: 0 },
    "any drift-like verdict": { verdicts: ["in-sync", "stopped"], code: 2 },
    "gone is drift": { verdicts: ["gone"], code: 2 },
    "libvirt-stale is drift": { verdicts: ["libvirt-stale"], code: 2 },
    "an unreachable host makes the report incomplete, even with drift": { verdicts: ["drift", "unreachable"], code: 1 },
    "an unreadable entry makes it incomplete": { verdicts: ["in-sync", "error"], code: 1 },
  };
  test.each(Object.entries(cases))("%s", (_name, c) => {
    expect(exitCodeOf(c.verdicts)).toBe(c.code);
  });

  test("every verdict has an exit code of 0, 1 or 2 and a meaning", () => {
    for (const v of Object.values(VERDICTS)) {
      expect([0, 1, 2]).toContain(v.exitCode);
      expect(v.meaning.length).toBeGreaterThan(10);
    }
  });
});
