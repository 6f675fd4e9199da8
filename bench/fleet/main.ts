/**
 * `npm run bench:fleet`: N paused firmware-only domains (1 of 4 vCPUs, `guestAgent: "off"`) on
 * this host, all raised 1→4 in one run, four ways side by side in the same run and over each
 * transport: (p) our provider through Pulumi's dynamic-provider host with the engine's
 * parallelism, (i) the same provider calls in this process without the engine, (v) `virsh setvcpus --live` 8 at a time, (f) the floor: raw RPCs for all N at
 * once over one open connection. Fresh domains for every measurement (vCPUs can't be unplugged
 * under TCG). Prints medians, the ratios p/f, p/v and i/f, and libvirtd connections opened per run.
 * Options: --domains N (50), --rounds R (3), --via unix,ssh (both; ssh needs the loopback sshd
 * of .ci/host-setup.sh).
 */
import { LibvirtClient } from "../../provider/libvirt";
import { mapBounded } from "../../provider/cli/pool";
import { BENCH_PREFIX, removeDomain, removeStaleDomains, startPausedDomains } from "../domains";
import { machineFacts, median } from "../stats";
import { table } from "../apply/stats";
import { floor, inProcess, manual, provider, TARGET_VCPUS, type Measured, type Method } from "./methods";
import { transportUri, type Transport } from "./transports";

const METHODS: [string, string, Method][] = [
  ["p", "provider: pulumi up through the dynamic-provider host, parallel", provider],
  ["i", "provider in this process, no engine: check+diff+update, all at once", inProcess],
  ["v", "manual: virsh setvcpus --live, 8 at a time", manual],
  ["f", "floor: raw setvcpus RPCs, all at once, one open connection", floor],
];
const TARGETS: Record<Transport, number> = { unix: 1.2, ssh: 1.3 };

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] ?? fallback : fallback;
}

/** Fresh paused domains at 1 vCPU for one measurement; removed afterwards. */
async function withDomains<T>(admin: LibvirtClient, tag: string, count: number, fn: (names: string[]) => Promise<T>): Promise<T> {
  const prefix = `${BENCH_PREFIX}${process.pid}-${tag}-`;
  const refs = await startPausedDomains(admin, prefix, count, { maxVcpus: TARGET_VCPUS, vcpus: 1 });
  const names = refs.map((r) => r.name);
  try {
    return await fn(names);
  } finally {
    await mapBounded(names, 8, (n) => removeDomain(admin, n));
  }
}

/** Runs every method `rounds` times over one transport, rotating the order each round. */
async function measure(admin: LibvirtClient, via: Transport, count: number, rounds: number): Promise<Record<string, Measured[]>> {
  const { uri, dispose } = await transportUri(via);
  const results: Record<string, Measured[]> = Object.fromEntries(METHODS.map(([k]) => [k, []]));
  try {
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < METHODS.length; i++) {
        const [key, , method] = METHODS[(i + r) % METHODS.length]!;
        const m = await withDomains(admin, `${via}${key}${r}`, count, (names) => method(uri, names));
        results[key]!.push(m);
        process.stderr.write(`${via} round ${r + 1}/${rounds} ${key}: ${m.ms.toFixed(0)} ms, ${m.connections} connection(s)${m.note ? `, ${m.note}` : ""}\n`);
      }
    }
  } finally {
    dispose();
  }
  return results;
}

function report(via: Transport, count: number, results: Record<string, Measured[]>): void {
  const ms = (k: string) => results[k]!.map((m) => m.ms);
  const m = (k: string) => median(ms(k));
  const spread = (k: string) => `${m(k).toFixed(0)} ms (${Math.min(...ms(k)).toFixed(0)}–${Math.max(...ms(k)).toFixed(0)}, n=${ms(k).length})`;
  const conns = (k: string) => [...new Set(results[k]!.map((r) => r.connections))].join("/");
  console.log(`\nover ${via}: ${count} domains 1→${TARGET_VCPUS}`);
  console.log(table([["", "method", "median (min–max, n)", "libvirtd connections opened"], ...METHODS.map(([k, label]) => [k, label, spread(k), conns(k)])]));
  console.log(`ratios of medians: p/f = ${(m("p") / m("f")).toFixed(2)} (target ≤ ${TARGETS[via]})   p/v = ${(m("p") / m("v")).toFixed(2)} (target ≤ 0.6)   i/f = ${(m("i") / m("f")).toFixed(2)}`);
}

async function main(): Promise<void> {
  const count = Number(arg("domains", "50"));
  const rounds = Number(arg("rounds", "3"));
  const vias = arg("via", "unix,ssh").split(",") as Transport[];
  console.log(`machine: ${machineFacts()}`);
  const admin = await LibvirtClient.connect({ uri: "qemu:///system" });
  try {
    await removeStaleDomains(admin);
    for (const via of vias) report(via, count, await measure(admin, via, count, rounds));
  } finally {
    await admin.close();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
