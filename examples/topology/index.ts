/**
 * Topology and machine: 2 sockets × 4 cores × 2 threads = 16 possible vCPUs on a q35 machine.
 * `vcpus` moves live inside that envelope; `topology`, `maxVcpus` and `machine` are fixed
 * when QEMU starts, so changing them is a restart-needing change governed by `coldChanges`
 * ("refuse": preview fails and says why; "persist": written for the next start;
 * "restart": preview shows a replace, up restarts the VM gracefully).
 */
import * as pulumi from "@pulumi/pulumi";
import { VmCpu, type ColdChanges } from "pulumi-qemu-vcpu";

const config = new pulumi.Config();

const cpu = new VmCpu("db01-cpu", {
  libvirt: { uri: config.get("uri") ?? "qemu:///system", domain: config.get("domain") ?? "db01" },
  maxVcpus: 16,
  topology: { sockets: 2, cores: 4, threads: 2 },
  machine: "q35",
  vcpus: config.getNumber("vcpus") ?? 8,
  coldChanges: (config.get("coldChanges") as ColdChanges | undefined) ?? "refuse",
});

export const machine = cpu.machine;
export const topology = cpu.topology;
export const liveVcpus = cpu.liveVcpus;
export const restartPending = cpu.restartPending;
export const restartPendingFields = cpu.restartPendingFields;
