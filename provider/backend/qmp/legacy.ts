/**
 * A raw QEMU before 2.7 (no `query-hotpluggable-cpus`; CommandNotFound): vCPUs are read with `query-cpus`
 * (indexes, QOM paths, host threads), the maximum is what QEMU states when refusing a `cpu-add` above it, and
 * vCPUs are hot-added with `cpu-add id=N`. There is no unplug (the version gates refuse it at preview) and no way
 * to read the `-smp` topology over QMP: it is reported as one socket per vCPU and not compared.
 */
import { ProviderError } from "../../errors";
import { query, type Monitor } from "../../qmp";
import { VERSION_GATES, gateMessage, machineFamily, type LiveState } from "../../spec";
import { cpuAddMaximum, legacyArch, legacyCpus, legacySlots, machineType } from "../qemu-view";
import { STATUS, acpiEnabled, identity, type QmpAgentRead } from "./read";

/** Reads the live state of a QEMU before 2.7 behind `monitor`. */
export async function readLegacyQmp(monitor: Monitor, endpoint: string, agent: () => Promise<QmpAgentRead>): Promise<LiveState> {
  const [status, id, machine, cpus, max, version, acpi, guest] = await Promise.all([
    query(monitor, "query-status"),
    identity(monitor, endpoint),
    machineType(monitor),
    legacyCpus(monitor),
    cpuAddMaximum(monitor),
    query(monitor, "query-version"),
    acpiEnabled(monitor),
    agent(),
  ]);
  const v = version.qemu;
  const qemuVersion = `${v.major}.${v.minor}.${v.micro}`;
  if (max === undefined) throw tooOld(endpoint, qemuVersion, machine);
  const maxVcpus = max;
  const slots = legacySlots(maxVcpus, cpus.present);
  const boot = cpus.present.find((c) => c.index === 0)?.threadId;
  return {
    backend: "qmp",
    name: id.name,
    uuid: id.uuid,
    state: STATUS[status.status] ?? "unknown",
    arch: legacyArch(cpus, machineFamily(machine)?.arch),
    running: {
      maxVcpus,
      topology: { sockets: maxVcpus, dies: 1, cores: 1, threads: 1 },
      machine,
      vcpus: slots.filter((s) => s.enabled).length,
      slots,
    },
    config: undefined,
    instance: boot === undefined ? undefined : `thread:${boot}`,
    guest: guest.guest,
    agent: guest.status,
    acpi,
    qemuVersion,
    disagreements: [],
  };
}

/**
 * QEMU before 1.5 has no cpu-add: nothing can be hot-added, and its `-smp maxcpus` can't be read over QMP at all,
 * so the read itself fails, naming the gate (VERSION_TOO_OLD; nothing was changed).
 */
function tooOld(endpoint: string, qemuVersion: string, machine: string): ProviderError {
  const gate = gateMessage(VERSION_GATES["qemu-cpu-add"], qemuVersion, { backend: "qmp", machine, qemuVersion, libvirtVersion: undefined });
  return new ProviderError(
    "VERSION_TOO_OLD",
    `can't manage the vCPUs of the QEMU at ${endpoint}: ${gate}; without cpu-add its -smp maxcpus can't be read over QMP either. ` +
      "Nothing was changed: upgrade QEMU, or manage the VM through libvirt (which reads the maximum from its definition)",
  );
}
