/**
 * CPU time a process has used, for deadlines that must hold on a busy host (issue 10, item 6): a process
 * starved by other work on the same cores is slow, not broken, so a test's start-up deadline counts the CPU
 * time the process got, with a much longer wall-clock cap for one that hangs without using any.
 */
import * as fs from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU time (user + system) process `pid` has used, in ms; undefined when it is gone. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND; // utime, stime (fields 14, 15)
  } catch {
    return undefined;
  }
}

/** The wall-clock cap of a CPU-time budget: this many times the budget… */
export const WALL_CAP_FACTOR = 4;
/** …and never less than this. */
export const MIN_WALL_CAP_MS = 240_000;

/** The wall-clock cap for a budget of `budgetMs` of CPU time. */
export function wallCapMs(budgetMs: number): number {
  return Math.max(MIN_WALL_CAP_MS, budgetMs * WALL_CAP_FACTOR);
}
