/** The report's summary: counts per verdict, unreachable hosts, and the exit code. */
import type { DriftRow } from "./judge";
import type { HostReport } from "./read";
import { VERDICTS, exitCodeOf, type Verdict } from "./verdicts";

/** Summary of a drift report. */
export interface Summary {
  readonly vms: number;
  readonly hosts: number;
  /** Count per verdict (verdicts with no VM are left out), in {@link VERDICTS} order. */
  readonly verdicts: Partial<Record<Verdict, number>>;
  readonly unreachableHosts: readonly { readonly host: string; readonly reason: string }[];
  readonly exitCode: 0 | 1 | 2;
}

/** Summarizes rows (and the host reports of the reads). */
export function summarize(rows: readonly DriftRow[], hosts: readonly HostReport[]): Summary {
  const verdicts: Partial<Record<Verdict, number>> = {};
  for (const v of Object.keys(VERDICTS) as Verdict[]) {
    const n = rows.filter((r) => r.verdict === v).length;
    if (n) verdicts[v] = n;
  }
  const unreachableHosts = hosts.filter((h) => h.unreachable !== undefined).map((h) => ({ host: h.host, reason: h.unreachable as string }));
  const hostCount = new Set(rows.flatMap((r) => (r.host === undefined ? [] : [r.host]))).size;
  return { vms: rows.length, hosts: hostCount, verdicts, unreachableHosts, exitCode: exitCodeOf(rows.map((r) => r.verdict)) };
}

/** What the exit code means, as one line. */
export function exitLine(s: Summary): string {
  if (s.exitCode === 0) return "exit 0: no drift";
  if (s.exitCode === 2) return "exit 2: drift";
  const unchecked = (["unreachable", "error"] as const).reduce((n, v) => n + (s.verdicts[v] ?? 0), 0);
  return `exit 1: incomplete: ${unchecked} VM${unchecked === 1 ? "" : "s"} could not be checked`;
}
