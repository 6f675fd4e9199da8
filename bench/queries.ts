/**
 * Per-query comparison: one fact of one VM, as one RPC on an open connection versus one
 * `virsh` process (which connects, looks the domain up, asks, and exits).
 */
import { execFile } from "node:child_process";
import { XML_INACTIVE, type DomainRef, type LibvirtClient } from "../provider/libvirt";
import { median, timeMs } from "./stats";

/** One fact, both ways. */
interface Query {
  readonly name: string;
  readonly rpc: (client: LibvirtClient, dom: DomainRef) => Promise<unknown>;
  readonly virsh: (domain: string) => string[];
}

const HOTPLUGGABLE = '{"execute":"query-hotpluggable-cpus"}';

/** The facts the drift read gathers, each as its RPC and its virsh command. */
export const QUERIES: readonly Query[] = [
  { name: "state", rpc: (c, d) => c.domainGetState(d), virsh: (d) => ["domstate", d] },
  { name: "live XML", rpc: (c, d) => c.domainGetXmlDesc(d, 0), virsh: (d) => ["dumpxml", d] },
  { name: "inactive XML", rpc: (c, d) => c.domainGetXmlDesc(d, XML_INACTIVE), virsh: (d) => ["dumpxml", "--inactive", d] },
  { name: "QEMU hotpluggable CPUs", rpc: (c, d) => c.qemuDomainMonitorCommand(d, HOTPLUGGABLE, 0), virsh: (d) => ["qemu-monitor-command", d, HOTPLUGGABLE] },
];

function virsh(uri: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => execFile("virsh", ["-c", uri, ...args], (err) => (err ? reject(err) : resolve())));
}

/** Median ms per query, both ways. */
export interface QueryTiming {
  readonly name: string;
  readonly rpc: number;
  readonly virsh: number;
}

/**
 * Times every query on every domain, one at a time, `rounds` times; each round asks all
 * domains by RPC, then all by virsh (so RPCs follow each other as in a drift read).
 */
export async function timeQueries(client: LibvirtClient, uri: string, doms: readonly DomainRef[], rounds: number): Promise<QueryTiming[]> {
  const out: QueryTiming[] = [];
  for (const q of QUERIES) {
    const rpc: number[] = [];
    const cmd: number[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const d of doms) rpc.push(await timeMs(() => q.rpc(client, d)));
      for (const d of doms) cmd.push(await timeMs(() => virsh(uri, q.virsh(d.name))));
    }
    out.push({ name: q.name, rpc: median(rpc), virsh: median(cmd) });
  }
  return out;
}
