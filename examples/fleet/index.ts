/**
 * A fleet: one `VmCpu` per VM in a list, each VM on the libvirt host its URI names. Change a
 * `vcpus` in the list (or in stack config `fleet`) and `pulumi up` changes just that VM, live.
 */
import * as pulumi from "@pulumi/pulumi";
import { VmCpu } from "pulumi-qemu-vcpu";

/** One VM of the fleet. */
interface FleetVm {
  /** libvirt URI of its host; a remote daemon reached through a forwarded unix socket (see README). */
  uri: string;
  domain: string;
  vcpus: number;
  maxVcpus?: number;
}

const DEFAULT_FLEET: FleetVm[] = [
  { uri: "qemu:///system", domain: "web01", vcpus: 2 },
  { uri: "qemu:///system", domain: "web02", vcpus: 2 },
  { uri: "qemu+unix:///system?socket=/run/vmcpu/kvm2.sock", domain: "db01", vcpus: 8, maxVcpus: 16 },
];

const fleet = new pulumi.Config().getObject<FleetVm[]>("fleet") ?? DEFAULT_FLEET;

/** Short host name for resource names: the forwarded socket's file name, or "local". */
function hostOf(uri: string): string {
  const socket = /[?&]socket=([^&]+)/.exec(uri)?.[1];
  return socket ? socket.replace(/^.*\//, "").replace(/\.sock$/, "") : "local";
}

const cpus = fleet.map(
  (vm) =>
    new VmCpu(`${hostOf(vm.uri)}-${vm.domain}-cpu`, {
      libvirt: { uri: vm.uri, domain: vm.domain },
      maxVcpus: vm.maxVcpus ?? 8,
      vcpus: vm.vcpus,
      guestAgent: "optional",
    }),
);

/** vCPUs plugged per VM, keyed `host/domain`. */
export const liveVcpus = pulumi
  .all(cpus.map((c, i) => c.liveVcpus.apply((n) => [`${hostOf(fleet[i]!.uri)}/${fleet[i]!.domain}`, n] as const)))
  .apply((pairs) => Object.fromEntries(pairs));
