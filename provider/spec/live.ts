/**
 * The live state of one VM as read from libvirt, QEMU and the guest agent: the input of the
 * plan and the source of every output. Backends produce it; nothing here is guessed.
 */
import { z } from "zod";
import { Topology } from "./inputs";

/** One possible vCPU (libvirt `<vcpus><vcpu>` merged with QEMU's hotpluggable slot). */
export const VcpuSlot = z.object({
  /** libvirt vCPU id; for raw QMP the same linear index derived from the topology. */
  id: z.number().int(),
  /** Plugged in QEMU (QEMU's own view: the slot has a `qom-path`). */
  enabled: z.boolean(),
  /** Can be unplugged (libvirt `hotpluggable`; false for the boot vCPU). */
  hotpluggable: z.boolean(),
  /** Order in which it was plugged (libvirt `order`), used for LIFO unplug. */
  order: z.number().int().optional(),
  socketId: z.number().int().optional(),
  dieId: z.number().int().optional(),
  clusterId: z.number().int().optional(),
  coreId: z.number().int().optional(),
  threadId: z.number().int().optional(),
  /** QOM path of the plugged CPU device. */
  qomPath: z.string().optional(),
  /** libvirt's view, when it disagrees with QEMU's (`enabled` above is QEMU's). */
  libvirtEnabled: z.boolean().optional(),
  /** Id of the hotpluggable entity this vCPU belongs to (a core on pseries; itself on x86). */
  entity: z.number().int(),
  /**
   * QEMU freed this slot after an unplug without confirming it (no DEVICE_DELETED for the vCPU, as under
   * TCG): plugging it again can crash QEMU 7.2, so it is unusable until QEMU restarts.
   */
  unplugUnconfirmed: z.boolean().optional(),
  /** NUMA node the vCPU belongs to (libvirt `<cpu><numa><cell cpus>`, QMP `props.node-id`); absent without NUMA. */
  node: z.number().int().optional(),
});
export type VcpuSlot = z.infer<typeof VcpuSlot>;

/** The guest's own view through qemu-guest-agent (logical CPU ids, sorted). */
export const GuestView = z.object({
  present: z.array(z.number().int()),
  online: z.array(z.number().int()),
  offlinable: z.array(z.number().int()),
});
export type GuestView = z.infer<typeof GuestView>;

/** Domain run state, libvirt's names. */
export const RunState = z.enum(["running", "paused", "shutoff", "shutdown", "crashed", "pmsuspended", "blocked", "unknown"]);
export type RunState = z.infer<typeof RunState>;

/** What the running QEMU has. */
export const RunningCpus = z.object({
  maxVcpus: z.number().int(),
  topology: Topology,
  machine: z.string(),
  /** vCPUs plugged according to QEMU. */
  vcpus: z.number().int(),
  /** vCPUs plugged according to libvirt (`GET_VCPUS_FLAGS(LIVE)`); undefined for raw QMP. */
  libvirtVcpus: z.number().int().optional(),
  slots: z.array(VcpuSlot),
});
export type RunningCpus = z.infer<typeof RunningCpus>;

/** What the persistent definition says (libvirt inactive XML); absent for raw QMP/transient. */
export const ConfigCpus = z.object({
  maxVcpus: z.number().int(),
  vcpus: z.number().int(),
  topology: Topology,
  machine: z.string(),
});
export type ConfigCpus = z.infer<typeof ConfigCpus>;

/** Guest-agent availability as observed. */
export const AgentStatus = z.enum(["connected", "unavailable", "not-configured", "off"]);
export type AgentStatus = z.infer<typeof AgentStatus>;

/** Everything read about one VM. */
export const LiveState = z.object({
  backend: z.enum(["libvirt", "qmp"]),
  name: z.string(),
  uuid: z.string(),
  state: RunState,
  arch: z.string(),
  running: RunningCpus.optional(),
  config: ConfigCpus.optional(),
  guest: GuestView.optional(),
  agent: AgentStatus,
  /** ACPI present (x86 unplug needs it). */
  acpi: z.boolean(),
  libvirtVersion: z.string().optional(),
  qemuVersion: z.string().optional(),
  /** Plain-language disagreements between libvirt and QEMU (e.g. after an unplug timeout). */
  disagreements: z.array(z.string()),
  /** Which QEMU process this is (libvirt domain id, or the boot vCPU's thread id): changes when QEMU restarts. */
  instance: z.string().optional(),
});
export type LiveState = z.infer<typeof LiveState>;

/** A machine type the host's QEMU offers for the VM's architecture (`query-machines`, libvirt capabilities). */
export const OfferedMachine = z.object({
  /** The versioned name, e.g. "pc-q35-7.2". */
  name: z.string(),
  /** Its alias, e.g. "q35", when QEMU has one. */
  alias: z.string().optional(),
});
export type OfferedMachine = z.infer<typeof OfferedMachine>;
