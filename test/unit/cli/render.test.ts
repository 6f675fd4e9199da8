import type { DriftRow } from "../../../provider/cli/drift/judge";
import { renderJson } from "../../../provider/cli/drift/json";
import { exitLine, summarize } from "../../../provider/cli/drift/summary";
import { alignColumns, renderTable } from "../../../provider/cli/drift/table";

const row = (over: Partial<DriftRow>): DriftRow => ({
  name: "web01-cpu", host: "qemu:///system", domain: "web01", verdict: "in-sync", kinds: [],
  declared: { vcpus: 2, maxVcpus: 4 }, config: { vcpus: 2, maxVcpus: 4 }, live: { vcpus: 2, maxVcpus: 4 },
  guestOnline: 2, restartPending: false, libvirtStale: false, details: [], ...over,
});

const inSync = row({});
const hot = row({ name: "api-cpu", domain: "api", verdict: "drift", kinds: ["live-vcpus", "guest-offline"], live: { vcpus: 3, maxVcpus: 4 }, details: ["QEMU has 3 vCPUs plugged, 2 declared", "1 of 3 vCPUs plugged is offline in the guest (guest CPU 2)"] });
const pending = row({ name: "db-cpu", domain: "db", verdict: "drift", kinds: ["restart-pending"], config: { vcpus: 2, maxVcpus: 8 }, restartPending: true, restartPendingFields: ["maxVcpus", "topology"], details: ["maxVcpus: running 4, declared 8 waits in the definition for a restart"] });
const down = row({ name: "far-cpu", domain: "far", host: "qemu+unix:///system?socket=/nonexistent", verdict: "unreachable", config: undefined, live: undefined, guestOnline: undefined, restartPending: undefined, libvirtStale: undefined, details: ["can't connect"] });
const hosts = [
  { host: "qemu:///system", vms: 3, ms: 12 },
  { host: "qemu+unix:///system?socket=/nonexistent", vms: 1, ms: 1, unreachable: "can't connect" },
];

describe("table", () => {
  test("columns are aligned, absent views are '-', details and summary follow", () => {
    const rows = [inSync, hot, pending, down];
    expect(renderTable(rows, summarize(rows, hosts))).toBe(
      [
        "VM         DOMAIN  HOST                                     DECLARED  LIBVIRT CONFIG  QEMU LIVE  GUEST ONLINE  RESTART PENDING          LIBVIRT-STALE  VERDICT",
        "web01-cpu  web01   qemu:///system                           2/4       2/4             2/4        2             no                       no             in-sync",
        "api-cpu    api     qemu:///system                           2/4       2/4             3/4        2             no                       no             drift: live-vcpus, guest-offline",
        "db-cpu     db      qemu:///system                           2/4       2/8             2/4        2             yes (maxVcpus,topology)  no             drift: restart-pending",
        "far-cpu    far     qemu+unix:///system?socket=/nonexistent  2/4       -               -          -             -                        -              unreachable",
        "",
        "api-cpu: drift",
        "  - QEMU has 3 vCPUs plugged, 2 declared",
        "  - 1 of 3 vCPUs plugged is offline in the guest (guest CPU 2)",
        "db-cpu: drift",
        "  - maxVcpus: running 4, declared 8 waits in the definition for a restart",
        "far-cpu: unreachable",
        "  - can't connect",
        "",
        "4 VMs on 2 hosts: 1 in-sync, 2 drift, 1 unreachable",
        "unreachable host qemu+unix:///system?socket=/nonexistent: can't connect",
        "",
      ].join("\n"),
    );
  });

  const summaries: Record<string, { rows: DriftRow[]; last: string; exit: string }> = {
    "all in sync: exit 0": { rows: [inSync], last: "1 VM on 1 host: 1 in-sync", exit: "exit 0: no drift" },
    "drift only: exit 2": { rows: [inSync, hot], last: "2 VMs on 1 host: 1 in-sync, 1 drift", exit: "exit 2: drift" },
    "one unreachable: exit 1": { rows: [inSync, down], last: "2 VMs on 2 hosts: 1 in-sync, 1 unreachable", exit: "exit 1: incomplete: 1 VM could not be checked" },
  };
  test.each(Object.entries(summaries))("summary: %s (the exit line is not in the report)", (_name, c) => {
    const summary = summarize(c.rows, []);
    const text = renderTable(c.rows, summary);
    expect(text.trimEnd().split("\n").slice(-1)).toEqual([c.last]);
    expect(text).not.toContain("exit ");
    expect(exitLine(summary)).toBe(c.exit);
  });

  test("alignColumns pads every column but the last to its widest cell", () => {
    expect(alignColumns([["a", "bb", "c"], ["aaa", "b", "cccc"]])).toEqual(["a    bb  c", "aaa  b   cccc"]);
  });
});

describe("json", () => {
  test("one object per VM plus a summary; absent views are left out", () => {
    const rows = [inSync, down];
    const doc = JSON.parse(renderJson(rows, summarize(rows, hosts))) as Record<string, unknown>;
    expect(doc).toEqual({
      version: 1,
      vms: [
        { name: "web01-cpu", host: "qemu:///system", domain: "web01", verdict: "in-sync", kinds: [], declared: { vcpus: 2, maxVcpus: 4 }, config: { vcpus: 2, maxVcpus: 4 }, live: { vcpus: 2, maxVcpus: 4 }, guestOnline: 2, restartPending: false, libvirtStale: false, details: [] },
        { name: "far-cpu", host: "qemu+unix:///system?socket=/nonexistent", domain: "far", verdict: "unreachable", kinds: [], declared: { vcpus: 2, maxVcpus: 4 }, details: ["can't connect"] },
      ],
      summary: { vms: 2, hosts: 2, verdicts: { "in-sync": 1, unreachable: 1 }, unreachableHosts: [{ host: "qemu+unix:///system?socket=/nonexistent", reason: "can't connect" }], exitCode: 1 },
    });
  });
});
