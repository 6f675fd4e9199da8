/**
 * A fresh consumer project outside the repository, as a user makes one: the packed tarball installed
 * with `@pulumi/pulumi` and `@pulumi/policy` from the registry, a program and a policy pack in TypeScript,
 * and a capture script that runs the program under the consumer's own `@pulumi/pulumi` mocks (so the
 * registrations, `__provider` included, come from the installed copy, not from this repository).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Registration } from "../engine/capture";

/** What `npm pack --json` reports of the tarball. */
export interface Packed {
  readonly tarball: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: readonly string[];
}

/** Packs `repo` (its `prepack` builds dist/) into `dest`. */
export function pack(repo: string, dest: string): Packed {
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", dest], { cwd: repo, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const json = JSON.parse(out.slice(out.indexOf("[\n"))) as { filename: string; size: number; unpackedSize: number; files: { path: string }[] }[];
  const info = json[0]!;
  return { tarball: path.join(dest, info.filename), size: info.size, unpackedSize: info.unpackedSize, files: info.files.map((f) => f.path) };
}

/** Versions the consumer installs: Pulumi's from the registry by range, as a user's project does. */
const DEPENDENCIES = { "@pulumi/pulumi": "^3.216.0", "@pulumi/policy": "^1.21.0", "@types/node": "^22" };

/** Pulumi's TypeScript template tsconfig (`pulumi new typescript`), plus `node16` variants. */
export const TSCONFIGS: Record<string, Record<string, unknown>> = {
  "pulumi template (moduleResolution node)": {
    strict: true, outDir: "bin", target: "es2020", module: "commonjs", moduleResolution: "node", sourceMap: true,
    experimentalDecorators: true, pretty: true, noFallthroughCasesInSwitch: true, noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
  "node16": { strict: true, outDir: "bin", target: "es2022", module: "node16", moduleResolution: "node16" },
};

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { VmCpu, type ColdChanges, type GuestAgentMode, type Topology } from "pulumi-qemu-vcpu";

const config = new pulumi.Config();
// Output-typed unions of the package's own exported types are accepted as they are.
const coldChanges: pulumi.Output<ColdChanges> = pulumi.output<ColdChanges>("refuse");
const guestAgent: pulumi.Output<GuestAgentMode> = pulumi.output<GuestAgentMode>(config.get("guestAgent") === "off" ? "off" : "required");
const topology: pulumi.Output<Topology | undefined> = pulumi.output<Topology | undefined>(undefined);

export const cpu = new VmCpu("consumer-cpu", {
  libvirt: { uri: "qemu:///system", domain: config.require("domain") },
  maxVcpus: 4,
  vcpus: config.requireNumber("vcpus"),
  coldChanges, guestAgent, topology,
});
export const online: pulumi.Output<number | undefined> = cpu.guestOnlineVcpus;
export const isCustomResource: boolean = cpu instanceof pulumi.CustomResource;
export const readBack = config.get("readId") ? VmCpu.get("consumer-ro", config.require("readId")) : undefined;
`;

const POLICY = `import { PolicyPack } from "@pulumi/policy";
import { allPolicies, headroom, type HeadroomOptions } from "pulumi-qemu-vcpu/policy";
import { provider } from "pulumi-qemu-vcpu/provider";

const options: HeadroomOptions = { margin: 2, enforcementLevel: "mandatory" };
void provider.check;
new PolicyPack("qemu-vcpu", { policies: [...allPolicies({ "vmcpu-ceilings": { maxVcpus: 64 } }).slice(0, 1), headroom(options)] });
`;

/** Runs the compiled program under the consumer's own `@pulumi/pulumi` mocks; prints registrations as JSON. */
const CAPTURE = `const pulumi = require("@pulumi/pulumi");
const [project, stack, config] = [process.argv[2], "dev", JSON.parse(process.argv[3])];
const seen = [];
pulumi.runtime.setMocks({
  newResource: (a) => {
    const urn = "urn:pulumi:" + stack + "::" + project + "::" + a.type + "::" + a.name;
    seen.push({ type: a.type, name: a.name, urn, custom: a.custom ?? true, inputs: a.inputs, ...(a.id ? { readId: a.id } : {}) });
    return { id: a.id || a.name + "-id", state: a.inputs };
  },
  call: () => ({}),
}, project, stack, false).then(async () => {
  pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [project + ":" + k, v])));
  const program = require("./bin/index.js");
  await new Promise((resolve) => program.cpu.urn.apply(resolve));
  await pulumi.runtime.disconnect();
  process.stdout.write(JSON.stringify({ seen, isCustomResource: program.isCustomResource }));
});
`;

/** A consumer project: its directory and what it can do. */
export interface Consumer {
  readonly dir: string;
  readonly project: string;
  /** `npm install` wall time, ms. */
  readonly installMs: number;
}

/** Makes the consumer project in a new temp directory and installs the tarball into it. */
export function makeConsumer(tarball: string): Consumer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qvt-consumer-"));
  const project = "consumer";
  const pkg = { name: project, private: true, main: "bin/index.js", dependencies: { "pulumi-qemu-vcpu": `file:${tarball}`, ...DEPENDENCIES } };
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify(pkg, null, 2));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ${project}\nruntime: nodejs\n`);
  fs.writeFileSync(path.join(dir, "index.ts"), PROGRAM);
  fs.writeFileSync(path.join(dir, "policy.ts"), POLICY);
  fs.writeFileSync(path.join(dir, "capture.js"), CAPTURE);
  const t0 = Date.now();
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  return { dir, project, installMs: Date.now() - t0 };
}

/** One tsc diagnostic: the file it is in (relative to the project) and its text. */
export interface Diagnostic {
  readonly file: string;
  readonly text: string;
}

/** Compiles `file` (index.ts or policy.ts) with `compilerOptions`; returns tsc's diagnostics (none: it compiled). */
export function compile(c: Consumer, tsc: string, file: string, compilerOptions: Record<string, unknown>): Diagnostic[] {
  fs.writeFileSync(path.join(c.dir, "tsconfig.json"), JSON.stringify({ compilerOptions, files: [file] }, null, 2));
  try {
    execFileSync(process.execPath, [tsc, "-p", c.dir, "--pretty", "false"], { cwd: c.dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return [];
  } catch (err) {
    const out = (err as { stdout?: string }).stdout ?? String(err);
    return out.split("\n").filter((l) => /error TS\d+/.test(l)).map((text) => ({ file: text.split("(")[0]!, text }));
  }
}

/** Runs the consumer's capture script (the compiled program under its own SDK's mocks). */
export function captureConsumer(c: Consumer, config: Record<string, string>): { seen: Registration[]; isCustomResource: boolean } {
  const out = execFileSync(process.execPath, ["capture.js", c.project, JSON.stringify(config)], { cwd: c.dir, encoding: "utf8" });
  return JSON.parse(out) as { seen: Registration[]; isCustomResource: boolean };
}
