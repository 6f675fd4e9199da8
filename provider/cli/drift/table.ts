/**
 * The human report (the only place "-" stands for "not known"): one aligned plain-text table (a row per VM), then the details of every
 * VM that is not in sync, then the summary. No colours, no dependencies.
 */
import type { DriftRow, CpuCount } from "./judge";
import type { Summary } from "./summary";

/** One column: header and how to show a row in it. */
interface Column {
  readonly header: string;
  readonly cell: (r: DriftRow) => string;
}

const count = (c: CpuCount | undefined) => (c ? `${c.vcpus}/${c.maxVcpus}` : "-");
const yesNo = (b: boolean | undefined, extra?: readonly string[]) =>
  b === undefined ? "-" : b ? (extra?.length ? `yes (${extra.join(",")})` : "yes") : "no";

/** The table's columns, in order. */
export const COLUMNS: readonly Column[] = [
  { header: "VM", cell: (r) => r.name },
  { header: "DOMAIN", cell: (r) => r.domain ?? "-" },
  { header: "HOST", cell: (r) => r.host ?? "-" },
  { header: "DECLARED", cell: (r) => count(r.declared) },
  { header: "LIBVIRT CONFIG", cell: (r) => count(r.config) },
  { header: "QEMU LIVE", cell: (r) => count(r.live) },
  { header: "GUEST ONLINE", cell: (r) => (r.guestOnline === undefined ? "-" : String(r.guestOnline)) },
  { header: "RESTART PENDING", cell: (r) => yesNo(r.restartPending, r.restartPendingFields) },
  { header: "LIBVIRT-STALE", cell: (r) => yesNo(r.libvirtStale) },
  { header: "VERDICT", cell: (r) => (r.kinds.length ? `${r.verdict}: ${r.kinds.join(", ")}` : r.verdict) },
];

/** Lays out cells in columns two spaces apart; the last column is not padded. */
export function alignColumns(lines: readonly (readonly string[])[]): string[] {
  const widths = lines[0]?.map((_, c) => Math.max(...lines.map((l) => (l[c] ?? "").length))) ?? [];
  return lines.map((l) => l.map((cell, c) => (c === l.length - 1 ? cell : cell.padEnd(widths[c] ?? 0))).join("  "));
}

function detailLines(rows: readonly DriftRow[]): string[] {
  return rows
    .filter((r) => r.verdict !== "in-sync" || r.details.length)
    .flatMap((r) => [`${r.name}: ${r.verdict}`, ...r.details.map((d) => `  - ${d}`)]);
}

function summaryLines(s: Summary): string[] {
  const counts = Object.entries(s.verdicts).map(([v, n]) => `${n} ${v}`).join(", ");
  return [
    `${s.vms} VM${s.vms === 1 ? "" : "s"} on ${s.hosts} host${s.hosts === 1 ? "" : "s"}: ${counts || "nothing to check"}`,
    ...s.unreachableHosts.map((h) => `unreachable host ${h.host}: ${h.reason}`),
  ];
}

/** The whole text report, ending with a newline. */
export function renderTable(rows: readonly DriftRow[], summary: Summary): string {
  const table = alignColumns([COLUMNS.map((c) => c.header), ...rows.map((r) => COLUMNS.map((c) => c.cell(r)))]);
  const details = detailLines(rows);
  return [...table, "", ...(details.length ? [...details, ""] : []), ...summaryLines(summary)].join("\n") + "\n";
}
