/**
 * `pulumi-qemu-vcpu drift`: load the declared VMs, read them (one connection per host,
 * hosts in parallel), judge each, print the table or JSON, return the exit code.
 */
import type { DriftOptions } from "../args";
import { createProgress, type ProgressSink } from "./progress";
import { judge, judgeInvalid, type DriftRow } from "./judge";
import { renderJson } from "./json";
import { parseInput, readInput } from "./load";
import { readAll } from "./read";
import { exitLine, summarize } from "./summary";
import { renderTable } from "./table";
import { hostOf, type DriftTarget } from "./target";

/** The streams a command uses (process streams in main; buffers in tests). */
export interface Io {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: ProgressSink;
  readonly stdin: NodeJS.ReadableStream;
}

/**
 * Runs the drift report; resolves with the exit code (0 no drift, 2 drift, 1 incomplete).
 * The report goes to stdout; progress and the `exit N:` line go to stderr.
 */
export async function runDrift(options: DriftOptions, io: Io): Promise<number> {
  const source = options.input === "-" ? "stdin" : options.input;
  const entries = parseInput(await readInput(options.input, io.stdin), source);
  const targets = entries.flatMap((e) => (e.kind === "target" ? [e.target] : []));
  const hostCount = new Set(targets.map((t) => hostOf(t.desired))).size;
  const progress = createProgress(io.stderr, targets.length, hostCount, options.progress);
  const { outcomes, hosts } = await readAll(targets, {
    hostConcurrency: options.hostConcurrency,
    vmConcurrency: options.vmConcurrency,
    hostTimeoutMs: options.hostTimeoutMs,
    onVm: () => progress.vmDone(),
    onHost: (r) => progress.hostDone(r),
  });
  progress.finish();
  const rowOf = new Map<DriftTarget, DriftRow>(targets.map((t, i) => [t, judge(t, outcomes[i]!)]));
  const rows = entries.map((e) => (e.kind === "target" ? rowOf.get(e.target)! : judgeInvalid(e)));
  const summary = summarize(rows, hosts);
  io.stdout.write(options.json ? renderJson(rows, summary) : renderTable(rows, summary));
  io.stderr.write(`${exitLine(summary)}\n`);
  return summary.exitCode;
}
