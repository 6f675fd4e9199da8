/**
 * Turns what was read about one VM into a report row: the numbers of each view (declared,
 * libvirt definition, QEMU, guest), the verdict and the drift kinds with one line each.
 * Pure: the provider's `toOutputs` and `plan` do the comparing (see ./verdicts).
 */
import { plan } from "../../plan";
import { toOutputs, type AgentStatus, type LiveState, type NumaNode, type RunState } from "../../spec";
import type { ReadOutcome } from "./read";
import { domainOf, hostOf, type DriftTarget, type InvalidEntry } from "./target";
import { detectKinds, type DriftKind, type Verdict } from "./verdicts";

/** A vCPU count with its maximum. */
export interface CpuCount {
  readonly vcpus: number;
  readonly maxVcpus: number;
}

/** One VM of the report. */
export interface DriftRow {
  readonly name: string;
  readonly urn?: string;
  /** libvirt URI (or `qmp:…`); left out when the entry was unreadable. */
  readonly host?: string;
  /** libvirt domain name (or QEMU's `-name` once read); left out when not known. */
  readonly domain?: string;
  readonly verdict: Verdict;
  readonly kinds: readonly DriftKind[];
  /** Declared at the last apply (stack export) or in the spec file. */
  readonly declared?: CpuCount & { readonly topology?: unknown; readonly machine?: string };
  /** The persistent definition (libvirt inactive XML). */
  readonly config?: CpuCount;
  /** The running QEMU (`vcpus` = plugged per QEMU; `libvirtVcpus` = per libvirt). */
  readonly live?: CpuCount & { readonly libvirtVcpus?: number };
  /** vCPUs online inside the guest (qemu-guest-agent); undefined when unknown. */
  readonly guestOnline?: number;
  readonly agent?: AgentStatus;
  readonly state?: RunState;
  readonly restartPending?: boolean;
  readonly restartPendingFields?: readonly string[];
  readonly libvirtStale?: boolean;
  /** Per NUMA node of the running VM: possible, plugged (and online) vCPUs; left out for a VM without NUMA. */
  readonly numaNodes?: readonly NumaNode[];
  /** One plain-language line per finding (kinds, warnings, reasons, notes). */
  readonly details: readonly string[];
}

const VERDICT_OF_OUTCOME: Record<Exclude<ReadOutcome["kind"], "live">, Verdict> = {
  gone: "gone",
  unreachable: "unreachable",
  failed: "error",
};

/** Who the row is about (JSON key order: identity, verdict, kinds, then the views). */
function identity(target: DriftTarget) {
  const d = target.desired;
  const domain = domainOf(d);
  return { name: target.name, ...(target.urn ? { urn: target.urn } : {}), host: hostOf(d), ...(domain !== undefined ? { domain } : {}) };
}

function declaredOf(d: DriftTarget["desired"]): NonNullable<DriftRow["declared"]> {
  return { vcpus: d.vcpus, maxVcpus: d.maxVcpus, ...(d.topology ? { topology: d.topology } : {}), ...(d.machine ? { machine: d.machine } : {}) };
}

/** The row of a VM whose state was read. */
function judgeLive(target: DriftTarget, live: LiveState): DriftRow {
  const desired = target.desired;
  const outputs = toOutputs(live, desired, target.name);
  const running = plan(live, desired);
  const config = live.config ? plan({ ...live, running: undefined, guest: undefined }, desired) : undefined;
  const { kinds, details } = detectKinds({ desired, live, outputs, running, config });
  const verdict: Verdict = !live.running ? "stopped" : kinds.length ? "drift" : outputs.libvirtStale ? "libvirt-stale" : "in-sync";
  const stateLine = verdict === "stopped" ? [`domain is ${live.state}`] : [];
  return {
    ...identity(target),
    domain: desired.libvirt?.domain ?? live.name,
    verdict,
    kinds,
    declared: declaredOf(desired),
    ...(outputs.config ? { config: { vcpus: outputs.config.vcpus, maxVcpus: outputs.config.maxVcpus } } : {}),
    ...(live.running ? { live: { vcpus: live.running.vcpus, maxVcpus: live.running.maxVcpus, libvirtVcpus: live.running.libvirtVcpus } } : {}),
    ...(outputs.guestOnlineVcpus !== undefined ? { guestOnline: outputs.guestOnlineVcpus } : {}),
    agent: outputs.agent,
    state: outputs.state,
    restartPending: outputs.restartPending,
    restartPendingFields: outputs.restartPendingFields,
    libvirtStale: outputs.libvirtStale,
    ...(outputs.numaNodes ? { numaNodes: outputs.numaNodes } : {}),
    details: [...stateLine, ...details, ...outputs.warnings, ...target.notes],
  };
}

/** The row of one target from its read outcome. */
export function judge(target: DriftTarget, outcome: ReadOutcome): DriftRow {
  if (outcome.kind === "live") return judgeLive(target, outcome.live);
  const verdict = VERDICT_OF_OUTCOME[outcome.kind];
  return { ...identity(target), verdict, kinds: [], declared: declaredOf(target.desired), details: [outcome.reason, ...target.notes] };
}

/** The row of an entry that could not be checked (invalid input, encrypted secret). */
export function judgeInvalid(entry: InvalidEntry): DriftRow {
  return {
    name: entry.name,
    ...(entry.urn ? { urn: entry.urn } : {}),
    ...(entry.host !== undefined ? { host: entry.host } : {}),
    ...(entry.domain !== undefined ? { domain: entry.domain } : {}),
    verdict: "error",
    kinds: [],
    details: [`${entry.error.message} [${entry.error.code}]`],
  };
}
