/**
 * The machine report (`--json`): one JSON document, `{"vms": [row, …], "summary": {…}}`,
 * where a row is a {@link DriftRow} (absent views are left out) and `summary` a {@link Summary}.
 */
import type { DriftRow } from "./judge";
import type { Summary } from "./summary";

/** Format version of the JSON report; bumped on incompatible changes. */
export const JSON_REPORT_VERSION = 1;

/** The `--json` document. */
export interface JsonReport {
  readonly version: typeof JSON_REPORT_VERSION;
  readonly vms: readonly DriftRow[];
  readonly summary: Summary;
}

/** The report object: what `--json` prints and what `--html` draws (one source of numbers). */
export function buildReport(rows: readonly DriftRow[], summary: Summary): JsonReport {
  return { version: JSON_REPORT_VERSION, vms: rows, summary };
}

/** The JSON report text, pretty-printed, ending with a newline. */
export function renderJson(rows: readonly DriftRow[], summary: Summary): string {
  return JSON.stringify(buildReport(rows, summary), null, 2) + "\n";
}
