/**
 * The plan: a pure function of (live state, desired spec) → classified field changes and
 * an ordered list of steps. Decisions about live vs restart come from {@link FIELD_RULES}
 * and the per-platform table; this file only combines them.
 */
import {
  compareVersions,
  failedGates,
  machineFamily,
  machineMatches,
  sameTopology,
  type ConfigCpus,
  type LiveState,
  type RunningCpus,
  type VmCpuInputs,
} from "../spec";
import { FIELD_RULES, type RuleField } from "./rules";
import { chooseHotAdds, chooseUnplugs, type Entity } from "./slots";
import type { DefineConfigStep, Step } from "./steps";

/**
 * How a changed field will be handled:
 * `live` now on the running VM; `restart` needs QEMU to start again (see `coldChanges`);
 * `offline` the VM is not running, so the definition is simply rewritten;
 * `pending` already in the definition, waiting for a restart; `config` only the definition
 * disagrees with the desired spec (rewritten, nothing else changes).
 */
export type ChangeStatus = "live" | "restart" | "offline" | "pending" | "config";

/** One field that differs between the VM and the desired spec. */
export interface FieldChange {
  readonly field: RuleField | "guestOnlineVcpus";
  readonly from: unknown;
  readonly to: unknown;
  readonly status: ChangeStatus;
  readonly why: string;
}

/** Result of {@link plan}. */
export interface Plan {
  readonly changes: readonly FieldChange[];
  readonly steps: readonly Step[];
  /** Restart-needing changes that `coldChanges: "refuse"` refuses: if any, nothing may run. */
  readonly refused: readonly FieldChange[];
  /** Preconditions that are not met: if any, nothing may run. */
  readonly blockers: readonly string[];
  /** Fields that will wait in the definition for a restart after this apply. */
  readonly restartPendingAfter: readonly string[];
}

type ColdField = "maxVcpus" | "topology" | "machine";

interface Diffed { readonly field: ColdField; readonly from: unknown; readonly to: unknown }

/**
 * QEMU before 2.7 has no `query-hotpluggable-cpus` (and no `/machine` `smp`): over raw QMP its `-smp`
 * topology can't be read, so a declared topology is not compared with the one-socket-per-vCPU it reports.
 */
export function topologyUnreadable(live: Pick<LiveState, "backend" | "qemuVersion">): boolean {
  return live.backend === "qmp" && live.qemuVersion !== undefined && compareVersions(live.qemuVersion, "2.7") < 0;
}

/** Cold fields where `have` (running or definition) differs from the desired spec. */
function coldDiffs(have: RunningCpus | ConfigCpus, d: VmCpuInputs, topologyKnown = true): Diffed[] {
  const out: Diffed[] = [];
  if (have.maxVcpus !== d.maxVcpus) out.push({ field: "maxVcpus", from: have.maxVcpus, to: d.maxVcpus });
  if (d.topology && topologyKnown && !sameTopology(have.topology, d.topology)) {
    out.push({ field: "topology", from: have.topology, to: d.topology });
  }
  if (d.machine && !machineMatches(d.machine, have.machine)) out.push({ field: "machine", from: have.machine, to: d.machine });
  return out;
}

const change = (d: Diffed | { field: FieldChange["field"]; from: unknown; to: unknown }, status: ChangeStatus, why?: string): FieldChange => ({
  ...d,
  status,
  why: why ?? (d.field === "guestOnlineVcpus" ? "CPUs plugged but offline in the guest are onlined through qemu-guest-agent" : FIELD_RULES[d.field].why),
});

/**
 * Topology written with a new maximum when the program declares none: the current one if it
 * still multiplies out, else one socket of cores with the current threads per core. Always
 * explicit, so QEMU never picks (libvirt without `<topology>` starts `sockets=maxVcpus`).
 */
function topologyFor(d: VmCpuInputs, have: ConfigCpus): ConfigCpus["topology"] {
  if (d.topology) return d.topology;
  if (product(have.topology) === d.maxVcpus) return have.topology;
  const threads = d.maxVcpus % have.topology.threads === 0 ? have.topology.threads : 1;
  return { sockets: 1, dies: 1, cores: d.maxVcpus / threads, threads };
}

function defineStep(d: VmCpuInputs, have: ConfigCpus): DefineConfigStep {
  return {
    kind: "defineConfig",
    config: { maxVcpus: d.maxVcpus, vcpus: d.vcpus, topology: topologyFor(d, have), machine: d.machine },
  };
}

function product(t: ConfigCpus["topology"]): number {
  return t.sockets * (t.dies ?? 1) * (t.clusters ?? 1) * t.cores * t.threads;
}

/** Config-only follow-up: rewrite the definition or just its count, when they disagree. */
function configSteps(live: LiveState, d: VmCpuInputs): Step[] {
  const config = live.config;
  if (!config) return [];
  if (coldDiffs(config, d).length) return [defineStep(d, config)];
  return config.vcpus !== d.vcpus ? [{ kind: "setConfigVcpus", vcpus: d.vcpus }] : [];
}

/** The VM is not running: everything is a definition change, no restart involved. */
function planStopped(live: LiveState, d: VmCpuInputs): Plan {
  const config = live.config;
  if (!config) {
    return { changes: [], steps: [], refused: [], blockers: [`VM ${live.name} is ${live.state} and has no persistent definition to change`], restartPendingAfter: [] };
  }
  const changes = coldDiffs(config, d).map((c) => change(c, "offline"));
  if (config.vcpus !== d.vcpus) changes.push(change({ field: "vcpus", from: config.vcpus, to: d.vcpus }, "offline"));
  return { changes, steps: configSteps(live, d), refused: [], blockers: [], restartPendingAfter: [] };
}

/** Why the running VM can't move to `vcpus` live, or undefined when it can. */
function liveVcpuBlock(live: LiveState, running: RunningCpus, vcpus: number, placement: VmCpuInputs["numaPlacement"]): string | undefined {
  const family = machineFamily(running.machine);
  // Version gates first: on a QEMU too old for cpu-add the "maximum" read is only what is present.
  const gates = failedGates(vcpus > running.vcpus ? "hot-add" : "unplug", {
    backend: live.backend, machine: running.machine, qemuVersion: live.qemuVersion, libvirtVersion: live.libvirtVersion,
  });
  if (vcpus > running.maxVcpus && !gates.length) return `vcpus ${vcpus} is above the running maximum of ${running.maxVcpus}`;
  if (family && !family.hotAdd) return family.why;
  if (gates.length) return gates.map((g) => g.message).join("; ");
  if (vcpus < running.vcpus) {
    if (family && !family.unplug) return family.why;
    if (family?.arch === "x86_64" && !live.acpi) return "the VM runs without ACPI, and x86 vCPU unplug needs ACPI";
    const choice = chooseUnplugs(running.slots, running.vcpus - vcpus, placement);
    if (!choice.ok) return choice.reason;
  } else if (vcpus > running.vcpus) {
    const choice = chooseHotAdds(running.slots, vcpus - running.vcpus, placement);
    if (!choice.ok) return choice.reason;
  }
  return undefined;
}

/** The entity fields of a hot-add/unplug step (`node` only on a VM with NUMA). */
const entityOf = (e: Entity) => ({ entity: e.entity, vcpuIds: e.vcpuIds, ...(e.node === undefined ? {} : { node: e.node }) });

const sameEntities = (a: readonly Entity[], b: readonly Entity[]) =>
  a.length === b.length && a.every((e) => b.some((x) => x.entity === e.entity));

/** Hotplug steps for a feasible live count change (plus guest onlining when the agent is used). */
function hotSteps(live: LiveState, running: RunningCpus, d: VmCpuInputs, agent: boolean): Step[] {
  const steps: Step[] = [];
  if (d.vcpus < running.vcpus) {
    const choice = chooseUnplugs(running.slots, running.vcpus - d.vcpus, d.numaPlacement);
    if (!choice.ok) return [];
    // The guest offlines its highest-numbered CPUs, the most recently plugged: right for a LIFO choice only.
    // A balanced choice that is not LIFO is left to the guest, which offlines each CPU itself during the eject.
    const lifo = chooseUnplugs(running.slots, running.vcpus - d.vcpus);
    if (agent && lifo.ok && sameEntities(lifo.entities, choice.entities)) steps.push({ kind: "offlineInGuest", count: running.vcpus - d.vcpus });
    for (const e of choice.entities) steps.push({ kind: "unplug", ...entityOf(e) });
  } else if (d.vcpus > running.vcpus) {
    const choice = chooseHotAdds(running.slots, d.vcpus - running.vcpus, d.numaPlacement);
    if (!choice.ok) return [];
    for (const e of choice.entities) steps.push({ kind: "hotAdd", ...entityOf(e) });
    if (agent) steps.push({ kind: "onlineInGuest", expectedOnline: d.vcpus });
  } else if (agent && live.guest && live.guest.online.length < running.vcpus) {
    steps.push({ kind: "onlineInGuest", expectedOnline: running.vcpus });
  }
  return steps;
}

function restartSteps(live: LiveState, d: VmCpuInputs): Step[] {
  const steps: Step[] = [];
  if (live.config && (coldDiffs(live.config, d).length || live.config.vcpus !== d.vcpus)) steps.push(defineStep(d, live.config));
  steps.push({ kind: "restart" });
  if (d.guestAgent !== "off") {
    steps.push({ kind: "waitForAgent", required: d.guestAgent === "required" });
    steps.push({ kind: "onlineInGuest", expectedOnline: d.vcpus });
  }
  return steps;
}

function restartBlockers(live: LiveState): string[] {
  if (live.backend === "qmp") {
    return ["a raw QMP VM has no definition the provider could rewrite or restart from: restart QEMU with the new -smp/-machine yourself"];
  }
  return live.config ? [] : [`VM ${live.name} is transient (no persistent definition): cold changes can't be written or survive a restart`];
}

/** How a paused VM is resumed, per connection. */
const RESUME: Record<LiveState["backend"], string> = { libvirt: "virsh resume", qmp: "QMP `cont`" };

/** Why the agent can't be used: not configured, the VM paused (its guest runs no code), or silent. */
function agentProblem(live: LiveState): string {
  if (live.agent === "not-configured") return "not configured for this VM";
  if (live.state === "paused") return `not reachable while the VM is paused: resume it (${RESUME[live.backend]}) and apply again`;
  return "not answering";
}

/** Plans how to bring the VM from `live` to `desired`. Pure; the same inputs give the same plan. */
export function plan(live: LiveState, d: VmCpuInputs): Plan {
  if (!live.running) return planStopped(live, d);
  const running = live.running;
  const agent = d.guestAgent !== "off" && live.agent === "connected";
  const blockers: string[] = [];
  if (d.guestAgent === "required" && live.agent !== "connected") {
    blockers.push(`guestAgent is required but qemu-guest-agent is ${agentProblem(live)}`);
  }
  const cold = coldDiffs(running, d, !topologyUnreadable(live));
  const pending = cold.filter((c) => live.config && !coldDiffs(live.config, d).some((x) => x.field === c.field));
  const fresh = cold.filter((c) => !pending.includes(c));
  const block = d.vcpus !== running.vcpus ? liveVcpuBlock(live, running, d.vcpus, d.numaPlacement) : undefined;
  const vcpuPending = block !== undefined && live.config?.vcpus === d.vcpus && fresh.length === 0;
  const vcpuChange = d.vcpus !== running.vcpus ? { field: "vcpus" as const, from: running.vcpus, to: d.vcpus } : undefined;
  const restartNeeded = fresh.length > 0 || (block !== undefined && !vcpuPending);

  const changes: FieldChange[] = [
    ...fresh.map((c) => change(c, "restart")),
    ...pending.map((c) => change(c, "pending")),
  ];
  if (vcpuChange) {
    const status: ChangeStatus = block === undefined ? "live" : vcpuPending ? "pending" : "restart";
    changes.push(change(vcpuChange, status, block ? `${block}` : undefined));
  }
  const hot = block === undefined ? hotSteps(live, running, d, agent) : [];
  if (!vcpuChange && hot.some((s) => s.kind === "onlineInGuest")) {
    changes.push(change({ field: "guestOnlineVcpus", from: live.guest?.online.length, to: running.vcpus }, "live"));
  }
  const configOnly = live.config ? coldDiffs(live.config, d).filter((c) => !cold.some((x) => x.field === c.field)) : [];
  changes.push(...configOnly.map((c) => change(c, "config", "the persistent definition disagrees with the desired spec; it is rewritten (the running VM already matches)")));

  const mode = d.coldChanges;
  if (restartNeeded && mode === "refuse") {
    return { changes, steps: [], refused: changes.filter((c) => c.status === "restart"), blockers, restartPendingAfter: [] };
  }
  if ((restartNeeded || pending.length > 0) && mode === "restart") {
    return { changes, steps: restartSteps(live, d), refused: [], blockers: [...blockers, ...restartBlockers(live)], restartPendingAfter: [] };
  }
  if (restartNeeded) {
    // persist: what can change live changes now; the rest waits in the definition.
    const cfg = live.config ? [defineStep(d, live.config)] : [];
    const after = [...fresh, ...pending].map((c) => c.field) as string[];
    if (block !== undefined) after.push("vcpus");
    return { changes, steps: [...hot, ...cfg], refused: [], blockers: [...blockers, ...restartBlockers(live)], restartPendingAfter: after };
  }
  const after = pending.map((c) => c.field) as string[];
  if (vcpuPending) after.push("vcpus");
  return { changes, steps: [...hot, ...configSteps(live, d)], refused: [], blockers, restartPendingAfter: after };
}
