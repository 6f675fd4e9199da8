/**
 * Reads a raw QEMU's live state straight over QMP (no libvirt): status, UUID/name, the exact
 * `-smp` and machine type from `/machine`, the hotpluggable slots, the target architecture
 * from `query-cpus-fast`, ACPI, the version, and the guest's CPUs through qemu-guest-agent.
 */
import { z } from "zod";
import { query, type Monitor } from "../../qmp";
import type { AgentStatus, GuestView, LiveState, RunState, Topology } from "../../spec";
import { machineSmp, machineType, slotsOrLegacy } from "../qemu-view";
import { readLegacyQmp } from "./legacy";
import { inferTopology, mergeSlots, qemuVcpus, type LibvirtVcpu, type QemuSlot } from "../slots";

/** QEMU run states (`query-status`) as libvirt names them. */
export const STATUS: Record<string, RunState> = {
  running: "running",
  paused: "paused",
  prelaunch: "paused",
  inmigrate: "paused",
  postmigrate: "paused",
  suspended: "pmsuspended",
  shutdown: "shutdown",
  "guest-panicked": "crashed",
  "internal-error": "crashed",
  "io-error": "paused",
  watchdog: "paused",
};

/** What the guest agent looked like during a read. */
export interface QmpAgentRead {
  readonly status: AgentStatus;
  readonly guest: GuestView | undefined;
}

/** Identity of a raw QEMU: `-uuid`/`-name` when given, else the QMP endpoint. */
export interface QmpIdentity {
  readonly uuid: string;
  readonly name: string;
}

/** UUID and name of the QEMU, or its endpoint when started without them. */
export async function identity(monitor: Monitor, endpoint: string): Promise<QmpIdentity> {
  const [uuid, name] = await Promise.all([query(monitor, "query-uuid"), query(monitor, "query-name")]);
  const zero = /^[0-]+$/.test(uuid.UUID);
  return { uuid: zero ? `qmp:${endpoint}` : uuid.UUID, name: name.name ?? endpoint };
}

/** `/machine` `acpi` (true where the machine has no such property). */
export async function acpiEnabled(monitor: Monitor): Promise<boolean> {
  try {
    return z.string().parse(await monitor.execute("qom-get", { path: "/machine", property: "acpi" })) !== "off";
  } catch {
    return true; // machines without the property (pseries, s390x) have no ACPI switch
  }
}

/**
 * Plug order is not recorded by QEMU: boot vCPUs (unattached) come first, hot-added ones
 * after, in id order — so LIFO unplug removes the highest hot-added id first.
 */
function ordersOf(arch: string, slots: readonly QemuSlot[], t: Topology): LibvirtVcpu[] {
  const vcpus = qemuVcpus(arch, slots, t);
  const rank = (path: string | undefined) => (path?.includes("/unattached/") ? 0 : 1);
  const plugged = vcpus.filter((v) => v.enabled).sort((a, b) => rank(a.qomPath) - rank(b.qomPath) || a.id - b.id);
  return vcpus.map((v) => ({
    id: v.id,
    enabled: v.enabled,
    hotpluggable: v.entity !== 0,
    order: v.enabled ? plugged.indexOf(v) + 1 : undefined,
  }));
}

/** Which QEMU process this is: the boot vCPU's thread id (a process's threads die with it). */
function bootThread(cpus: readonly { "cpu-index": number; "thread-id"?: number }[]): string | undefined {
  const tid = cpus.find((c) => c["cpu-index"] === 0)?.["thread-id"];
  return tid === undefined ? undefined : `thread:${tid}`;
}

/** Reads the whole live state of the QEMU behind `monitor` (a QEMU before 2.7: {@link readLegacyQmp}). */
export async function readQmp(monitor: Monitor, endpoint: string, agent: () => Promise<QmpAgentRead>): Promise<LiveState> {
  const slots = await slotsOrLegacy(monitor);
  if (!slots) return readLegacyQmp(monitor, endpoint, agent);
  const [status, id, smp, machine, cpus, version, acpi, guest] = await Promise.all([
    query(monitor, "query-status"),
    identity(monitor, endpoint),
    machineSmp(monitor).catch(() => undefined),
    machineType(monitor),
    query(monitor, "query-cpus-fast"),
    query(monitor, "query-version"),
    acpiEnabled(monitor),
    agent(),
  ]);
  const arch = cpus[0]?.target ?? "unknown";
  // QEMU < 6.2 has no /machine "smp" property: the slots say the same (every possible vCPU has one).
  const topology = smp?.topology ?? inferTopology(slots, arch);
  const maxVcpus = smp?.maxVcpus ?? slots.reduce((n, s) => n + s.vcpusCount, 0);
  const merged = mergeSlots(arch, slots, topology, ordersOf(arch, slots, topology));
  const v = version.qemu;
  return {
    backend: "qmp",
    name: id.name,
    uuid: id.uuid,
    state: STATUS[status.status] ?? "unknown",
    arch,
    running: {
      maxVcpus,
      topology,
      machine,
      vcpus: merged.slots.filter((s) => s.enabled).length,
      slots: merged.slots,
    },
    config: undefined,
    instance: bootThread(cpus),
    guest: guest.guest,
    agent: guest.status,
    acpi,
    qemuVersion: `${v.major}.${v.minor}.${v.micro}`,
    disagreements: [],
  };
}
