/**
 * Helpers the end-to-end scenarios (test/integration/engine) and the demo share: where the
 * test programs live, the engine for them, what the state says about one resource, and the
 * VM's vCPU counts read independently of the provider (virsh).
 */
import * as path from "node:path";
import { virsh } from "../guest/guest";
import { capture, projectName, type CaptureOptions, type Program, type Registration } from "./capture";
import { render, type DisplayContext } from "./display";
import { MiniEngine, type OperationReport } from "./engine";
import type { Props } from "./props";

/** The Pulumi project holding the test programs (the provider host's cwd in the tests). */
export const PROGRAMS_DIR = path.join(__dirname, "programs");
const PROJECT = projectName(PROGRAMS_DIR);
const STACK = "dev";

/** A MiniEngine (empty state) for the test programs' project. */
export function testEngine(): MiniEngine {
  return new MiniEngine({ programDir: PROGRAMS_DIR, project: PROJECT, stack: STACK });
}

/** Captures a test program as `pulumi up` (or, with `preview`, `pulumi preview`) runs it. */
export function captureTest(program: Program, opts: Omit<CaptureOptions, "project" | "stack"> = {}): Promise<Registration[]> {
  return capture(program, { ...opts, project: PROJECT, stack: STACK });
}

/** The CLI-like text of a report of the test project. */
export function shown(report: OperationReport): string {
  return render(report, { project: PROJECT, stack: STACK });
}

/**
 * "ok", or what the CLI would have printed: `expect(outcome(r)).toBe("ok")` shows the whole
 * output when the command failed.
 */
export function outcome(report: OperationReport, ctx: DisplayContext = { project: PROJECT, stack: STACK }): string {
  return report.ok ? "ok" : render(report, ctx);
}

/** Stored outputs of the resource named `name` (throws when the state has none). */
export function outputsOf(engine: MiniEngine, name: string): Props {
  const s = [...engine.state.values()].find((r) => r.name === name);
  if (!s) throw new Error(`the state has no resource named ${name}`);
  return s.outputs;
}

/** Stored inputs of the resource named `name`. */
export function inputsOf(engine: MiniEngine, name: string): Props {
  const s = [...engine.state.values()].find((r) => r.name === name);
  if (!s) throw new Error(`the state has no resource named ${name}`);
  return s.inputs;
}

/** `virsh vcpucount`, as `{ "maximum config": 8, "current live": 2, … }`. */
export async function vcpuCounts(domain: string): Promise<Record<string, number>> {
  const out = (await virsh(["vcpucount", domain])).stdout;
  const counts: Record<string, number> = {};
  for (const m of out.matchAll(/^(\w+)\s+(\w+)\s+(\d+)$/gm)) counts[`${m[1]} ${m[2]}`] = Number(m[3]);
  return counts;
}

/** `virsh domid`: changes when the VM is restarted. */
export async function domainId(domain: string): Promise<string> {
  return (await virsh(["domid", domain])).stdout.trim();
}

/** RPC method names of a report, e.g. `["check", "diff"]`. */
export const methods = (r: OperationReport): string[] => r.calls.map((c) => c.method);

/** The host's output lines of a report. */
export const lines = (r: OperationReport): string[] => r.diagnostics.map((d) => d.text);
