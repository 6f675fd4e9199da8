/**
 * CrossGuard test harness. Builds the protobuf requests the engine sends an analyzer
 * (pulumirpc.Analyzer: Analyze, AnalyzeStack, Configure) and decodes its answers, and runs
 * policies in-process through `@pulumi/policy`'s own handlers: `makeAnalyzeRpcFun` and
 * `makeAnalyzeStackRpcFun` are exported by server.js but not by its typings (hence untyped
 * `require`). Policy config can only reach a policy through the real `Configure` handler; it
 * is captured here when `serve` registers its handlers, with the gRPC bind stubbed so nothing
 * listens. The out-of-process test (test/integration/policy-pack.test.ts) reuses the codec.
 */
import type { Policies } from "@pulumi/policy";
import { checkInputs } from "../../../provider/spec";

/* eslint-disable @typescript-eslint/no-require-imports */
const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");

type Props = Record<string, unknown>;

/** Pulumi's unknown sentinel, as the engine puts it into a Struct during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** The `VmCpu` type token. */
export const VM_CPU = "pulumi-nodejs:dynamic/qemu:VmCpu";
/** Pack name and version the in-process handlers report. */
export const PACK = { name: "qemu-vcpu", version: "0.1.0" } as const;

/** One resource as the engine describes it to an analyzer. */
export interface AnalyzedResource {
  readonly name: string;
  readonly props: Props;
  readonly stack?: string;
  readonly type?: string;
  /** Defaults to `urn:pulumi:<stack>::vmcpu::<type>::<name>`. */
  readonly urn?: string;
}

/** A resource's URN: its own, or `urn:pulumi:<stack>::vmcpu::<type>::<name>`. */
export function urnOf(r: AnalyzedResource): string {
  return r.urn ?? `urn:pulumi:${r.stack ?? "dev"}::vmcpu::${r.type ?? VM_CPU}::${r.name}`;
}

/**
 * Provider-checked inputs as an analyzer sees them: the spec's `checkInputs` (defaults applied,
 * unknowns kept) without `__` keys (the engine marshals analyzer input with SkipInternalKeys).
 */
export function checked(news: Props): Props {
  return withoutInternal(checkInputs(undefined, news).inputs);
}

/** Drops `__provider`, `__label`, … and `undefined` values, as the engine's marshalling does. */
export function withoutInternal(props: Props): Props {
  return JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(props).filter(([k]) => !k.startsWith("__")))));
}

function fill(msg: any, r: AnalyzedResource): any {
  msg.setType(r.type ?? VM_CPU);
  msg.setName(r.name);
  msg.setUrn(urnOf(r));
  msg.setProperties(Struct.fromJavaScript(r.props));
  msg.setOptions(new analyzerPb.AnalyzerResourceOptions());
  const provider = new analyzerPb.AnalyzerProviderResource();
  provider.setType("pulumi:providers:pulumi-nodejs");
  provider.setName("default");
  provider.setUrn(`urn:pulumi:${r.stack ?? "dev"}::vmcpu::pulumi:providers:pulumi-nodejs::default`);
  provider.setProperties(Struct.fromJavaScript({}));
  msg.setProvider(provider);
  return msg;
}

/** `pulumirpc.AnalyzeRequest` for one resource. */
export const analyzeRequest = (r: AnalyzedResource): any => fill(new analyzerPb.AnalyzeRequest(), r);

/** `pulumirpc.AnalyzeStackRequest` for the resources of one stack. */
export function analyzeStackRequest(resources: readonly AnalyzedResource[]): any {
  const req = new analyzerPb.AnalyzeStackRequest();
  req.setResourcesList(resources.map((r) => fill(new analyzerPb.AnalyzerResource(), r)));
  return req;
}

const LEVELS: Record<string, number> = analyzerPb.EnforcementLevel;
const LEVEL_NAMES = Object.fromEntries(Object.entries(LEVELS).map(([k, v]) => [v, k.toLowerCase()]));

/** Policy config as the CLI sends it: per policy, its effective enforcement level and properties. */
export type PolicyConfig = Record<string, { enforcementLevel: string; [key: string]: unknown }>;

/** `pulumirpc.ConfigureAnalyzerRequest` for `config`. */
export function configureRequest(config: PolicyConfig): any {
  const req = new analyzerPb.ConfigureAnalyzerRequest();
  for (const [policy, { enforcementLevel, ...props }] of Object.entries(config)) {
    const pc = new analyzerPb.PolicyConfig();
    pc.setEnforcementlevel(LEVELS[enforcementLevel.toUpperCase()]);
    pc.setProperties(Struct.fromJavaScript(props));
    req.getPolicyconfigMap().set(policy, pc);
  }
  return req;
}

/** One diagnostic of an analyzer answer. */
export interface Diagnostic {
  readonly policy: string;
  readonly level: string;
  readonly message: string;
  readonly urn: string;
}

/** A decoded `AnalyzeResponse`. */
export interface Analysis {
  readonly diagnostics: Diagnostic[];
  readonly notApplicable: { policy: string; reason: string }[];
}

/** Decodes a `pulumirpc.AnalyzeResponse`. */
export function decode(resp: any): Analysis {
  return {
    diagnostics: resp.getDiagnosticsList().map((d: any) => ({
      policy: d.getPolicyname(), level: LEVEL_NAMES[d.getEnforcementlevel()], message: d.getMessage(), urn: d.getUrn(),
    })),
    notApplicable: resp.getNotApplicableList().map((n: any) => ({ policy: n.getPolicyName(), reason: n.getReason() })),
  };
}

/** What happened to one policy: its violations, "not run" (unknowns), not applicable, or passed. */
export type Outcome =
  | { kind: "violation"; level: string; messages: string[] }
  | { kind: "not-run"; level: string; message: string }
  | { kind: "not-applicable"; reason: string }
  | { kind: "pass" };

/** The outcome of `policy` in an analysis. */
export function outcome(analysis: Analysis, policy: string): Outcome {
  const ds = analysis.diagnostics.filter((d) => d.policy === policy);
  const notRun = ds.find((d) => d.message.startsWith(`can't run policy '${policy}'`));
  if (notRun) return { kind: "not-run", level: notRun.level, message: notRun.message };
  if (ds.length) return { kind: "violation", level: ds[0]!.level, messages: ds.map((d) => d.message) };
  const na = analysis.notApplicable.find((n) => n.policy === policy);
  return na ? { kind: "not-applicable", reason: na.reason } : { kind: "pass" };
}

const server = () => require("@pulumi/policy/server");
const call = (fn: any, request: any): Promise<any> =>
  new Promise((resolve, reject) => fn({ request }, (err: unknown, resp: unknown) => (err ? reject(err) : resolve(resp))));

/** Runs `policies` on one resource through @pulumi/policy's Analyze handler. */
export async function analyze(policies: Policies, r: AnalyzedResource): Promise<Analysis> {
  const fn = server().makeAnalyzeRpcFun(PACK.name, PACK.version, "advisory", policies);
  return decode(await call(fn, analyzeRequest(r)));
}

/** Runs `policies` on a stack through @pulumi/policy's AnalyzeStack handler. */
export async function analyzeStack(policies: Policies, resources: readonly AnalyzedResource[]): Promise<Analysis> {
  const fn = server().makeAnalyzeStackRpcFun(PACK.name, PACK.version, "advisory", policies);
  return decode(await call(fn, analyzeStackRequest(resources)));
}

let configureHandler: any;

/** @pulumi/policy's real Configure handler, captured from `serve` with the gRPC bind stubbed. */
function configureFn(): any {
  if (configureHandler) return configureHandler;
  const grpc = require("@grpc/grpc-js");
  const bind = jest.spyOn(grpc.Server.prototype, "bindAsync").mockImplementation(() => undefined);
  const add = jest.spyOn(grpc.Server.prototype, "addService");
  try {
    server().serve(`${PACK.name}-harness`, PACK.version, "advisory", { policies: [] });
    configureHandler = (add.mock.calls[0]![1] as { configure: unknown }).configure;
  } finally {
    bind.mockRestore();
    add.mockRestore();
  }
  return configureHandler;
}

/**
 * Sets policy config the way the engine does (replacing any earlier config). Each configured
 * policy gets its own default enforcement level unless the entry names one, as the CLI sends
 * the effective level.
 */
export async function configure(policies: Policies, config: Record<string, Props> = {}): Promise<void> {
  const full: PolicyConfig = {};
  for (const [name, props] of Object.entries(config)) {
    const level = policies.find((p) => p.name === name)?.enforcementLevel ?? "advisory";
    full[name] = { enforcementLevel: level, ...props };
  }
  await call(configureFn(), configureRequest(full));
}

/** What a case expects of its policy: pass, violations (one pattern per message), not applicable, not run, error. */
export type Expected =
  | "pass"
  | { readonly violation: readonly RegExp[]; readonly level?: string }
  | { readonly notApplicable: RegExp }
  | { readonly notRun: RegExp }
  /** The handler fails the call (a policy error, e.g. invalid config), with this message. */
  | { readonly error: RegExp };

/** Asserts an outcome; a violation's level defaults to the policy's own. */
export function expectOutcome(actual: Outcome, expected: Expected, policyLevel: string): void {
  if (expected === "pass") return expect(actual).toEqual({ kind: "pass" });
  if ("violation" in expected) {
    const messages = expected.violation.map((re) => expect.stringMatching(re));
    return expect(actual).toEqual({ kind: "violation", level: expected.level ?? policyLevel, messages });
  }
  if ("error" in expected) throw new Error("an error case has no outcome");
  if ("notRun" in expected) {
    return expect(actual).toEqual({ kind: "not-run", level: "advisory", message: expect.stringMatching(expected.notRun) });
  }
  expect(actual).toEqual({ kind: "not-applicable", reason: expect.stringMatching(expected.notApplicable) });
}

/** One named case of a resource policy's table. */
export interface ResourceCase<O> {
  /** The resource's properties (usually `checked(...)` program inputs). */
  readonly props: Props;
  readonly name?: string;
  readonly stack?: string;
  readonly type?: string;
  /** Factory options (a pack's defaults in code). */
  readonly options?: O;
  /** Config sent through Configure. */
  readonly config?: Props;
  readonly expect: Expected;
}

/** Runs one case: builds the policy, configures it, analyzes the resource, checks the outcome. */
export async function runResourceCase<O>(make: (options?: O) => Policies[number], c: ResourceCase<O>): Promise<void> {
  const policy = make(c.options);
  await configure([policy], c.config ? { [policy.name]: c.config } : {});
  const run = analyze([policy], { name: c.name ?? "web01-cpu", stack: c.stack, type: c.type, props: c.props });
  if (typeof c.expect === "object" && "error" in c.expect) return expect(run).rejects.toThrow(c.expect.error);
  const analysis = await run;
  expectOutcome(outcome(analysis, policy.name), c.expect, policy.enforcementLevel ?? "advisory");
}

/** One named case of a stack policy's table. */
export interface StackCase<O> {
  readonly resources: readonly AnalyzedResource[];
  readonly options?: O;
  readonly config?: Props;
  readonly expect: Expected;
}

/** Runs one stack case through @pulumi/policy's AnalyzeStack handler. */
export async function runStackCase<O>(make: (options?: O) => Policies[number], c: StackCase<O>): Promise<void> {
  const policy = make(c.options);
  await configure([policy], c.config ? { [policy.name]: c.config } : {});
  const run = analyzeStack([policy], c.resources);
  if (typeof c.expect === "object" && "error" in c.expect) return expect(run).rejects.toThrow(c.expect.error);
  expectOutcome(outcome(await run, policy.name), c.expect, policy.enforcementLevel ?? "advisory");
}
