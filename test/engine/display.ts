/**
 * Renders an {@link OperationReport} the way the Pulumi CLI shows it: one row per resource
 * step (`+ create`, `~ update [diff: ~vcpus]`, `+- replace [diff: ~maxVcpus]`, `- delete`,
 * `~ refresh`), a Diagnostics section with resource errors and the provider host's output
 * (un-attributed info diagnostics, shown under the stack), and the resource summary.
 * Diff keys come from old vs new inputs with `__*` keys hidden, as the CLI computes them for
 * providers that send no detailed diff (the Node dynamic-provider host never does). A
 * replace also lists the provider's `replaces` keys (`; replace: …`), which the CLI marks
 * per property in `--diff` view.
 */
import type { Command, OperationReport } from "./engine";
import type { StepOp, StepReport } from "./steps";

/** Names the stack and project in headings. */
export interface DisplayContext {
  readonly project: string;
  readonly stack: string;
}

const SYMBOL: Record<StepOp, string> = { create: "+", same: " ", update: "~", replace: "+-", delete: "-", refresh: "~", read: ">" };
const HEADING: Record<Command, string> = { preview: "Previewing update", up: "Updating", refresh: "Refreshing", destroy: "Destroying" };
const SUMMARY: Record<StepOp, [string, string]> = {
  create: ["to create", "created"],
  update: ["to update", "updated"],
  replace: ["to replace", "replaced"],
  delete: ["to delete", "deleted"],
  refresh: ["to refresh", "refreshed"],
  read: ["to read", "read"],
  same: ["unchanged", "unchanged"],
};

function info(s: StepReport): string {
  if (s.error) return "**failed**";
  const diff = s.diffKeys.map((k) => `~${k}`).join(", ");
  const replace = s.replaceKeys.length ? `; replace: ${s.replaceKeys.join(", ")}` : "";
  return diff || replace ? `[diff: ${diff}${replace}]` : "";
}

function row(s: StepReport): string[] {
  return [SYMBOL[s.op], s.type, s.name, s.op, info(s)];
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => ` ${r.map((c, i) => c.padEnd(widths[i]!)).join("  ")}`.trimEnd());
}

function diagnostics(r: OperationReport, ctx: DisplayContext): string[] {
  const out: string[] = [];
  for (const s of r.steps.filter((x) => x.error)) {
    out.push(`  ${s.type} (${s.name}):`, ...s.error!.split("\n").map((l, i) => `    ${i === 0 ? "error: " : ""}${l}`), "");
  }
  if (r.diagnostics.length || r.errors.length) {
    out.push(`  pulumi:pulumi:Stack (${ctx.project}-${ctx.stack}):`);
    out.push(...r.diagnostics.map((d) => `    ${d.stream === "stderr" ? "(stderr) " : ""}${d.text}`));
    out.push(...r.errors.map((e) => `    ${e}`), "");
  }
  return out.length ? ["Diagnostics:", ...out] : [];
}

function summary(r: OperationReport): string[] {
  const counts = new Map<StepOp, number>();
  for (const s of r.steps.filter((x) => !x.error)) counts.set(s.op, (counts.get(s.op) ?? 0) + 1);
  const tense = r.command === "preview" ? 0 : 1;
  const lines = [...counts].map(([op, n]) => `    ${op === "same" ? "  " : SYMBOL[op].padEnd(2)}${n} ${SUMMARY[op][tense]}`);
  return ["Resources:", ...lines];
}

/** The CLI-like text of one command's report. */
export function render(r: OperationReport, ctx: DisplayContext): string {
  const visible = r.steps.filter((s) => s.op !== "same" || s.error);
  const rows = visible.length ? table([[" ", "Type", "Name", "Plan", "Info"], ...visible.map(row)]) : ["    (no changes)"];
  return [`${HEADING[r.command]} (${ctx.stack}):`, ...rows, "", ...diagnostics(r, ctx), ...summary(r), `Duration: ${(r.ms / 1000).toFixed(1)}s`].join("\n");
}
