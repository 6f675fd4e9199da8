/** Formatting helpers for bench/apply (medians and machine facts come from ../stats). */
import { median } from "../stats";

/** `median (min–max)` in ms. */
export function spread(xs: readonly number[]): string {
  if (!xs.length) return "n/a";
  return `${median(xs).toFixed(0)} ms (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}, n=${xs.length})`;
}

/** Left-aligned table with a header row. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}
