/**
 * `pulumi-qemu-vcpu`: declare a QEMU/KVM VM's CPU spec and change the running VM to match.
 *
 * ```ts
 * import { VmCpu } from "pulumi-qemu-vcpu";
 * new VmCpu("web01-cpu", { libvirt: { uri: "qemu:///system", domain: "web01" }, maxVcpus: 8, vcpus: 4 });
 * ```
 */
export { VmCpu, VM_CPU_TYPE, type VmCpuArgs, type VmCpuState, type InputFields } from "./vmcpu";
export { provider } from "./provider";
export type {
  AgentStatus, ColdChanges, ConfigCpus, Declared, GuestAgentMode, LibvirtConnection, QmpConnection, QmpSsh, RunState, Timeouts,
  Topology, VcpuSlot, NumaNode, NumaPlacement,
} from "./types";
