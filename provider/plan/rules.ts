/**
 * The rule table: for every input field, how a change to it reaches the VM, and why.
 * `diff` (in-place update, replace, or refusal), `plan` (which steps) and the docs all
 * read this one table; there are no per-field `if`s elsewhere deciding restart vs live.
 */

/** How a change to a field is applied to a running VM. */
export type ApplyKind =
  /** Changed on the running VM, no restart (hotplug, guest onlining). */
  | "live"
  /** Only takes effect when QEMU starts again: governed by `coldChanges`. */
  | "restart"
  /** Names a different VM: the resource is replaced (adopt the other VM; nothing is deleted). */
  | "replace"
  /** Changes only how the provider behaves; nothing on the VM changes. */
  | "setting";

/** One row of {@link FIELD_RULES}. */
export interface FieldRule {
  readonly apply: ApplyKind;
  /** Shown in errors, preview logs and the README table. */
  readonly why: string;
}

/** Input fields the table covers. */
export type RuleField =
  | "vcpus" | "maxVcpus" | "topology" | "machine" | "libvirt" | "qmp" | "guestAgent" | "coldChanges" | "timeouts"
  | "numaPlacement";

/** The rule table. */
export const FIELD_RULES: Readonly<Record<RuleField, FieldRule>> = {
  vcpus: {
    apply: "live",
    why: "hot-add/unplug one hotpluggable entity at a time (libvirt setvcpu / QMP device_add, device_del), then online/offline in the guest; becomes a restart change when the slots it needs can't be plugged live (boot vCPUs, s390x shrink, no ACPI, above the running maximum)",
  },
  maxVcpus: {
    apply: "restart",
    why: "QEMU fixes maxcpus when it starts (-smp maxcpus); libvirt changes the <vcpu> maximum only in the persistent definition",
  },
  topology: {
    apply: "restart",
    why: "sockets/dies/clusters/cores/threads are fixed when QEMU starts (-smp)",
  },
  machine: {
    apply: "restart",
    why: "the machine type is chosen when QEMU starts (-machine)",
  },
  libvirt: {
    apply: "replace",
    why: "a different URI or domain is a different VM: the resource adopts the new one and leaves the old one as it is",
  },
  qmp: {
    apply: "replace",
    why: "a different QMP endpoint is a different VM: the resource adopts the new one and leaves the old one as it is",
  },
  guestAgent: { apply: "setting", why: "only changes whether the provider uses qemu-guest-agent" },
  coldChanges: { apply: "setting", why: "only changes what the provider does with restart-needing changes" },
  timeouts: { apply: "setting", why: "only changes how long the provider waits" },
  numaPlacement: {
    apply: "setting",
    why: "only changes which free slots later hot-adds take and which plugged ones unplugs remove (NUMA nodes); plugged vCPUs stay where they are",
  },
};
