/**
 * The dependency rules of the layout (README "How it is built"), checked on the sources:
 * the pure core touches no sockets and no Pulumi; protocol clients import nothing else of
 * ours (but the neutral provider/ssh); only transport files open sockets; examples import the package by its name only.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const ROOT = join(__dirname, "..", "..");

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules") return [];
    return statSync(join(ROOT, path)).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
  });
}

function imports(file: string): string[] {
  const src = readFileSync(join(ROOT, file), "utf8");
  return [...src.matchAll(/(?:^|\n)\s*(?:import|export)[^;]*?from\s+"([^"]+)"/g), ...src.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!);
}

/** Resolves a relative import to a repo path prefix (directory of the target). */
function target(file: string, spec: string): string {
  return spec.startsWith(".") ? relative(ROOT, join(ROOT, file, "..", spec)) : spec;
}

interface Rule {
  readonly files: string;
  readonly forbid: (imported: string, file: string) => boolean;
  readonly why: string;
}

const outside = (dir: string) => (t: string) => t.startsWith("provider/") && !t.startsWith(dir) || t.startsWith("sdk/") || t.startsWith("test/");

const RULES: Record<string, Rule> = {
  "spec and plan touch no sockets, no Pulumi": {
    files: "provider/spec|provider/plan",
    forbid: (t) => /^node:(net|tls|child_process|fs)$|^@pulumi\//.test(t) || /^provider\/(libvirt|qmp|backend|apply)/.test(t),
    why: "the pure core",
  },
  "the libvirt client imports nothing else of ours but the neutral SSH module": {
    files: "provider/libvirt", forbid: (t) => outside("provider/libvirt")(t) && !t.startsWith("provider/ssh"), why: "a publishable leaf (shares provider/ssh with QMP over SSH)",
  },
  "the SSH module imports nothing else of ours": { files: "provider/ssh", forbid: outside("provider/ssh"), why: "neutral: used by the libvirt transports and by QMP over SSH" },
  "the QMP client imports nothing else of ours": { files: "provider/qmp", forbid: outside("provider/qmp"), why: "a publishable leaf" },
  "only transport files open sockets": {
    files: "provider/libvirt|provider/qmp",
    forbid: (t, f) => /^node:(net|tls)$/.test(t) && !/transport/.test(f),
    why: "one seam per layer",
  },
  "the provider never imports Pulumi at run time": {
    files: "provider",
    forbid: (t, f) => /^@pulumi\//.test(t) && !readFileSync(join(ROOT, f), "utf8").includes(`import type * as dynamic from "${t}"`),
    why: "it runs inside the dynamic-provider host and must stay small",
  },
  "examples import the package by its name only": {
    files: "examples",
    forbid: (t) => t.startsWith("provider/") || t.startsWith("sdk/") || t.startsWith("test/") || /^\.\.\//.test(t),
    why: "they are what users write",
  },
};

describe("layout", () => {
  test.each(Object.entries(RULES))("%s", (_name, rule) => {
    const dirs = rule.files.split("|");
    const offending = dirs
      .flatMap(files)
      .flatMap((f) => imports(f).map((spec) => ({ f, t: target(f, spec) })))
      .filter(({ f, t }) => rule.forbid(t, f))
      .map(({ f, t }) => `${f} → ${t}`);
    expect(offending).toEqual([]);
  });
});
