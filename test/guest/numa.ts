/**
 * NUMA for the test guests: the cells of a two-node (or N-node) layout shared by libvirt domains (`<numa><cell>`)
 * and raw QEMU (`-numa node` + `-numa cpu`), and the guest's own view of its nodes read through qemu-ga
 * (`/sys/devices/system/node`, via guest-exec).
 */
import { pollUntil } from "./exec";
import { defaultTopology, type Topology } from "./topology";

/** One NUMA cell: its vCPU ids (contiguous, whole sockets) and memory. */
export interface NumaCell {
  id: number;
  vcpuIds: number[];
  /** Sockets of the cell (for `-numa cpu,socket-id=`). */
  sockets: number[];
  memoryMiB: number;
}

/**
 * Splits `maxVcpus` into `nodes` cells of whole sockets (socket s on node ⌊s / (sockets/nodes)⌋) and `memoryMiB`
 * evenly; throws when the sockets don't divide.
 */
export function numaCells(nodes: number, maxVcpus: number, memoryMiB: number, t?: Topology): NumaCell[] {
  const topo = defaultTopology(maxVcpus, t);
  if (!Number.isInteger(nodes) || nodes < 1 || topo.sockets % nodes !== 0) {
    throw new Error(`numaNodes=${nodes} must divide sockets=${topo.sockets} (each node holds whole sockets)`);
  }
  const perSocket = maxVcpus / topo.sockets;
  const socketsPerNode = topo.sockets / nodes;
  return Array.from({ length: nodes }, (_, id) => {
    const sockets = Array.from({ length: socketsPerNode }, (_, i) => id * socketsPerNode + i);
    const vcpuIds = sockets.flatMap((s) => Array.from({ length: perSocket }, (_, i) => s * perSocket + i));
    return { id, vcpuIds, sockets, memoryMiB: Math.floor(memoryMiB / nodes) };
  });
}

/** The guest's view of one NUMA node: CPUs it holds (`cpuN` links) and those online (`cpulist`), logical ids. */
export interface GuestNode {
  cpus: number[];
  online: number[];
}

const SCRIPT = 'for n in /sys/devices/system/node/node[0-9]*; do cd "$n"; echo "${n##*/}|$(echo cpu[0-9]*)|$(cat cpulist)"; done';

function parseCpuList(list: string): number[] {
  return list.split(",").filter(Boolean).flatMap((part) => {
    const [lo, hi] = part.split("-").map(Number);
    return hi === undefined ? [lo!] : Array.from({ length: hi - lo! + 1 }, (_, i) => lo! + i);
  });
}

/** Parses the lines SCRIPT prints ("node1|cpu1 cpu3|1,3") into nodes by id. */
export function parseGuestNodes(out: string): Record<number, GuestNode> {
  const nodes: Record<number, GuestNode> = {};
  for (const line of out.split("\n").filter(Boolean)) {
    const [name, links, online] = line.split("|");
    const cpus = (links ?? "").split(" ").filter((l) => /^cpu\d+$/.test(l)).map((l) => Number(l.slice(3)));
    nodes[Number(name!.replace("node", ""))] = { cpus: cpus.sort((a, b) => a - b), online: parseCpuList((online ?? "").trim()) };
  }
  return nodes;
}

type AgentCommand = <T>(execute: string, args?: Record<string, unknown>) => Promise<T>;

/** Reads the guest's `/sys/devices/system/node` through qemu-ga (guest-exec of /bin/sh, polled to its exit). */
export async function guestNumaNodes(agentCommand: AgentCommand, timeoutMs = 20_000): Promise<Record<number, GuestNode>> {
  const { pid } = await agentCommand<{ pid: number }>("guest-exec", { path: "/bin/sh", arg: ["-c", SCRIPT], "capture-output": true });
  const status = await pollUntil(
    `guest-exec ${pid} (reading /sys/devices/system/node)`,
    async () => {
      const s = await agentCommand<{ exited: boolean; exitcode?: number; "out-data"?: string; "err-data"?: string }>("guest-exec-status", { pid });
      return s.exited ? s : undefined;
    },
    { timeoutMs },
  );
  const out = Buffer.from(status["out-data"] ?? "", "base64").toString("utf8");
  if (status.exitcode !== 0) throw new Error(`reading /sys/devices/system/node failed (${status.exitcode}): ${Buffer.from(status["err-data"] ?? "", "base64").toString("utf8")}`);
  return parseGuestNodes(out);
}
