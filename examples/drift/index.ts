/**
 * Drift detection: the same one-VM program as `basic`, meant to be checked on a schedule by
 * `ci/drift-check.sh` (`pulumi preview --refresh --expect-no-changes`). Someone running
 * `virsh setvcpus web01 6 --live` makes that check fail with `~ update [diff: ~vcpus]`;
 * `pulumi up` then puts the VM back to what this program declares.
 */
import * as pulumi from "@pulumi/pulumi";
import { VmCpu } from "pulumi-qemu-vcpu";

const config = new pulumi.Config();

const cpu = new VmCpu("web01-cpu", {
  libvirt: { uri: config.get("uri") ?? "qemu:///system", domain: config.get("domain") ?? "web01" },
  maxVcpus: 8,
  vcpus: config.getNumber("vcpus") ?? 4,
  guestAgent: "optional",
});

/** What the program declared vs what the VM has (as of the last up or refresh). */
export const declared = cpu.declared;
export const liveVcpus = cpu.liveVcpus;
export const guestOnlineVcpus = cpu.guestOnlineVcpus;
export const warnings = cpu.warnings;
