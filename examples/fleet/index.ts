/**
 * A fleet: one `VmCpu` per VM in a list, each VM on the libvirt host its URI names. Change a
 * `vcpus` in the list (or in stack config `fleet`) and `pulumi up` changes just that VM, live.
 */
import * as pulumi from "@pulumi/pulumi";
import { VmCpu } from "pulumi-qemu-vcpu";

/** One VM of the fleet. */
interface FleetVm {
  /** libvirt URI of its host, as `virsh -c` takes it: `qemu:///system`, `qemu+ssh://root@kvm2/system`, `qemu+tls://…`. */
  uri: string;
  domain: string;
  vcpus: number;
  maxVcpus?: number;
}

const DEFAULT_FLEET: FleetVm[] = [
  { uri: "qemu:///system", domain: "web01", vcpus: 2 },
  { uri: "qemu:///system", domain: "web02", vcpus: 2 },
  { uri: "qemu+ssh://root@kvm2.example.net/system", domain: "db01", vcpus: 8, maxVcpus: 16 },
];

const fleet = new pulumi.Config().getObject<FleetVm[]>("fleet") ?? DEFAULT_FLEET;

/**
 * Short host name for resource names: "local" for a local socket, an address with dashes
 * (`127-0-0-1`), else the first label of the host name (`kvm2`).
 */
function hostOf(uri: string): string {
  const host = new URL(uri).hostname.replace(/^\[|\]$/g, "");
  if (host === "") return "local";
  if (/^[\d.]+$|:/.test(host)) return host.replace(/[.:]+/g, "-");
  return host.split(".")[0]!;
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
