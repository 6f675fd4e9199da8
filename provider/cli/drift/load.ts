/**
 * Loads the drift report's input: a file path or `-` for stdin, holding either a
 * `pulumi stack export` document or a drift spec file (both JSON), told apart by shape.
 */
import { readFile } from "node:fs/promises";
import { CliError } from "../errors";
import { entriesFromSpecFile, isSpecFile } from "./spec-file";
import { VM_CPU_TYPE, entriesFromStackExport, isStackExport } from "./stack-export";
import type { LoadedEntry } from "./target";

/** The whole of a readable stream as UTF-8 text. */
async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** Reads `source` (`-` = `stdin`); INPUT_UNREADABLE names the file and the reason. */
export async function readInput(source: string, stdin: NodeJS.ReadableStream): Promise<string> {
  try {
    return source === "-" ? await readStream(stdin) : await readFile(source, "utf8");
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new CliError("INPUT_UNREADABLE", `can't read ${source === "-" ? "stdin" : source}: ${why}`, { cause: err });
  }
}

/** NO_VMCPU: what was read, and why it holds no `VmCpu`. */
function noVmCpu(doc: { deployment: Record<string, unknown> } | unknown[] | { vms: unknown[] }, source: string): CliError {
  const resources = "deployment" in doc ? doc.deployment["resources"] : undefined;
  const n = Array.isArray(resources) ? resources.length : 0;
  const what = "deployment" in doc
    ? `a stack export with ${n} resource${n === 1 ? "" : "s"}, none of type ${VM_CPU_TYPE} (pending deletes are skipped)`
    : "a drift spec file with no entries";
  return new CliError("NO_VMCPU", `no VmCpu resources were found in ${source}: it is ${what}`);
}

/**
 * Parses the text and returns one entry per VM; INPUT_FORMAT when it is neither format,
 * NO_VMCPU when it declares no VM.
 */
export function parseInput(text: string, source: string): LoadedEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CliError("INPUT_FORMAT", `${source} is not JSON (${(err as Error).message}); expected \`pulumi stack export\` output or a drift spec file`, { cause: err });
  }
  const entries = isStackExport(doc) ? entriesFromStackExport(doc) : isSpecFile(doc) ? entriesFromSpecFile(doc) : undefined;
  if (entries?.length) return entries;
  if (entries) throw noVmCpu(doc as Parameters<typeof noVmCpu>[0], source);
  throw new CliError("INPUT_FORMAT", `${source} is neither a stack export ({"deployment": {"resources": [...]}}) nor a drift spec file ({"vms": [...]})`);
}
