/**
 * Version gates: the one table that says which QEMU, libvirt and machine-type versions a vCPU
 * change needs, and why. Like the platform table next to it ({@link MACHINE_FAMILIES}), it is
 * data; `plan` evaluates it on what a read found (`query-version`, libvirt's
 * connectGetLibVersion/connectGetVersion, the running machine type), so a change an old
 * component can't make is refused at preview naming the component, the version found and the
 * version needed — before anything is touched.
 *
 * Sources: QEMU's QAPI schema (`cpu-add` "Since: 1.5", `query-hotpluggable-cpus` "Since: 2.7"),
 * QEMU's pc machine types (`pc-*-1.4` and older have no `hot_add_cpu`: tests/cpu-plug-test.c
 * expects cpu-add to fail there), pseries (`pseries-2.6` and older set `has_hotpluggable_cpus`
 * off), libvirt's API index (`virDomainSetVcpu` since 3.1.0). See README "Version gates".
 */
import { machineFamily } from "./platform";

/** What a gate is about. `machine` compares the version in the machine type's name (`pc-q35-1.4` → 1.4). */
export type GateComponent = "QEMU" | "libvirt" | "machine type";

/** The kind of live vCPU change a gate guards. */
export type GateOp = "hot-add" | "unplug";

/** One row of {@link VERSION_GATES}. */
export interface VersionGate {
  readonly component: GateComponent;
  /** The lowest version that works, `X.Y` or `X.Y.Z`. */
  readonly needs: string;
  /** The changes the gate guards. */
  readonly ops: readonly GateOp[];
  /** Machine families (aliases) it applies to; undefined: every family. */
  readonly families?: readonly string[];
  /** Only on this backend; undefined: both. */
  readonly backend?: "libvirt" | "qmp";
  /** Only when QEMU is at least this version (the gate is about a call used only there). */
  readonly withQemuFrom?: string;
  /** What needs it, in words: "hot-adding vCPUs with cpu-add". */
  readonly what: string;
  /** Why; shown in the refusal and in the README table. */
  readonly why: string;
}

/** Names of the gates (stable: tests and docs refer to them). */
export type GateName = "qemu-cpu-add" | "qemu-device-add" | "qemu-unplug" | "machine-cpu-add" | "machine-pseries" | "libvirt-setvcpu";

/** The version gates. */
export const VERSION_GATES: Readonly<Record<GateName, VersionGate>> = {
  "qemu-cpu-add": {
    component: "QEMU", needs: "1.5", ops: ["hot-add"], families: ["pc", "q35"],
    what: "hot-adding vCPUs (cpu-add)",
    why: "QMP cpu-add, the x86 vCPU hot-add before query-hotpluggable-cpus, appeared in QEMU 1.5; an older QEMU can't add a vCPU to a running VM",
  },
  "qemu-device-add": {
    component: "QEMU", needs: "2.7", ops: ["hot-add"], families: ["pseries", "s390-ccw-virtio"],
    what: "hot-adding vCPUs on this platform (device_add)",
    why: "query-hotpluggable-cpus and vCPU device_add appeared in QEMU 2.7; the provider uses cpu-add only on x86",
  },
  "qemu-unplug": {
    component: "QEMU", needs: "2.7", ops: ["unplug"],
    what: "unplugging vCPUs (device_del)",
    why: "before QEMU 2.7 there is only cpu-add, which can't remove a vCPU: shrinking needs a restart",
  },
  "machine-cpu-add": {
    component: "machine type", needs: "1.5", ops: ["hot-add"], families: ["pc", "q35"],
    what: "hot-adding vCPUs",
    why: "x86 machine types 1.4 and older (pc-i440fx-1.4, pc-q35-1.4, pc-1.3 …) have no CPU hot-add: QEMU refuses cpu-add and device_add of a vCPU there",
  },
  "machine-pseries": {
    component: "machine type", needs: "2.7", ops: ["hot-add", "unplug"], families: ["pseries"],
    what: "vCPU hotplug on pseries",
    why: "pseries-2.6 and older have no CPU core hotplug (has_hotpluggable_cpus off)",
  },
  "libvirt-setvcpu": {
    component: "libvirt", needs: "3.1.0", ops: ["hot-add", "unplug"], backend: "libvirt", withQemuFrom: "2.7",
    what: "per-vCPU hotplug through libvirt (virDomainSetVcpu)",
    why: "the provider plugs and unplugs one chosen vCPU at a time with virDomainSetVcpu, which appeared in libvirt 3.1.0",
  },
};

/** What a gate is checked against: the versions and machine a read found (undefined: not known, the gate passes). */
export interface GateFacts {
  readonly backend: "libvirt" | "qmp";
  readonly machine: string | undefined;
  readonly qemuVersion: string | undefined;
  readonly libvirtVersion: string | undefined;
}

/** `X.Y[.Z]` as numbers; undefined when `v` does not start with a version. */
export function parseVersion(v: string): number[] | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

/** Negative, zero or positive as `a` is older than, equal to or newer than `b` (both `X.Y[.Z]`; unparsable counts as 0.0.0). */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a) ?? [0, 0, 0];
  const y = parseVersion(b) ?? [0, 0, 0];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

/** The version in a machine type's name (`pc-q35-1.4` → `1.4`, `pseries-2.12-sxxm` → `2.12`); undefined for an alias. */
export function machineVersion(machine: string): string | undefined {
  const family = machineFamily(machine);
  const prefix = family?.versionedPrefix;
  if (!prefix || !machine.startsWith(prefix)) return undefined;
  return /^\d+\.\d+(\.\d+)?/.exec(machine.slice(prefix.length))?.[0];
}

/** The version of `component` in `facts` (the machine type's for `machine type`). */
function found(component: GateComponent, facts: GateFacts): string | undefined {
  if (component === "QEMU") return facts.qemuVersion;
  if (component === "libvirt") return facts.libvirtVersion;
  return facts.machine === undefined ? undefined : machineVersion(facts.machine);
}

/** Does `gate` apply to `op` on a VM with these facts (family, backend, QEMU range)? */
function applies(gate: VersionGate, op: GateOp, facts: GateFacts): boolean {
  if (!gate.ops.includes(op)) return false;
  if (gate.backend && gate.backend !== facts.backend) return false;
  const family = facts.machine === undefined ? undefined : machineFamily(facts.machine);
  if (gate.families && (!family || !gate.families.includes(family.alias))) return false;
  if (gate.withQemuFrom && (facts.qemuVersion === undefined || compareVersions(facts.qemuVersion, gate.withQemuFrom) < 0)) return false;
  return true;
}

/** A gate that failed: which, and the message naming the component, the version found and the version needed. */
export interface GateFailure {
  readonly gate: GateName;
  readonly message: string;
}

/** The message for a failed gate: "unplugging vCPUs (device_del) needs QEMU ≥ 2.7, this VM runs QEMU 2.6.2: …". */
export function gateMessage(gate: VersionGate, have: string, facts: GateFacts): string {
  const subject = gate.component === "machine type" ? `machine type ${facts.machine} (${have})` : `${gate.component} ${have}`;
  return `${gate.what} needs ${gate.component} ≥ ${gate.needs}, this VM runs ${subject}: ${gate.why}`;
}

/** The gates `op` fails on a VM with these facts, in table order (empty: every gate passes or can't be judged). */
export function failedGates(op: GateOp, facts: GateFacts): GateFailure[] {
  const out: GateFailure[] = [];
  for (const [name, gate] of Object.entries(VERSION_GATES) as [GateName, VersionGate][]) {
    if (!applies(gate, op, facts)) continue;
    const have = found(gate.component, facts);
    if (have === undefined || !parseVersion(have) || compareVersions(have, gate.needs) >= 0) continue;
    out.push({ gate: name, message: gateMessage(gate, have, facts) });
  }
  return out;
}
