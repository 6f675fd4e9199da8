/**
 * How long a test guest may take to boot, on a host that may be busy (issue 10, item 6).
 *
 * A TCG guest on a loaded host boots slowly because it gets little CPU, not because it is broken: a wall-clock
 * deadline made three tests fail when other guests were busy on the same two cores. So the budget a caller
 * gives (`timeoutMs`) is counted in the CPU time the guest's QEMU process actually got: a starved guest waits
 * longer, up to a wall-clock cap, while a guest that burns its CPU without its agent answering (a hang, a loop,
 * a guest that never comes up) fails as soon as it has used the budget — as it did on a quiet host, where
 * CPU time and wall time are about the same. A kernel panic on the console fails at once.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import { processCpuMs, wallCapMs } from "../support/cpu-time";
import { fatal } from "./exec";
import { tailOf } from "./files";

/** The boot's budget: {@link BootBudget.check} throws (fatal) when it is spent, {@link BootBudget.wallCapMs} bounds the wait. */
export interface BootBudget {
  readonly wallCapMs: number;
  /** Throws a fatal error naming CPU and wall time used when the budget is spent or the console shows a panic. */
  check(): void;
  /** "N s wall, M s CPU, load L": for the messages of a failed wait. */
  describe(): string;
}

const PANIC_RE = /Kernel panic - not syncing[^\n]*/;

/**
 * A budget of `timeoutMs` of the guest's own CPU time, counted from now, for QEMU process `pid()` (looked up
 * again on each check: libvirt writes its pid file a moment after the start), with console log `serialLog`.
 */
export function bootBudget(what: string, pid: () => number | undefined, timeoutMs: number, serialLog: string): BootBudget {
  const t0 = Date.now();
  const cpuNow = (): number | undefined => {
    const p = pid();
    return p === undefined ? undefined : processCpuMs(p);
  };
  let cpu0 = cpuNow();
  const used = (): number | undefined => {
    const now = cpuNow();
    if (now !== undefined && cpu0 === undefined) cpu0 = now;
    return now === undefined || cpu0 === undefined ? undefined : now - cpu0;
  };
  const describe = (): string => {
    const cpu = used();
    const cpuText = cpu === undefined ? "CPU time unknown" : `${(cpu / 1000).toFixed(1)} s of CPU`;
    return `${((Date.now() - t0) / 1000).toFixed(1)} s of waiting in which the guest's QEMU got ${cpuText}, host load ${os.loadavg()[0]!.toFixed(2)} on ${os.cpus().length} cores`;
  };
  return {
    wallCapMs: wallCapMs(timeoutMs),
    describe,
    check() {
      const panic = fs.existsSync(serialLog) ? PANIC_RE.exec(fs.readFileSync(serialLog, "utf8")) : null;
      if (panic) throw fatal(`${what}: the guest kernel panicked (${panic[0]}) after ${describe()}; console:\n${tailOf(serialLog)}`);
      const cpu = used();
      if (cpu === undefined && Date.now() - t0 > timeoutMs) {
        throw fatal(`${what}: not up after ${describe()} (no CPU time to count: the wall clock is the budget); console:\n${tailOf(serialLog)}`);
      }
      if (cpu !== undefined && cpu > timeoutMs) {
        throw fatal(`${what}: not up after ${describe()} (budget: ${timeoutMs / 1000} s of the guest's CPU time): the guest is stuck, not starved; console:\n${tailOf(serialLog)}`);
      }
    },
  };
}
