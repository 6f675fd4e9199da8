/**
 * `pulumi-qemu-vcpu drift`: load the declared VMs, read them (one connection per host,
 * hosts in parallel), judge each, print the table or JSON (and write the HTML page with
 * `--html`), return the exit code.
 */
import { writeFile } from "node:fs/promises";
import type { DriftOptions } from "../args";
import { CliError } from "../errors";
import { createProgress, type ProgressSink } from "./progress";
import { judge, judgeInvalid, type DriftRow } from "./judge";
import { renderHtml } from "./html/page";
import { buildReport, renderJson } from "./json";
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

/** Writes the `--html` page; a failure is OUTPUT_UNWRITABLE naming the file. */
async function writePage(file: string, page: string): Promise<void> {
  try {
    await writeFile(file, page);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new CliError("OUTPUT_UNWRITABLE", `can't write the HTML page to ${file} (${reason}); give --html a path in a directory that exists and is writable`, { cause: err });
  }
}

/**
 * Runs the drift report; resolves with the exit code (0 no drift, 2 drift, 1 incomplete).
 * The report goes to stdout; progress and the `exit N:` line go to stderr. With `--html` the
 * page is written first, so a page that can't be written fails the command before it prints.
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
  if (options.html !== undefined) await writePage(options.html, renderHtml(buildReport(rows, summary), { generatedAt: new Date() }));
  io.stdout.write(options.json ? renderJson(rows, summary) : renderTable(rows, summary));
  io.stderr.write(`${exitLine(summary)}\n`);
  return summary.exitCode;
}
