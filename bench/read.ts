/**
 * bench:read — reading the live CPU state of N domains with our client over one connection
 * (the drift report's read path: `readHost` → `LibvirtHypervisor.forDomain` + `read()`)
 * versus the same facts gathered with `virsh` processes; same domains, same run, the two
 * alternating round by round. Prints per-VM cost and the ratio for N = 1, 10, 50, then
 * removes the domains. Run: `npm run build && npm run bench:read` (root, libvirtd running).
 */
import { LibvirtClient } from "../provider/libvirt";
import { mapBounded } from "../provider/cli/pool";
import { DRIFT_DEFAULTS } from "../provider/cli/args";
import { readDomainOver, readHost, type ReadOutcome } from "../provider/cli/drift/read";
import type { DriftTarget } from "../provider/cli/drift/target";
import { parseInputs } from "../provider/spec";
import { BENCH_PREFIX, removeDomain, removeStaleDomains, startPausedDomains } from "./domains";
import { timeQueries, type QueryTiming } from "./queries";
import { fmtMs, machineFacts, median, timeMs } from "./stats";
import { VIRSH_FACTS, virshBatch, virshFacts, virshReadAll } from "./virsh";

const URI = process.env["BENCH_LIBVIRT_URI"] ?? "qemu:///system";
const SIZES = [1, 10, 50] as const;
const ROUNDS: Record<number, number> = { 1: 15, 10: 7, 50: 3 };
const SHAPE = { maxVcpus: 4, vcpus: 2 };
const TARGET_RATIO = 100;
const QUERY_DOMAINS = 10;
const QUERY_ROUNDS = 3;
const TARGET_50_MS = 250;

const target = (domain: string): DriftTarget => ({
  name: domain,
  desired: parseInputs({ libvirt: { uri: URI, domain }, maxVcpus: SHAPE.maxVcpus, vcpus: SHAPE.vcpus }),
  notes: [],
});

const readOpts = { hostConcurrency: DRIFT_DEFAULTS.hostConcurrency, vmConcurrency: DRIFT_DEFAULTS.vmConcurrency, hostTimeoutMs: 30_000 };

function expectLive(outcomes: readonly ReadOutcome[]): void {
  for (const o of outcomes) if (o.kind !== "live") throw new Error(`a benchmark read failed: ${o.kind}: ${o.reason}`);
}

/** One size's medians (ms). */
interface Row { n: number; rounds: number; cold: number; warm: number; serial: number; virsh: number; batch: number }

/** Checks once that both ways see the same thing (vCPU counts, state) before timing them. */
async function crossCheck(client: LibvirtClient, domain: string): Promise<void> {
  const ours = await readDomainOver(client, target(domain));
  const [info, xml] = await virshFacts(URI, domain);
  if (ours.kind !== "live") throw new Error(`cross-check: ${ours.kind}: ${ours.reason}`);
  const state = /^State:\s+(.*)$/m.exec(info ?? "")?.[1]?.trim();
  const current = Number(/current='(\d+)'/.exec(xml ?? "")?.[1]);
  if (ours.live.state !== state || ours.live.running?.vcpus !== current) {
    throw new Error(`cross-check: ours ${ours.live.state}/${ours.live.running?.vcpus}, virsh ${state}/${current}`);
  }
}

async function measure(client: LibvirtClient, domains: readonly string[]): Promise<Row> {
  const targets = domains.map(target);
  const rounds = ROUNDS[domains.length] ?? 3;
  const cold: number[] = [], warm: number[] = [], serial: number[] = [], virsh: number[] = [], batch: number[] = [];
  for (let r = 0; r < rounds; r++) {
    cold.push(await timeMs(async () => expectLive(await readHost(URI, targets, readOpts))));
    warm.push(await timeMs(async () => expectLive(await mapBounded(targets, readOpts.vmConcurrency, (t) => readDomainOver(client, t)))));
    serial.push(await timeMs(async () => expectLive(await mapBounded(targets, 1, (t) => readDomainOver(client, t)))));
    virsh.push(await timeMs(() => virshReadAll(URI, domains)));
    batch.push(await timeMs(() => virshBatch(URI, domains)));
  }
  const m = median;
  return { n: domains.length, rounds, cold: m(cold), warm: m(warm), serial: m(serial), virsh: m(virsh), batch: m(batch) };
}

function report(rows: readonly Row[]): string[] {
  const head = ["N", "rounds", "ours total", "ours total", "ours/VM", "ours/VM", "virsh total", "virsh/VM", "ratio/VM", "virsh batch", "ratio/VM"];
  const sub = ["", "", "+connect", "warm", "16 in flight", "1 in flight", "per cmd", "per cmd", "virsh÷ours", "per VM", "batch÷ours"];
  const body = rows.map((r) => [
    String(r.n), String(r.rounds), fmtMs(r.cold), fmtMs(r.warm), fmtMs(r.warm / r.n), fmtMs(r.serial / r.n),
    fmtMs(r.virsh), fmtMs(r.virsh / r.n), `${Math.round(r.virsh / r.warm)}×`, fmtMs(r.batch / r.n), `${(r.batch / r.warm).toFixed(1)}×`,
  ]);
  const all = [head, sub, ...body];
  const widths = head.map((_, c) => Math.max(...all.map((l) => (l[c] ?? "").length)));
  return all.map((l) => l.map((cell, c) => cell.padStart(widths[c] ?? 0)).join("  "));
}

function queryReport(qs: readonly QueryTiming[]): string[] {
  const lines = [["query", "RPC (open connection)", "virsh process", "ratio"], ...qs.map((q) => [q.name, fmtMs(q.rpc), fmtMs(q.virsh), `${Math.round(q.virsh / q.rpc)}×`])];
  const widths = lines[0]!.map((_, c) => Math.max(...lines.map((l) => (l[c] ?? "").length)));
  return lines.map((l) => l.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join("  "));
}

function verdictLines(rows: readonly Row[], qs: readonly QueryTiming[]): string[] {
  const minRatio = Math.min(...rows.map((r) => r.virsh / r.warm));
  const minQuery = Math.min(...qs.map((q) => q.virsh / q.rpc));
  const fifty = rows.find((r) => r.n === 50);
  return [
    `per query (one fact, RPC vs virsh process): min ${Math.round(minQuery)}× — target ≥ ${TARGET_RATIO}×: ${minQuery >= TARGET_RATIO ? "met" : "NOT met"}`,
    `per VM (all facts of one VM, ours vs virsh per command): min ${Math.round(minRatio)}× — target ≥ ${TARGET_RATIO}×: ${minRatio >= TARGET_RATIO ? "met" : "NOT met"}`,
    ...(fifty ? [`50 VMs, connect + read: ${fmtMs(fifty.cold)} ms — target ≤ ${TARGET_50_MS} ms: ${fifty.cold <= TARGET_50_MS ? "met" : "NOT met"}`] : []),
  ];
}

async function main(): Promise<void> {
  const client = await LibvirtClient.connect({ uri: URI });
  const prefix = `${BENCH_PREFIX}${process.pid}-`;
  const stale = await removeStaleDomains(client);
  const max = Math.max(...SIZES);
  const names = Array.from({ length: max }, (_, i) => `${prefix}${String(i).padStart(3, "0")}`);
  const cleanup = async () => void (await mapBounded(names, 4, (n) => removeDomain(client, n)));
  process.once("SIGINT", () => void cleanup().finally(() => process.exit(130)));
  try {
    const t0 = Date.now();
    await startPausedDomains(client, prefix, max, SHAPE);
    const [lib, hv] = await Promise.all([client.connectGetLibVersion(), client.connectGetVersion()]);
    console.log("bench:read: live CPU state of N paused firmware-only TCG domains (64 MiB, maxVcpus 4, 2 plugged)");
    console.log(`machine: ${machineFacts()}; libvirt ${lib}, QEMU ${hv}; ${URI}`);
    console.log(`setup: ${max} domains defined and started paused in ${Date.now() - t0} ms${stale.length ? `; removed ${stale.length} stale` : ""}`);
    console.log(`ours:  readHost = 1 connection, versions once, then per VM forDomain + read() (6 RPCs in two rounds: lookup; state, XML, inactive XML, persistent, query-hotpluggable-cpus)`);
    console.log(`virsh: per cmd = ${VIRSH_FACTS.length} processes per VM, one VM after another: ${VIRSH_FACTS.join(", ")} (query-hotpluggable-cpus)`);
    console.log(`       batch = one virsh process running all those commands for all N VMs (shell mode, one connection)`);
    await crossCheck(client, names[0] as string);
    const rows: Row[] = [];
    for (const n of SIZES) rows.push(await measure(client, names.slice(0, n)));
    const doms = await Promise.all(names.slice(0, QUERY_DOMAINS).map((n) => client.domainLookupByName(n)));
    const queries = await timeQueries(client, URI, doms, QUERY_ROUNDS);
    console.log("");
    for (const line of report(rows)) console.log(line);
    console.log("(ms, medians over the rounds; each round runs ours, then virsh per command, then virsh batch, on the same domains)");
    console.log("");
    for (const line of queryReport(queries)) console.log(line);
    console.log(`(ms, medians over ${QUERY_DOMAINS} domains × ${QUERY_ROUNDS} rounds; each round asks every domain by RPC, then by virsh)`);
    console.log("");
    for (const line of verdictLines(rows, queries)) console.log(line);
    console.log(`load after: ${machineFacts().replace(/^.*load ([0-9. ]+),.*$/, "$1")}`);
  } finally {
    await cleanup();
    await client.close();
  }
}

main().catch((err: unknown) => {
  console.error(`bench:read failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
});
