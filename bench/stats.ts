/** Timing helpers and machine facts for the benchmarks. */
import * as os from "node:os";

/** Milliseconds taken by `fn` (high-resolution). */
export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** `12.3` / `0.412` / `1234`: three significant digits at most, for ms columns. */
export function fmtMs(ms: number): string {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

/** One line about the machine: cores, model, load averages, memory, node. */
export function machineFacts(): string {
  const cpus = os.cpus();
  const load = os.loadavg().map((l) => l.toFixed(2)).join(" ");
  const mem = (os.totalmem() / 2 ** 30).toFixed(1);
  return `${cpus.length} cores (${cpus[0]?.model.trim() ?? "?"}), load ${load}, ${mem} GiB RAM, node ${process.version}, ${os.type()} ${os.release()}`;
}
