/**
 * The public data types of `pulumi-qemu-vcpu`, written out by hand as generated Pulumi SDKs do, so
 * a program's editor shows each field's documentation and its `.d.ts` needs no zod. The zod
 * schemas in `provider/spec` stay the single source of validation; `test/unit/sdk/types.test.ts`
 * keeps these types and the schemas in step.
 */

/** CPU topology (QEMU `-smp`, libvirt `<cpu><topology>`): the product of all counts equals `maxVcpus`. */
export interface Topology {
  /** Sockets (at least 1). */
  sockets: number;
  /** Dies per socket (default 1; QEMU ≥ 5.0 on x86). */
  dies?: number;
  /** Clusters per die (default 1; QEMU ≥ 7.0). */
  clusters?: number;
  /** Cores per cluster (at least 1). */
  cores: number;
  /** Threads per core (at least 1; on pseries the hot-plug unit is a whole core of `threads` vCPUs). */
  threads: number;
}

/** How to reach a VM through libvirt. */
export interface LibvirtConnection {
  /** Connection URI as `virsh -c` takes it, e.g. `qemu:///system`. */
  uri: string;
  /** The libvirt domain name. */
  domain: string;
}

/** How to reach a VM straight through QMP (no libvirt): `socket`, or `host` with `port`. */
export interface QmpConnection {
  /** Path of QEMU's QMP unix socket (`-qmp unix:PATH,server`). */
  socket?: string;
  /** Host of QEMU's QMP TCP socket (`-qmp tcp:HOST:PORT,server`). */
  host?: string;
  /** Port of QEMU's QMP TCP socket. */
  port?: number;
  /** Host side of the guest agent's virtio-serial chardev (unix socket), to online CPUs in the guest. */
  agentSocket?: string;
  /** Reach `socket` and `agentSocket` on another host through its sshd (one SSH connection per host). */
  ssh?: QmpSsh;
  /** A VM served by `pulumi-qemu-vcpu gateway` on its host: `wss://HOST:PORT/vm/NAME` (then no socket, host, port, agentSocket, ssh). */
  url?: string;
  /** Stack config key holding the gateway token (set it with `pulumi config set --secret`); default `qemu-vcpu:gatewayToken`. */
  tokenConfigKey?: string;
  /** PEM file of the CA that signed the gateway's certificate; the system store when absent. */
  ca?: string;
}

/** QMP over SSH: the hypervisor's sshd; `socket`/`agentSocket` are absolute paths on that host. */
export interface QmpSsh {
  /** Host name or address of the hypervisor. */
  host: string;
  /** SSH user (default root). */
  user?: string;
  /** SSH port (default 22). */
  port?: number;
  /** Private key file (default: ssh-agent at SSH_AUTH_SOCK, then ~/.ssh/id_*). */
  keyfile?: string;
  /** known_hosts file the host key is checked against (default ~/.ssh/known_hosts). */
  knownHosts?: string;
}

/** Whether and how qemu-guest-agent is used to online/offline CPUs inside the guest. */
export type GuestAgentMode = "required" | "optional" | "off";

/** What to do with changes a running VM can't take (`maxVcpus`, `topology`, `machine`). */
export type ColdChanges = "refuse" | "persist" | "restart";

/**
 * Which free slots hot-adds take on a VM with several NUMA nodes: `lowest-id` (default) or `balanced`
 * (round-robin across nodes; unplugs take from the fullest node, so the nodes stay even).
 */
export type NumaPlacement = "lowest-id" | "balanced";

/** One NUMA node's vCPUs (from the slots' nodes, fixed when QEMU starts). */
export interface NumaNode {
  /** NUMA node id (libvirt cell id, QEMU `node-id`). */
  node: number;
  /** vCPU slots of the node, plugged or not. */
  possible: number;
  /** vCPUs of the node plugged in QEMU. */
  plugged: number;
  /** vCPUs of the node online in the guest: known only when every plugged vCPU is online. */
  online?: number;
}

/** Bounded waits, in seconds. */
export interface Timeouts {
  /** How long to wait for QEMU and the guest to finish one vCPU unplug (default 30). */
  unplugSeconds?: number;
  /** How long to wait for the guest agent to answer, see new CPUs and online them (default 30). */
  agentSeconds?: number;
  /** How long a graceful shutdown may take before `coldChanges: "restart"` gives up (default 120). */
  shutdownSeconds?: number;
}

/** Domain run state, in libvirt's words. */
export type RunState = "running" | "paused" | "shutoff" | "shutdown" | "crashed" | "pmsuspended" | "blocked" | "unknown";

/** Guest-agent availability as observed at the last read. */
export type AgentStatus = "connected" | "unavailable" | "not-configured" | "off";

/** One possible vCPU: libvirt's `<vcpus><vcpu>` merged with QEMU's hot-pluggable slot. */
export interface VcpuSlot {
  /** libvirt vCPU id; for raw QMP the same linear index derived from the topology. */
  id: number;
  /** Plugged in QEMU (QEMU's own view). */
  enabled: boolean;
  /** Can be unplugged (false for the boot vCPU). */
  hotpluggable: boolean;
  /** Order in which it was plugged (libvirt `order`), used for last-in-first-out unplug. */
  order?: number;
  socketId?: number;
  dieId?: number;
  clusterId?: number;
  coreId?: number;
  threadId?: number;
  /** QOM path of the plugged CPU device. */
  qomPath?: string;
  /** libvirt's view, when it disagrees with QEMU's. */
  libvirtEnabled?: boolean;
  /** Id of the hot-pluggable entity this vCPU belongs to (a core on pseries; itself on x86). */
  entity: number;
  /** An unplug QEMU never confirmed left this slot free: no vCPU is hot-added into this QEMU until it restarts. */
  unplugUnconfirmed?: boolean;
  /** NUMA node of the vCPU (libvirt `<numa><cell cpus>`, QMP `node-id`); absent without NUMA. */
  node?: number;
}

/** The persistent definition's CPU fields (what the next start runs). */
export interface ConfigCpus {
  maxVcpus: number;
  vcpus: number;
  topology: Topology;
  machine: string;
}

/** The CPU fields a program declared at the last apply. */
export interface Declared {
  maxVcpus: number;
  vcpus: number;
  topology?: Topology;
  machine?: string;
}
