/**
 * examples/policy-pack, run the way the Pulumi CLI runs a Node policy pack: `run-policy-pack`
 * from the pack's own `@pulumi/pulumi`, cwd = the pack directory, arguments `<engine-addr> .`;
 * it type-checks index.ts with ts-node, prints its port, and serves pulumirpc.Analyzer, which
 * this test calls over gRPC like the engine: GetAnalyzerInfo, ConfigureStack, Configure (the
 * only way config reaches a policy), Analyze, AnalyzeStack. No VM is needed.
 *
 * The resources are real `VmCpu`s: the SDK class registers them (under Pulumi's mocks), the
 * provider's own `check` turns their program inputs into checked inputs with defaults, and
 * `__provider`/`__label` are dropped as the engine's analyzer marshalling does.
 * The pack imports `pulumi-qemu-vcpu/policy` from dist/ (workspace link): run `npm run build` first.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as pulumi from "@pulumi/pulumi";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { provider } from "../../provider/dynamic";
import { ProviderHost } from "../engine/plugin";
import { VmCpu, type VmCpuArgs } from "../../sdk";
import {
  analyzeRequest, analyzeStackRequest, configureRequest, decode, outcome, UNKNOWN, withoutInternal,
  type AnalyzedResource, type Analysis, type PolicyConfig,
} from "../unit/policy/harness";

const ROOT = path.resolve(__dirname, "../..");
const PACK_DIR = path.join(ROOT, "examples/policy-pack");
const STACK = "prod-eu";
/**
 * A libvirt URI whose socket doesn't exist: `check` previews an adoption by reading the VM (best
 * effort), and this makes that read fail at once, locally, whatever daemons the machine runs.
 */
const NO_LIBVIRTD = "qemu+unix:///system?socket=/nonexistent/libvirt-sock";
const START_DEADLINE_MS = 120_000;
const timings: Record<string, number> = {};
type Props = Record<string, unknown>;

/** A running pack: its host process (own process group) and a client on its port. */
interface Pack {
  readonly host: ProviderHost;
  readonly client: AnalyzerClient;
}

/** Starts the pack the way the CLI does; resolves once it printed its port. */
async function startPack(): Promise<Pack> {
  // The engine's address comes first; run-policy-pack never dials it (pulumi/pulumi#6065).
  const host = await ProviderHost.start({
    programDir: PACK_DIR, engineAddress: "127.0.0.1:1", project: "qemu-vcpu-policy-pack", stack: "test", config: {},
    startTimeoutMs: START_DEADLINE_MS, entry: { module: "@pulumi/pulumi/cmd/run-policy-pack", args: ["127.0.0.1:1", "."] },
  });
  return { host, client: new AnalyzerClient(`127.0.0.1:${host.port}`, grpc.credentials.createInsecure()) };
}

/** Stops the pack's whole process group and waits (bounded) for it to exit. */
async function stopPack(pack: Pack): Promise<void> {
  pack.client.close();
  await pack.host.stop();
}

/** One unary call on the pack's Analyzer service. */
function rpc<Req, Res>(pack: Pack, method: string, request: Req): Promise<Res> {
  const client = pack.client as unknown as Record<string, (r: Req, cb: (e: grpc.ServiceError | null, res: Res) => void) => void>;
  return new Promise((resolve, reject) => client[method]!.call(pack.client, request, (e, res) => (e ? reject(e) : resolve(res))));
}

/** Registers real `VmCpu`s under Pulumi's mocks; returns what the engine would hand `check`. */
async function registerVmCpus(specs: Record<string, VmCpuArgs>): Promise<{ type: string; name: string; urn: string; inputs: Props }[]> {
  const seen = new Map<string, { type: string; inputs: Props }>();
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        seen.set(args.name, { type: args.type, inputs: args.inputs as Props });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: () => ({}),
    },
    "vmcpu",
    STACK,
    true,
  );
  return Promise.all(
    Object.entries(specs).map(async ([name, args]) => {
      const urn = await new Promise<string>((resolve) => new VmCpu(name, args).urn.apply(resolve));
      return { ...seen.get(name)!, name, urn };
    }),
  );
}

/** The provider's own check of a new resource, as the engine runs it before Analyze. */
async function checkedInputs(inputs: Props): Promise<Props> {
  const lines: string[] = [];
  const log = jest.spyOn(console, "log").mockImplementation((...args: unknown[]) => void lines.push(args.join(" ")));
  try {
    const result = await provider.check!({}, inputs);
    expect(result.failures ?? []).toEqual([]);
    expect(lines.every((l) => l.includes(": can't read the VM yet"))).toBe(true); // the adoption preview couldn't read the VM
    return result.inputs as Props;
  } finally {
    log.mockRestore();
  }
}

/** What the CLI sends in Configure: every policy's schema defaults and level, then overrides. */
function cliConfig(info: analyzerPb.AnalyzerInfo, overrides: Record<string, Props>): PolicyConfig {
  const levels = Object.fromEntries(Object.entries(analyzerPb.EnforcementLevel).map(([k, v]) => [v, k.toLowerCase()]));
  return Object.fromEntries(
    info.getPoliciesList().map((p) => {
      const schema = (p.getConfigschema()?.getProperties()?.toJavaScript() ?? {}) as Record<string, { default?: unknown }>;
      const defaults = Object.fromEntries(Object.entries(schema).filter(([, s]) => s.default !== undefined).map(([k, s]) => [k, s.default]));
      return [p.getName(), { enforcementLevel: levels[p.getEnforcementlevel()]!, ...defaults, ...overrides[p.getName()] }];
    }),
  );
}

const kinds = (analysis: Analysis, names: string[]) => Object.fromEntries(names.map((n) => [n, outcome(analysis, n).kind]));

describe("examples/policy-pack under run-policy-pack, over gRPC", () => {
  let pack: Pack;
  let info: analyzerPb.AnalyzerInfo;
  let web: AnalyzedResource;
  let batch: AnalyzedResource;
  let checkedWeb: Props;

  beforeAll(async () => {
    expect(fs.existsSync(path.join(ROOT, "dist/sdk/policy/index.js"))).toBe(true); // npm run build
    const t0 = Date.now();
    pack = await startPack();
    timings["packStart"] = Date.now() - t0;
    const libvirt = { uri: NO_LIBVIRTD, domain: "web01" };
    const registered = await registerVmCpus({
      "web01-cpu": { libvirt, maxVcpus: 8, vcpus: 8, machine: "q35", coldChanges: "restart" },
      "batch01-cpu": { libvirt: { ...libvirt, domain: "batch01" }, maxVcpus: 16, vcpus: 4, machine: "q35", guestAgent: "required" },
    });
    const analyzed: AnalyzedResource[] = [];
    for (const r of registered) {
      const raw = await checkedInputs(r.inputs); // one at a time: each captures console.log
      if (r.name === "web01-cpu") checkedWeb = raw;
      analyzed.push({ name: r.name, type: r.type, urn: r.urn, stack: STACK, props: withoutInternal(raw) });
    }
    [web, batch] = analyzed as [AnalyzedResource, AnalyzedResource];
  });

  afterAll(async () => {
    if (pack) await stopPack(pack);
    process.stdout.write(`[policy-pack.test] timings (ms): ${JSON.stringify(timings)}\n`);
  });

  test("the real VmCpu: its type token and URN, checked inputs with defaults, no __ keys for policies", () => {
    expect(web.urn).toBe(`urn:pulumi:${STACK}::vmcpu::pulumi-nodejs:dynamic/qemu:VmCpu::web01-cpu`);
    expect(Object.keys(checkedWeb)).toEqual(expect.arrayContaining(["__provider", "__label"]));
    expect(web.props).toMatchObject({ guestAgent: "optional", timeouts: { unplugSeconds: 30 }, coldChanges: "restart" });
    expect(Object.keys(web.props).filter((k) => k.startsWith("__"))).toEqual([]);
  });

  test("GetAnalyzerInfo: the pack's name, version, and every policy with its level and config schema", async () => {
    info = await rpc(pack, "getAnalyzerInfo", new Empty());
    expect([info.getName(), info.getVersion(), info.getSupportsconfig()]).toEqual(["qemu-vcpu", "0.1.0", true]);
    const policies = info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()]);
    const { ADVISORY, MANDATORY } = analyzerPb.EnforcementLevel;
    expect(policies).toEqual([
      ["vmcpu-hotplug-capable-machine", MANDATORY], ["vmcpu-headroom", ADVISORY], ["vmcpu-protected-stacks", MANDATORY],
      ["vmcpu-scale-down-safety", ADVISORY], ["vmcpu-ceilings", MANDATORY], ["vmcpu-host-capacity", MANDATORY],
      ["vmcpu-numa-balance", ADVISORY],
    ]);
    const stacks = info.getPoliciesList()[2]!.getConfigschema()!.getProperties()!.toJavaScript();
    expect(stacks).toMatchObject({ stacks: { type: "array", default: ["prod*"] } });
  });

  test("Configure with the CLI's config, then Analyze the real VmCpu", async () => {
    const stackReq = new analyzerPb.AnalyzerStackConfigureRequest();
    stackReq.setStack(STACK);
    stackReq.setProject("vmcpu");
    await rpc(pack, "configureStack", stackReq);
    await rpc(pack, "configure", configureRequest(cliConfig(info, { "vmcpu-headroom": { margin: 2 } })));
    const t0 = Date.now();
    const analysis = decode(await rpc(pack, "analyze", analyzeRequest(web)));
    timings["analyzeFirst"] = Date.now() - t0;
    expect(kinds(analysis, ["vmcpu-hotplug-capable-machine", "vmcpu-headroom", "vmcpu-protected-stacks", "vmcpu-scale-down-safety", "vmcpu-ceilings"])).toEqual({
      "vmcpu-hotplug-capable-machine": "pass",
      "vmcpu-headroom": "violation",
      "vmcpu-protected-stacks": "violation",
      "vmcpu-scale-down-safety": "violation",
      "vmcpu-ceilings": "pass",
    });
    expect(outcome(analysis, "vmcpu-headroom")).toMatchObject({ level: "advisory", messages: [expect.stringMatching(/margin of 2 vCPUs/)] });
    expect(outcome(analysis, "vmcpu-protected-stacks")).toMatchObject({
      level: "mandatory",
      messages: [expect.stringMatching(/stack prod-eu is protected \(matches "prod\*"\): set coldChanges: "refuse" \(now "restart"\)/)],
    });
  });

  test("Analyze round trip, warm: the same answer every time", async () => {
    const n = 20;
    const t0 = Date.now();
    const answers: Analysis[] = [];
    for (let i = 0; i < n; i++) answers.push(decode(await rpc(pack, "analyze", analyzeRequest(web))));
    timings["analyzeRoundTripAvg"] = Math.round(((Date.now() - t0) / n) * 10) / 10;
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
  });

  test("preview with vcpus unknown: the rules that need it are reported as not run, advisory", async () => {
    const props = withoutInternal(await checkedInputs({ ...checkedWeb, vcpus: UNKNOWN }));
    expect(props["vcpus"]).toBe(UNKNOWN);
    const analysis = decode(await rpc(pack, "analyze", analyzeRequest({ ...web, props })));
    expect(outcome(analysis, "vmcpu-headroom")).toEqual({
      kind: "not-run", level: "advisory",
      message: "can't run policy 'vmcpu-headroom' from policy pack 'qemu-vcpu@v0.1.0' during preview: string value at .vcpus can't be known during preview",
    });
    expect(outcome(analysis, "vmcpu-protected-stacks").kind).toBe("violation");
  });

  test("AnalyzeStack: host capacity from Configure, per libvirt host", async () => {
    const capacity = (hostCpus: number) => configureRequest(cliConfig(info, { "vmcpu-host-capacity": { hostCpus } }));
    await rpc(pack, "configure", capacity(8));
    const over = decode(await rpc(pack, "analyzeStack", analyzeStackRequest([web, batch])));
    expect(outcome(over, "vmcpu-host-capacity")).toEqual({
      kind: "violation", level: "mandatory",
      messages: [expect.stringContaining(`libvirt host localhost (${NO_LIBVIRTD}): 2 VmCpu resource(s) declare 12 vcpus, above 8 CPUs × overcommit 1 = 8: lower vcpus by 4 across web01-cpu (8), batch01-cpu (4)`)],
    });
    await rpc(pack, "configure", capacity(16));
    expect(outcome(decode(await rpc(pack, "analyzeStack", analyzeStackRequest([web, batch]))), "vmcpu-host-capacity")).toEqual({ kind: "pass" });
  });

  test("AnalyzeStack: NUMA balance from a VmCpu's state (numaNodes), maxSkew from Configure", async () => {
    await rpc(pack, "configure", configureRequest(cliConfig(info, {})));
    expect(outcome(decode(await rpc(pack, "analyzeStack", analyzeStackRequest([web, batch]))), "vmcpu-numa-balance")).toEqual({
      kind: "not-applicable", reason: expect.stringMatching(/no VmCpu in this stack has vCPU slots on two or more NUMA nodes/),
    });
    const nodes = (plugged: number[]) => plugged.map((n, node) => ({ node, possible: 4, plugged: n }));
    const state = (numaPlacement: string, plugged: number[]): AnalyzedResource => ({ ...batch, props: { ...batch.props, numaPlacement, numaNodes: nodes(plugged) } });
    const uneven = decode(await rpc(pack, "analyzeStack", analyzeStackRequest([web, state("lowest-id", [3, 1])])));
    expect(outcome(uneven, "vmcpu-numa-balance")).toEqual({
      kind: "violation", level: "advisory",
      messages: [
        expect.stringMatching(/batch01-cpu has vCPU slots on 2 NUMA nodes \(node 0: 3\/4, node 1: 1\/4 plugged\) and numaPlacement is "lowest-id": set numaPlacement: "balanced"/),
        expect.stringMatching(/batch01-cpu's NUMA nodes are uneven \(node 0: 3\/4, node 1: 1\/4 plugged; skew 2 > maxSkew 1\)/),
      ],
    });
    expect(outcome(decode(await rpc(pack, "analyzeStack", analyzeStackRequest([web, state("balanced", [2, 2])]))), "vmcpu-numa-balance")).toEqual({ kind: "pass" });
    await rpc(pack, "configure", configureRequest(cliConfig(info, { "vmcpu-numa-balance": { maxSkew: 2 } })));
    expect(outcome(decode(await rpc(pack, "analyzeStack", analyzeStackRequest([web, state("balanced", [3, 1])]))), "vmcpu-numa-balance")).toEqual({ kind: "pass" });
  });

  test("an enforcement level sent in Configure wins over the pack's default (disabled: not run)", async () => {
    const config = cliConfig(info, { "vmcpu-protected-stacks": { enforcementLevel: "disabled" } });
    await rpc(pack, "configure", configureRequest(config));
    const analysis = decode(await rpc(pack, "analyze", analyzeRequest(web)));
    expect(outcome(analysis, "vmcpu-protected-stacks")).toEqual({ kind: "pass" });
    expect(outcome(analysis, "vmcpu-headroom").kind).toBe("violation");
  });
});
