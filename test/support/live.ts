/** Builders for LiveState fixtures used by plan/diff/apply unit tests. */
import type { LiveState, VcpuSlot, VmCpuInputs } from "../../provider/spec";
import { parseInputs } from "../../provider/spec";

/** x86 slots: `max` vCPUs, ids < `plugged` enabled; ids < `boot` not hotpluggable; order = id+1. */
export function x86Slots(max: number, plugged: number, boot = 1): VcpuSlot[] {
  return Array.from({ length: max }, (_, id) => ({
    id, entity: id, enabled: id < plugged, hotpluggable: id >= boot,
    order: id < plugged ? id + 1 : undefined, socketId: 0, coreId: id, threadId: 0,
  }));
}

/** pseries slots: cores of `threads`, `pluggedCores` enabled, core 0 not hotpluggable. */
export function pseriesSlots(cores: number, threads: number, pluggedCores: number): VcpuSlot[] {
  return Array.from({ length: cores * threads }, (_, id) => {
    const core = Math.floor(id / threads);
    return {
      id, entity: core * threads, enabled: core < pluggedCores, hotpluggable: core > 0,
      order: core < pluggedCores ? core + 1 : undefined, coreId: core * threads, threadId: id % threads,
    };
  });
}

/** A running x86 VM via libvirt, persistent, agent connected with all plugged CPUs online. */
export function runningVm(opts: Partial<LiveState> & { max?: number; plugged?: number; boot?: number; machine?: string } = {}): LiveState {
  const { max = 4, plugged = 1, boot = 1, machine = "pc-q35-7.2", ...over } = opts;
  const topology = { sockets: 1, dies: 1, cores: max, threads: 1 };
  const ids = Array.from({ length: plugged }, (_, i) => i);
  return {
    backend: "libvirt", name: "web01", uuid: "00000000-0000-0000-0000-000000000001", state: "running", arch: "x86_64",
    running: { maxVcpus: max, topology, machine, vcpus: plugged, libvirtVcpus: plugged, slots: x86Slots(max, plugged, boot) },
    config: { maxVcpus: max, vcpus: plugged, topology, machine },
    guest: { present: ids, online: ids, offlinable: ids.slice(1) },
    agent: "connected", acpi: true, libvirtVersion: "9.0.0", qemuVersion: "7.2.22", disagreements: [],
    ...over,
  };
}

/** Parsed desired inputs with a libvirt connection. */
export function desired(over: Record<string, unknown> = {}): VmCpuInputs {
  return parseInputs({ libvirt: { uri: "qemu:///system", domain: "web01" }, maxVcpus: 4, vcpus: 1, ...over });
}
