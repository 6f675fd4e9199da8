/**
 * The baselines: the same facts the drift report reads, gathered with `virsh`.
 * Per command: one `virsh` process per fact, one VM after the other (what a shell script
 * does). Batched: one `virsh` process running every command of every VM in its shell mode
 * (`virsh "cmd1; cmd2; …"`, one connection) — the cheapest way virsh can do it.
 */
import { execFile } from "node:child_process";

/** The query QEMU answers with its own view of the vCPU slots. */
const HOTPLUGGABLE = '{"execute":"query-hotpluggable-cpus"}';

/**
 * The virsh commands per VM: the facts of one `LibvirtHypervisor.read()` of a paused domain
 * (dominfo = state + persistence; live and inactive XML; QEMU's slots).
 */
export const VIRSH_FACTS: readonly string[] = ["dominfo", "dumpxml", "dumpxml --inactive", "qemu-monitor-command"];

/** argv (after `virsh -c URI`) of fact `fact` for `domain`. */
function factArgs(fact: string, domain: string): string[] {
  const [command, ...flags] = fact.split(" ") as [string, ...string[]];
  return command === "qemu-monitor-command" ? [command, domain, HOTPLUGGABLE] : [command, ...flags, domain];
}

function virsh(uri: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("virsh", ["-c", uri, ...args], { maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`virsh ${args.join(" ").slice(0, 200)}: ${stderr.trim() || err.message}`)) : resolve(stdout),
    );
  });
}

/** Runs every {@link VIRSH_FACTS} command for `domain` as its own process; outputs in that order. */
export async function virshFacts(uri: string, domain: string): Promise<string[]> {
  const out: string[] = [];
  for (const fact of VIRSH_FACTS) out.push(await virsh(uri, factArgs(fact, domain)));
  return out;
}

/** Per command: every fact of every domain, one process each, sequentially. */
export async function virshReadAll(uri: string, domains: readonly string[]): Promise<void> {
  for (const d of domains) await virshFacts(uri, d);
}

/** Batched: one virsh process, one connection, all commands of all domains in shell mode. */
export async function virshBatch(uri: string, domains: readonly string[]): Promise<void> {
  const script = domains
    .flatMap((d) => VIRSH_FACTS.map((f) => factArgs(f, d).map((a) => (a.startsWith("{") ? `'${a}'` : a)).join(" ")))
    .join("; ");
  await virsh(uri, [script]);
}
