/**
 * Progress on stderr while reading, when there are more than a few VMs: a start line, a
 * line per host as it finishes, and an end line; on a terminal also a counter that
 * rewrites itself. stdout only ever holds the report.
 */
import type { HostReport } from "./read";

/** Above this many VMs, progress is shown (unless `--quiet`). */
export const PROGRESS_THRESHOLD = 5;

/** Progress callbacks the drift command calls. */
export interface Progress {
  vmDone(): void;
  hostDone(report: HostReport): void;
  finish(): void;
}

const SILENT: Progress = { vmDone: () => undefined, hostDone: () => undefined, finish: () => undefined };

/** Where progress goes. */
export interface ProgressSink {
  write(text: string): void;
  /** A terminal: the counter may rewrite its line. */
  readonly isTTY: boolean;
}

/** A {@link Progress} for `vms` VMs on `hosts` hosts; silent at or below the threshold or when disabled. */
export function createProgress(sink: ProgressSink, vms: number, hosts: number, enabled: boolean, now = Date.now): Progress {
  if (!enabled || vms <= PROGRESS_THRESHOLD) return SILENT;
  const t0 = now();
  let done = 0;
  const clear = sink.isTTY ? "\r\x1b[K" : "";
  const counter = () => (sink.isTTY ? sink.write(`${clear}drift: ${done}/${vms} VMs read`) : undefined);
  sink.write(`drift: reading ${vms} VMs on ${hosts} host${hosts === 1 ? "" : "s"} (one connection per host)\n`);
  return {
    vmDone() {
      done += 1;
      counter();
    },
    hostDone(r) {
      const what = r.unreachable ? `unreachable: ${r.unreachable}` : `${r.vms} VM${r.vms === 1 ? "" : "s"} read in ${r.ms} ms`;
      sink.write(`${clear}drift: ${r.host}: ${what}\n`);
      counter();
    },
    finish() {
      sink.write(`${clear}drift: ${done} VMs read in ${now() - t0} ms\n`);
    },
  };
}
