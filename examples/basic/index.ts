/**
 * One VM's CPU spec. Raise `vcpus` (pulumi config set vcpus 4) and `pulumi up` hot-adds the
 * vCPUs to the running VM and onlines them in the guest; `pulumi preview` says so first.
 */
import * as pulumi from "@pulumi/pulumi";
import { VmCpu } from "pulumi-qemu-vcpu";

const config = new pulumi.Config();

const cpu = new VmCpu("web01-cpu", {
  libvirt: { uri: config.get("uri") ?? "qemu:///system", domain: config.get("domain") ?? "web01" },
  maxVcpus: 8,
  vcpus: config.getNumber("vcpus") ?? 4,
  topology: { sockets: 1, cores: 8, threads: 1 },
  machine: "q35",
  guestAgent: "optional",
});

export const liveVcpus = cpu.liveVcpus;
export const guestOnlineVcpus = cpu.guestOnlineVcpus;
export const machine = cpu.machine;
export const restartPending = cpu.restartPending;
