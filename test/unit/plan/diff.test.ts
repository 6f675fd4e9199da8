import { decide } from "../../../provider/plan";
import { toOutputs } from "../../../provider/spec";
import { desired, runningVm } from "../../support/live";

const stored = (over: Record<string, unknown> = {}, live = runningVm({ plugged: 2 })) => toOutputs(live, desired({ vcpus: 2, ...over }), "web01-cpu");

interface Case {
  olds: ReturnType<typeof stored>;
  news: Record<string, unknown>;
  changes: boolean;
  replaces?: string[];
  refusal?: RegExp;
  summary?: RegExp;
}

const cases: Record<string, Case> = {
  "same spec: no change": { olds: stored(), news: { vcpus: 2 }, changes: false },
  "vcpus up: in-place update that says what it will do": { olds: stored(), news: { vcpus: 3 }, changes: true, summary: /hot-add vCPU 2 \(live\)/ },
  "machine alias vs resolved live value: no perpetual diff": { olds: stored({ machine: "q35" }), news: { vcpus: 2, machine: "q35" }, changes: false },
  "maxVcpus with refuse: one message naming field, old → new, ways forward": {
    olds: stored(), news: { vcpus: 2, maxVcpus: 8 }, changes: true,
    refusal: /maxVcpus: 4 → 8[\s\S]*coldChanges: "persist"[\s\S]*coldChanges: "restart"/,
  },
  "topology and machine with refuse are listed together": {
    olds: stored(), news: { vcpus: 2, maxVcpus: 8, topology: { sockets: 2, cores: 4, threads: 1 }, machine: "pc" }, changes: true,
    refusal: /maxVcpus: 4 → 8[\s\S]*topology: 1s×4c×1t → 2s×4c×1t[\s\S]*machine: pc-q35-7.2 → pc/,
  },
  "maxVcpus with restart: replace naming the field": { olds: stored(), news: { vcpus: 2, maxVcpus: 8, coldChanges: "restart" }, changes: true, replaces: ["maxVcpus"] },
  "maxVcpus with persist: in-place update, restart pending": {
    olds: stored(), news: { vcpus: 2, maxVcpus: 8, coldChanges: "persist" }, changes: true, replaces: [], summary: /restartPending/,
  },
  "different domain: replace": { olds: stored(), news: { vcpus: 2, libvirt: { uri: "qemu:///system", domain: "web02" } }, changes: true, replaces: ["libvirt"] },
  "setting only: update with no VM step": { olds: stored(), news: { vcpus: 2, timeouts: { unplugSeconds: 5 } }, changes: true, summary: /record the new timeouts \(only changes how long/ },
  "guest CPUs offline: update to online them": {
    olds: stored({}, { ...runningVm({ plugged: 2 }), guest: { present: [0, 1], online: [0], offlinable: [1] } }), news: { vcpus: 2 }, changes: true, summary: /online CPUs in the guest/,
  },
};

describe("decide", () => {
  test.each(Object.entries(cases))("%s", (_n, c) => {
    const d = decide(c.olds, desired(c.news));
    if (c.refusal) {
      expect(d.refusal).toMatch(c.refusal);
      return;
    }
    expect(d.refusal).toBeUndefined();
    expect(d.changes).toBe(c.changes);
    if (c.replaces) expect(d.replaces).toEqual(c.replaces);
    if (c.summary) expect(d.summary.join("\n")).toMatch(c.summary);
  });
});
