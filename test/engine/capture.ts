/**
 * Runs a Pulumi program under `pulumi.runtime.setMocks` and records every resource it
 * registers, with the inputs the SDK serialized — for a `VmCpu`, including the real
 * `__provider` closure text the engine would store in state and hand to the provider host.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { isUnknown } from "@pulumi/pulumi/output";
import { UNKNOWN, type Props } from "./props";

/** A program: a function that constructs resources (a Pulumi program's top level). */
export type Program = () => unknown;

/** One registered resource. */
export interface Registration {
  readonly type: string;
  readonly name: string;
  /** `urn:pulumi:<stack>::<project>::<type>::<name>` (top-level resources only). */
  readonly urn: string;
  readonly custom: boolean;
  /** Inputs as the engine receives them: unknowns as {@link UNKNOWN}, `__provider` included. */
  readonly inputs: Props;
  /** Set for a `Resource.get(name, id, state)`: the engine Reads that id instead of managing the resource. */
  readonly readId?: string;
}

/** How to run the program. */
export interface CaptureOptions {
  /** Project name (namespace of config keys); see {@link projectName}. */
  readonly project: string;
  readonly stack?: string;
  /** Run as `pulumi preview` does (outputs of other resources stay unknown). */
  readonly preview?: boolean;
  /** Stack config without namespace, as `pulumi config set KEY VALUE` stores it (strings). */
  readonly config?: Readonly<Record<string, string>>;
}

/** The program failed, or registered nothing. */
export class CaptureError extends Error {
  override readonly name = "CaptureError";
}

/** Replaces the SDK's unknown marker with the wire sentinel, recursively. */
function wireUnknowns(v: unknown): unknown {
  if (isUnknown(v)) return UNKNOWN;
  if (Array.isArray(v)) return v.map(wireUnknowns);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, wireUnknowns(x)]));
  return v;
}

/** `<project>:<key>` config map, as the CLI passes it to programs and providers. */
export function namespacedConfig(project: string, config: Readonly<Record<string, string>> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k.includes(":") ? k : `${project}:${k}`, v]));
}

/** The `name:` of a Pulumi project directory's `Pulumi.yaml`. */
export function projectName(dir: string): string {
  const yaml = fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8");
  const m = /^name:\s*(\S+)\s*$/m.exec(yaml);
  if (!m?.[1]) throw new CaptureError(`${dir}/Pulumi.yaml has no name:`);
  return m[1];
}

/**
 * A program that loads `file` (a Pulumi project's entry module) afresh. Under plain Node
 * the module cache entry is dropped first; jest's registry ignores that, so under jest load a
 * given module once per test file.
 */
export function moduleProgram(file: string): Program {
  return () => {
    const resolved = require.resolve(file);
    delete require.cache[resolved];
    return require(resolved) as unknown;
  };
}

/** Runs `program` under mocks and returns what it registered, in registration order. */
export async function capture(program: Program, opts: CaptureOptions): Promise<Registration[]> {
  const stack = opts.stack ?? "dev";
  const seen: Registration[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const urn = `urn:pulumi:${stack}::${opts.project}::${args.type}::${args.name}`;
        const reg = { type: args.type, name: args.name, urn, custom: args.custom ?? true, inputs: wireUnknowns(args.inputs) as Props };
        // A read (`get`) carries its id; a registration carries its import id, "" without `import` (unsupported here).
        seen.push(args.id ? { ...reg, readId: args.id } : reg);
        return { id: args.id || (opts.preview ? undefined : `${args.name}-id`), state: args.inputs };
      },
      call: () => ({}),
    },
    opts.project,
    stack,
    opts.preview ?? false,
  );
  pulumi.runtime.setAllConfig(namespacedConfig(opts.project, opts.config));
  try {
    await program();
  } catch (err) {
    throw new CaptureError(`the program failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  await pulumi.runtime.disconnect();
  if (seen.length === 0) throw new CaptureError("the program registered no resources (under jest, load a module program once per file)");
  return seen;
}
