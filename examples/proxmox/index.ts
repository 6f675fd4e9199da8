/**
 * Proxmox VE guests' vCPUs, changed live through QMP over SSH: each VM's monitor is
 * `/var/run/qemu-server/<vmid>.qmp` on its node and its guest agent `/var/run/qemu-server/<vmid>.qga`,
 * both reached through one SSH connection per node. Config (all optional):
 *   vms:        [{ node, vmid, vcpus, maxVcpus? }]   (default: the list below)
 *   sshUser:    default root
 *   sshKey:     private key file (default: ssh-agent, then ~/.ssh/id_*)
 *   knownHosts: default ~/.ssh/known_hosts (add each node's key first: ssh-keyscan NODE >> ~/.ssh/known_hosts)
 *   sshPort:    default 22
 *   socketDir:  default /var/run/qemu-server
 */
import * as pulumi from "@pulumi/pulumi";
import { VmCpu } from "pulumi-qemu-vcpu";

/** One Proxmox guest: the node it runs on, its VMID, and the vCPUs it should have. */
interface ProxmoxVm {
  node: string;
  vmid: number;
  vcpus: number;
  /** `cores × sockets` of the VM (Proxmox starts QEMU with -smp vcpus,maxcpus=cores×sockets). */
  maxVcpus?: number;
}

const config = new pulumi.Config();
const vms = config.getObject<ProxmoxVm[]>("vms") ?? [
  { node: "pve1.example.net", vmid: 101, vcpus: 4, maxVcpus: 8 },
  { node: "pve2.example.net", vmid: 205, vcpus: 2, maxVcpus: 4 },
];
const socketDir = config.get("socketDir") ?? "/var/run/qemu-server";
const sshUser = config.get("sshUser");
const sshKey = config.get("sshKey");
const knownHosts = config.get("knownHosts");
const sshPort = config.getNumber("sshPort");

const cpus = vms.map(
  (vm) =>
    new VmCpu(`${vm.node.split(".")[0]!.replace(/[.:]+/g, "-")}-${vm.vmid}-cpu`, {
      qmp: {
        ssh: {
          host: vm.node,
          ...(sshUser ? { user: sshUser } : {}),
          ...(sshPort ? { port: sshPort } : {}),
          ...(sshKey ? { keyfile: sshKey } : {}),
          ...(knownHosts ? { knownHosts } : {}),
        },
        socket: `${socketDir}/${vm.vmid}.qmp`,
        agentSocket: `${socketDir}/${vm.vmid}.qga`,
      },
      maxVcpus: vm.maxVcpus ?? 8,
      vcpus: vm.vcpus,
      guestAgent: "optional",
    }),
);

/** vCPUs plugged per VM, keyed `node/vmid`. */
export const liveVcpus = pulumi
  .all(cpus.map((c, i) => c.liveVcpus.apply((n) => [`${vms[i]!.node}/${vms[i]!.vmid}`, n] as const)))
  .apply((pairs) => Object.fromEntries(pairs));
/** How many of them the guest has online (undefined where the agent did not answer). */
export const guestOnlineVcpus = pulumi
  .all(cpus.map((c, i) => c.guestOnlineVcpus.apply((n) => [`${vms[i]!.node}/${vms[i]!.vmid}`, n ?? null] as const)))
  .apply((pairs) => Object.fromEntries(pairs));
