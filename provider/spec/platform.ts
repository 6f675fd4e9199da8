/**
 * Per-platform vCPU hotplug rules: the one table that says, for each QEMU machine family,
 * which architecture it is, whether vCPUs can be hot-added and unplugged, and how big the
 * smallest hotpluggable entity is. Check, plan and the policies all read this table.
 *
 * Sources: QEMU's `query-hotpluggable-cpus` (`vcpus-count` per entity), `query-machines`
 * (`cpu-max`, QEMU 7.2 values), libvirt's formatdomain "vcpus" rules, and the notes in
 * ../shared/notes/test-guest.md (x86 under TCG) — see README "Per-platform rules".
 */

/** CPU architecture of a machine family, as QEMU's `query-cpus-fast` `target` names it. */
export type Arch = "x86_64" | "ppc64" | "s390x" | "aarch64";

/** Size of the smallest hotpluggable entity. */
export type Granularity = "thread" | "core";

/** One row of {@link MACHINE_FAMILIES}. */
export interface MachineFamily {
  /** Unversioned alias QEMU accepts, e.g. `q35`. Resolves to the newest versioned type. */
  readonly alias: string;
  /** Prefix of the versioned names, e.g. `pc-q35-` in `pc-q35-7.2`. */
  readonly versionedPrefix: string | undefined;
  readonly arch: Arch;
  /** vCPUs can be added to a running VM. */
  readonly hotAdd: boolean;
  /** vCPUs can be removed from a running VM (guest cooperation still needed). */
  readonly unplug: boolean;
  /** Smallest entity hot-added or unplugged at once. */
  readonly granularity: Granularity;
  /** QEMU's `cpu-max` for the family (7.2). */
  readonly cpuMax: number;
  /** Why the row says what it says; shown in errors and policy messages. */
  readonly why: string;
}

/**
 * The machine families we know, keyed by alias. Anything else is rejected at check with
 * the list of valid shapes.
 */
export const MACHINE_FAMILIES: Readonly<Record<string, MachineFamily>> = {
  pc: {
    alias: "pc", versionedPrefix: "pc-i440fx-", arch: "x86_64", hotAdd: true, unplug: true,
    granularity: "thread", cpuMax: 255,
    why: "x86 hotplugs one thread at a time through ACPI; vCPU 0 (the boot CPU) can never be unplugged",
  },
  q35: {
    alias: "q35", versionedPrefix: "pc-q35-", arch: "x86_64", hotAdd: true, unplug: true,
    granularity: "thread", cpuMax: 288,
    why: "x86 hotplugs one thread at a time through ACPI; vCPU 0 (the boot CPU) can never be unplugged",
  },
  pseries: {
    alias: "pseries", versionedPrefix: "pseries-", arch: "ppc64", hotAdd: true, unplug: true,
    granularity: "core", cpuMax: 1024,
    why: "pseries hotplugs whole cores (spapr-cpu-core): vCPU counts move in steps of threads per core",
  },
  "s390-ccw-virtio": {
    alias: "s390-ccw-virtio", versionedPrefix: "s390-ccw-virtio-", arch: "s390x", hotAdd: true, unplug: false,
    granularity: "thread", cpuMax: 248,
    why: "s390x can hot-add CPUs but QEMU has no CPU unplug for s390x: shrinking needs a restart",
  },
  microvm: {
    alias: "microvm", versionedPrefix: undefined, arch: "x86_64", hotAdd: false, unplug: false,
    granularity: "thread", cpuMax: 288,
    why: "microvm has no ACPI CPU hotplug: every vCPU change needs a restart",
  },
  isapc: {
    alias: "isapc", versionedPrefix: undefined, arch: "x86_64", hotAdd: false, unplug: false,
    granularity: "thread", cpuMax: 1,
    why: "isapc is a single-CPU machine",
  },
  virt: {
    alias: "virt", versionedPrefix: "virt-", arch: "aarch64", hotAdd: false, unplug: false,
    granularity: "thread", cpuMax: 512,
    why: "QEMU's arm virt machine has no vCPU hotplug (up to QEMU 10.0): every vCPU change needs a restart",
  },
};

/**
 * The message for a machine string no family matches: the known aliases and the versioned
 * shapes, both read from {@link MACHINE_FAMILIES}. Whether a versioned type (`pc-q35-99.99`)
 * exists is a fact of the host's QEMU, not of this table (see the notes on preview).
 */
export function unknownMachineMessage(machine: string): string {
  const families = Object.values(MACHINE_FAMILIES);
  const versioned = families.flatMap((f) => (f.versionedPrefix ? [`${f.versionedPrefix}X.Y`] : []));
  // X.Y[.Z][-variant]: QEMU also names point releases (pc-q35-4.0.1) and variants (pseries-2.12-sxxm).
  return `machine "${machine}" is not a machine type we know; known aliases: ${families.map((f) => f.alias).join(", ")}; or a versioned type: ${versioned.join(", ")}`;
}

/**
 * The version part of a versioned machine name as QEMU spells them: `7.2`, a point release
 * (`pc-q35-4.0.1`) and a variant suffix (`pseries-2.12-sxxm`).
 */
const VERSION = /^\d+\.\d+(\.\d+)?(-[a-z][a-z0-9]*)?$/;

/** Finds the family of a machine string (`q35`, `pc-q35-7.2`, …), or undefined. */
export function machineFamily(machine: string): MachineFamily | undefined {
  const exact = MACHINE_FAMILIES[machine];
  if (exact) return exact;
  for (const family of Object.values(MACHINE_FAMILIES)) {
    const prefix = family.versionedPrefix;
    if (prefix && machine.startsWith(prefix) && VERSION.test(machine.slice(prefix.length))) return family;
  }
  return undefined;
}

/**
 * True when the desired machine string is satisfied by the live one: equal, or the desired
 * one is an unversioned alias and the live one is a versioned type of the same family
 * (`q35` vs `pc-q35-7.2`). An alias resolves at VM start, so it must not cause a diff forever.
 */
export function machineMatches(desired: string, live: string): boolean {
  if (desired === live) return true;
  const family = MACHINE_FAMILIES[desired];
  return family !== undefined && machineFamily(live) === family;
}

/** vCPUs per hotpluggable entity for a family and `threads` per core. */
export function entitySize(family: MachineFamily, threads: number): number {
  return family.granularity === "core" ? threads : 1;
}
