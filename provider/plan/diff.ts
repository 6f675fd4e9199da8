/**
 * Pulumi diff semantics, decided from the rule table and the plan: no change, in-place
 * update, replace (a different VM, or `coldChanges: "restart"`), or a refusal that fails
 * the preview with one message naming every field, old → new, and the ways forward.
 * Pure: works on the stored outputs (the live state read at the last apply or refresh).
 */
import type { LiveState, VmCpuInputs, VmCpuOutputs } from "../spec";
import { sameValue } from "./equal";
import { plan, type FieldChange, type Plan } from "./plan";
import { FIELD_RULES, type RuleField } from "./rules";
import { describeStep, topologyText } from "./steps";

/** Outcome of {@link decide}. */
export interface Decision {
  readonly changes: boolean;
  readonly replaces: readonly string[];
  /** Set when the preview must fail (restart needed, `coldChanges: "refuse"`). */
  readonly refusal: string | undefined;
  /** Lines for the preview log: what apply will do. */
  readonly summary: readonly string[];
  readonly plan: Plan;
}

/** Rebuilds the live state a previous apply/refresh recorded in the outputs. */
export function outputsToLive(o: VmCpuOutputs): LiveState {
  const online = o.guestOnlineVcpus;
  const ids = (n: number) => Array.from({ length: n }, (_, i) => i);
  return {
    backend: o.qmp ? "qmp" : "libvirt",
    name: o.domainName,
    uuid: o.domainUuid,
    state: o.state,
    arch: o.arch,
    running:
      o.liveVcpus === undefined
        ? undefined
        : { maxVcpus: o.maxVcpus, topology: o.topology, machine: o.machine, vcpus: o.liveVcpus, slots: o.vcpuSlots },
    config: o.config,
    guest: online === undefined ? undefined : { present: ids(o.liveVcpus ?? online), online: ids(online), offlinable: [] },
    agent: o.agent,
    acpi: true,
    libvirtVersion: o.libvirtVersion,
    qemuVersion: o.qemuVersion,
    disagreements: o.warnings,
  };
}

/** Renders a field value for messages (`1s×8c×1t` for topologies). */
export function showValue(v: unknown): string {
  if (v && typeof v === "object" && "sockets" in v) return topologyText(v as Parameters<typeof topologyText>[0]);
  return v === undefined ? "(unset)" : String(v);
}

const line = (c: FieldChange) => `  ${c.field}: ${showValue(c.from)} → ${showValue(c.to)} (${c.why})`;

/** The refusal text for restart-needing changes under `coldChanges: "refuse"`. */
export function refusalMessage(vm: string, refused: readonly FieldChange[]): string {
  return [
    `VmCpu ${vm}: these changes need the VM to restart, and coldChanges is "refuse", so nothing was changed:`,
    ...refused.map(line),
    "Ways forward:",
    '  - coldChanges: "persist" writes them to the persistent definition now; they take effect at the next restart (outputs show restartPending: true)',
    '  - coldChanges: "restart" applies them now with a graceful shutdown and start (preview shows a replace)',
    "  - or keep the running values in the program",
  ].join("\n");
}

const SETTINGS: RuleField[] = ["guestAgent", "coldChanges", "timeouts", "numaPlacement"];
const CONNECTIONS: RuleField[] = ["libvirt", "qmp"];

function changedFields(olds: VmCpuOutputs, news: VmCpuInputs, fields: RuleField[]): RuleField[] {
  const o = olds as Record<string, unknown>;
  const n = news as Record<string, unknown>;
  return fields.filter((f) => !sameValue(o[f], n[f]));
}

/** Decides the Pulumi diff for stored outputs vs new checked inputs. */
export function decide(olds: VmCpuOutputs, news: VmCpuInputs): Decision {
  const vm = `${olds.domainName}`;
  const replacedConnection = changedFields(olds, news, CONNECTIONS);
  const live = outputsToLive(olds);
  const p = plan(live, news);
  if (replacedConnection.length) {
    return {
      changes: true, replaces: replacedConnection, refusal: undefined, plan: p,
      summary: replacedConnection.map((f) => `replace the resource: ${f} changed (${FIELD_RULES[f].why})`),
    };
  }
  if (p.refused.length) return { changes: true, replaces: [], refusal: refusalMessage(vm, p.refused), summary: [], plan: p };
  const settings = changedFields(olds, news, SETTINGS);
  const restarting = p.steps.some((s) => s.kind === "restart");
  const replaces = restarting ? p.changes.filter((c) => c.status === "restart" || c.status === "pending").map((c) => c.field) : [];
  const summary = [
    ...p.steps.map(describeStep),
    ...settings.map((f) => `record the new ${f} (${FIELD_RULES[f].why})`),
    ...p.restartPendingAfter.map((f) => `leave ${f} waiting in the definition until the next restart (restartPending)`),
    ...p.blockers.map((b) => `fail unless fixed: ${b}`),
  ];
  return { changes: p.steps.length > 0 || settings.length > 0, replaces, refusal: undefined, summary, plan: p };
}
