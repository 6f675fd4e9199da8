/**
 * The audit log: one JSON line per decision — who (token name, or "-" before authentication), from where, which
 * VM and channel, which command, allowed or refused (or a connection cut off / closed), and why.
 */
import { appendFileSync } from "node:fs";

/** What happened. */
export type AuditVerdict = "allowed" | "refused" | "connected" | "cut-off" | "closed";

/** One audit entry. `command` is the QMP/agent command, or "(connect)" / "(message)" for connection-level events. */
export interface AuditEntry {
  client: string;
  remote: string;
  vm: string;
  channel: string;
  command: string;
  verdict: AuditVerdict;
  reason?: string;
}

/** Where entries go. */
export type AuditSink = (entry: AuditEntry & { time: string }) => void;

/** A sink appending JSON lines to `path`, or writing them to `stream` (stderr by default). */
export function auditSink(path?: string, stream: { write(text: string): unknown } = process.stderr): AuditSink {
  return (entry) => {
    const line = `${JSON.stringify(entry)}\n`;
    if (path) appendFileSync(path, line);
    else stream.write(line);
  };
}

/** Adds the time and writes. */
export function audit(sink: AuditSink, entry: AuditEntry): void {
  sink({ time: new Date().toISOString(), ...entry });
}
