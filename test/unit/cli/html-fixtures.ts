/**
 * Report rows for the HTML view's tests: a fleet of `n` VMs over a few hosts, deterministic,
 * with every verdict, warnings, details, per-node data on some rows and names with characters
 * HTML cares about.
 */
import type { DriftRow } from "../../../provider/cli/drift/judge";
import type { JsonReport } from "../../../provider/cli/drift/json";
import { buildReport } from "../../../provider/cli/drift/json";
import { summarize } from "../../../provider/cli/drift/summary";
import type { Verdict } from "../../../provider/cli/drift/verdicts";

/** VM names a page must show as text, never as markup. */
export const ODD_NAMES = [
  `<script>window.__pwned=1</script>`,
  `"quoted" & 'single' <b>bold</b>`,
  `</style><img src=x onerror="window.__pwned=2">`,
  `é漢字 🚀 tab\there`,
  `<!-- not a comment -->`,
];

const HOSTS = ["qemu:///system", "qemu+ssh://root@kvm-02.example/system", "qemu+tls://kvm-03.example/system", "qmp:/run/vm/edge.sock"];
const VERDICTS: Verdict[] = ["in-sync", "in-sync", "in-sync", "drift", "in-sync", "libvirt-stale", "stopped", "in-sync", "gone", "drift", "unreachable", "error"];

/** Row `i` of the fleet: numbers, verdict and extras follow from `i` alone. */
export function fleetRow(i: number): DriftRow {
  const verdict = VERDICTS[i % VERDICTS.length]!;
  const max = [4, 8, 16, 64][i % 4]!;
  const declared = 1 + (i % max);
  const running = verdict !== "stopped" && verdict !== "gone" && verdict !== "unreachable" && verdict !== "error";
  const plugged = verdict === "drift" ? Math.min(max, declared + 1) : declared;
  const online = verdict === "drift" && i % 2 ? plugged - 1 : plugged;
  const name = i < ODD_NAMES.length ? ODD_NAMES[i]! : `vm-${String(i).padStart(4, "0")}-cpu`;
  const row: DriftRow = {
    name,
    host: HOSTS[i % HOSTS.length]!,
    domain: `dom-${i}`,
    verdict,
    kinds: verdict === "drift" ? ["live-vcpus", ...(online < plugged ? (["guest-offline"] as const) : [])] : [],
    declared: { vcpus: declared, maxVcpus: max },
    ...(verdict !== "gone" && verdict !== "unreachable" && verdict !== "error" ? { config: { vcpus: declared, maxVcpus: max } } : {}),
    ...(running ? { live: { vcpus: plugged, maxVcpus: max, libvirtVcpus: verdict === "libvirt-stale" ? plugged + 1 : plugged } } : {}),
    ...(running && i % 3 !== 0 ? { guestOnline: online } : {}),
    ...(running ? { agent: i % 3 !== 0 ? "connected" : "unavailable", state: "running" } : verdict === "stopped" ? { state: "shutoff" } : {}),
    restartPending: i % 17 === 0,
    restartPendingFields: i % 17 === 0 ? ["maxVcpus"] : [],
    libvirtStale: verdict === "libvirt-stale",
    details: verdict === "in-sync" ? [] : [`${verdict} details for ${name} <i>not markup</i>`],
  };
  if (running && i % 5 === 0) return { ...row, numa: [{ node: 0, possible: max / 2, plugged: Math.ceil(plugged / 2), online: Math.ceil(online / 2) }, { node: 1, possible: max / 2, plugged: Math.floor(plugged / 2), online: Math.floor(online / 2) }] } as DriftRow;
  return row;
}

/** A report of `n` VMs (see {@link fleetRow}) with its summary. */
export function fleetReport(n: number): JsonReport {
  const rows = Array.from({ length: n }, (_, i) => fleetRow(i));
  const hosts = [...new Set(rows.map((r) => r.host!))].map((host) => ({
    host, vms: rows.filter((r) => r.host === host).length, ms: 1,
    ...(rows.some((r) => r.host === host && r.verdict === "unreachable") && host.startsWith("qemu+tls") ? { unreachable: "can't connect to libvirt at qemu+tls://kvm-03.example/system: connection refused" } : {}),
  }));
  return buildReport(rows, summarize(rows, hosts));
}
