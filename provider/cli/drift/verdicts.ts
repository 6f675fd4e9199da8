/**
 * The drift report's rule tables, in one place: the verdict of a VM (and the exit code it
 * implies) and the kinds of drift, each detected from the provider's own `plan()` of
 * (live state → declared spec) and `toOutputs()` — no rule is re-encoded here.
 */
import { showValue, type FieldChange, type Plan } from "../../plan";
import type { LiveState, VmCpuInputs, VmCpuOutputs } from "../../spec";

/** One row of {@link VERDICTS}. */
export interface VerdictRule {
  /** 0 nothing to do, 2 drift, 1 the report is incomplete. */
  readonly exitCode: 0 | 1 | 2;
  /** Shown by `--help` and in the README. */
  readonly meaning: string;
}

/** Verdicts, from best to worst within each exit code. */
export const VERDICTS = {
  "in-sync": { exitCode: 0, meaning: "QEMU, the persistent definition and the guest all match what is declared" },
  drift: { exitCode: 2, meaning: "the running VM, its definition or the guest differ from what is declared (see kinds)" },
  "libvirt-stale": { exitCode: 2, meaning: "QEMU matches what is declared, but libvirt's own vCPU view disagrees with QEMU's" },
  stopped: { exitCode: 2, meaning: "the domain is defined but not running (shut off or crashed)" },
  gone: { exitCode: 2, meaning: "the domain does not exist on its host" },
  unreachable: { exitCode: 1, meaning: "its host could not be reached or did not answer in time" },
  error: { exitCode: 1, meaning: "its entry is invalid or reading it failed" },
} as const satisfies Record<string, VerdictRule>;

/** A verdict name. */
export type Verdict = keyof typeof VERDICTS;

/** The process exit code for a set of verdicts: any 1 → 1 (incomplete), else any 2 → 2, else 0. */
export function exitCodeOf(verdicts: Iterable<Verdict>): 0 | 1 | 2 {
  let code: 0 | 1 | 2 = 0;
  for (const v of verdicts) {
    const c = VERDICTS[v].exitCode;
    if (c === 1) return 1;
    if (c === 2) code = 2;
  }
  return code;
}

/** What a kind detector sees. */
export interface KindContext {
  readonly desired: VmCpuInputs;
  readonly live: LiveState;
  readonly outputs: VmCpuOutputs;
  /** `plan(live, desired)`: how the running VM differs. */
  readonly running: Plan;
  /** `plan(live without QEMU, desired)`: how the persistent definition differs; undefined without one. */
  readonly config: Plan | undefined;
}

/** One row of {@link DRIFT_KINDS}: `detect` returns one plain-language line per finding. */
export interface KindRule {
  readonly meaning: string;
  readonly detect: (ctx: KindContext) => string[];
}

const show = showValue;
const vcpuCount = (n: unknown) => `${show(n)} vCPU${n === 1 ? "" : "s"}`;
const runningChanges = (ctx: KindContext, status: FieldChange["status"], fields?: readonly string[]) =>
  ctx.running.changes.filter((c) => c.status === status && (!fields || fields.includes(c.field)));

function liveVcpus(ctx: KindContext): string[] {
  return ctx.running.changes
    .filter((c) => c.field === "vcpus" && (c.status === "live" || c.status === "restart"))
    .map((c) => `QEMU has ${vcpuCount(c.from)} plugged, ${show(c.to)} declared${c.status === "restart" ? ` (not reachable live: ${c.why})` : ""}`);
}

function guestOffline(ctx: KindContext): string[] {
  const { guestOnlineVcpus: online, liveVcpus: plugged } = ctx.outputs;
  const planned = ctx.running.changes.some((c) => c.field === "guestOnlineVcpus");
  if (!planned && (online === undefined || plugged === undefined || online >= plugged)) return [];
  const guest = ctx.live.guest;
  const ids = guest ? guest.present.filter((id) => !guest.online.includes(id)) : [];
  const which = ids.length ? ` (guest CPU ${ids.join(", ")})` : "";
  return [`${(plugged ?? 0) - (online ?? 0)} of ${vcpuCount(plugged)} plugged ${(plugged ?? 0) - (online ?? 0) === 1 ? "is" : "are"} offline in the guest${which}`];
}

/** Kinds of drift, in the order they are listed on a row. */
export const DRIFT_KINDS = {
  "live-vcpus": { meaning: "QEMU has a different number of vCPUs plugged than declared", detect: liveVcpus },
  "guest-offline": { meaning: "vCPUs plugged in QEMU but offline inside the guest (qemu-guest-agent)", detect: guestOffline },
  config: {
    meaning: "the persistent definition (what the next start runs) differs from what is declared",
    detect: (ctx) => (ctx.config?.changes ?? []).map((c) => `${c.field}: definition has ${show(c.from)}, ${show(c.to)} declared`),
  },
  cold: {
    meaning: "maxVcpus/topology/machine of the running VM differ from what is declared, and the definition does not hold the declared values either",
    detect: (ctx) => runningChanges(ctx, "restart", ["maxVcpus", "topology", "machine"]).map((c) => `${c.field}: running ${show(c.from)}, ${show(c.to)} declared (needs a restart)`),
  },
  "restart-pending": {
    meaning: "the definition holds the declared values, the running VM gets them at its next restart",
    detect: (ctx) => runningChanges(ctx, "pending").map((c) => `${c.field}: running ${show(c.from)}, declared ${show(c.to)} waits in the definition for a restart`),
  },
} as const satisfies Record<string, KindRule>;

/** A drift kind name. */
export type DriftKind = keyof typeof DRIFT_KINDS;

/** The kinds present and their detail lines. */
export function detectKinds(ctx: KindContext): { kinds: DriftKind[]; details: string[] } {
  const kinds: DriftKind[] = [];
  const details: string[] = [];
  for (const [kind, rule] of Object.entries(DRIFT_KINDS) as [DriftKind, KindRule][]) {
    const found = rule.detect(ctx);
    if (found.length) kinds.push(kind);
    details.push(...found);
  }
  return { kinds, details };
}
