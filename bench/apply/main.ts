/**
 * `npm run bench:apply`: 1→N vCPUs with guest onlining on fresh TCG test guests, five ways,
 * alternating, several rounds each, in one run; then the growth from N=2 to N=16 with a
 * breakdown. Options: --rounds R (5), --n N (3), --growth 2,4,8,16, --no-growth.
 */
import { cleanupLeftovers, ensureGuestBuilt, uniqueName } from "../../test/guest/guest";
import { measureGrowth } from "./growth";
import { closeSshFixture, floorSockets, manualVirsh, providerGateway, providerLibvirt, providerQmp, providerQmpSsh, type Method } from "./methods";
import { machineFacts, median } from "../stats";
import { spread, table } from "./stats";

const METHODS: [string, string, Method][] = [
  ["a", "provider via libvirt (up: check, diff, update = read, hot-add, online, read back)", providerLibvirt],
  ["b", "provider via QMP + agent chardev (same)", providerQmp],
  ["c", "manual: virsh setvcpus + virsh qemu-agent-command guest-set-vcpus", manualVirsh],
  ["d", "floor: device_add + guest-set-vcpus over open sockets", floorSockets],
  ["e", "provider via QMP over SSH (loopback sshd, key auth; same as b)", providerQmpSsh],
  ["f", "provider through pulumi-qemu-vcpu gateway (wss on loopback, in-process; same as b)", providerGateway],
];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] ?? fallback : fallback;
}

/** `--methods d,f`: only these rows (default all). */
const ONLY = arg("methods", "").split(",").filter(Boolean);
const SELECTED = ONLY.length ? METHODS.filter(([k]) => ONLY.includes(k)) : METHODS;

async function compare(rounds: number, n: number, run: string): Promise<Record<string, number[]>> {
  const results: Record<string, number[]> = Object.fromEntries(SELECTED.map(([k]) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    const order = SELECTED.map((_, i) => SELECTED[(i + r) % SELECTED.length]!);
    for (const [key, , method] of order) {
      const ms = await method(`${run}-${key}${r}`, n);
      results[key]!.push(ms);
      process.stderr.write(`round ${r + 1}/${rounds} ${key}: ${ms.toFixed(0)} ms\n`);
    }
  }
  return results;
}

function report(results: Record<string, number[]>, n: number): void {
  console.log(`\n1→${n} vCPUs, all online in the guest (fresh guest each time, TCG)`);
  console.log(table([["", "method", "median (min–max, n)"], ...SELECTED.map(([k, label]) => [k, label, spread(results[k]!)])]));
  const m = (k: string) => median(results[k] ?? []);
  const ran = (...keys: string[]) => keys.every((k) => (results[k] ?? []).length > 0);
  const ratio = (x: string, y: string) => (ran(x, y) ? `${x}/${y} = ${(m(x) / m(y)).toFixed(2)}` : undefined);
  const minus = (x: string, y: string) => (ran(x, y) ? `${x} − ${y} = ${(m(x) - m(y)).toFixed(0)} ms` : undefined);
  // Each line lists only the figures whose rows ran (`--methods` may leave some out).
  const lines: [string, (string | undefined)[]][] = [
    ["ratios of medians", [ratio("a", "c") && `${ratio("a", "c")} (target ≤ 1.00)`, ratio("a", "d"), ratio("b", "d") && `${ratio("b", "d")} (target ≤ 1.10)`]],
    ["overhead over the floor (medians)", [minus("a", "d"), minus("b", "d") && `${minus("b", "d")} (target ≤ 50 ms)`]],
    ["remote (SSH)", [ratio("e", "d"), minus("e", "d"), minus("e", "b")]],
    ["gateway (wss)", [ratio("f", "d"), minus("f", "d"), minus("f", "b")]],
  ];
  console.log("");
  for (const [label, figures] of lines) {
    const shown = figures.filter((f): f is string => f !== undefined);
    if (shown.length) console.log(`${label}: ${shown.join("   ")}`);
  }
}

async function growth(ns: number[], run: string): Promise<void> {
  const rows = [["N", "total", "hot-add calls", "guest sees CPUs", "online", "read/plan/other"]];
  for (const n of ns) {
    const g = await measureGrowth(`${run}-g${n}`, n);
    rows.push([String(n), ...[g.totalMs, g.hotAddMs, g.guestSeesMs, g.onlineMs, g.otherMs].map((v) => `${v.toFixed(0)} ms`)]);
  }
  console.log(`\nprovider via libvirt, 1→N, where the time goes`);
  console.log(table(rows));
}

async function main(): Promise<void> {
  const rounds = Number(arg("rounds", "5"));
  const n = Number(arg("n", "3"));
  const run = uniqueName("qvt-bench");
  await ensureGuestBuilt();
  console.log(`machine: ${machineFacts()}`);
  try {
    report(await compare(rounds, n, run), n);
    if (!process.argv.includes("--no-growth")) await growth(arg("growth", "2,4,8,16").split(",").map(Number), run);
  } finally {
    await cleanupLeftovers(run);
    await closeSshFixture();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
