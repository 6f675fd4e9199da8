/**
 * The examples as programs: each runs (under mocks) and declares the resources its README
 * promises; `basic` runs through Pulumi's real dynamic-provider host against a real test
 * guest, as `pulumi preview` and `pulumi up` would (2 → 4 vCPUs, live).
 */
import * as path from "node:path";
import { REPO_ROOT, cleanupLeftovers, startTestDomain, uniqueName, type TestDomain } from "../../guest/guest";
import { capture, moduleProgram, projectName, type Registration } from "../../engine/capture";
import { render } from "../../engine/display";
import { MiniEngine } from "../../engine/engine";
import { lines, methods, outcome, outputsOf, vcpuCounts } from "../../engine/scenario";
import { Timings } from "../../engine/timings";

const RUN = uniqueName("qvt-eng-ex");
const timings = new Timings();
const dirOf = (example: string) => path.join(REPO_ROOT, "examples", example);
const VMCPU = "pulumi-nodejs:dynamic/qemu:VmCpu";
const CTX = { project: "vmcpu-basic", stack: "dev" };

function captureExample(example: string, config: Record<string, string>): Promise<Registration[]> {
  return capture(moduleProgram(path.join(dirOf(example), "index.ts")), { project: projectName(dirOf(example)), config });
}

afterAll(async () => {
  timings.print("[engine/examples] scenario times");
  expect(await cleanupLeftovers(RUN)).toEqual({ domains: [], rawQemus: [] });
});

describe("each example declares what its README says", () => {
  const cases: Record<string, { config: Record<string, string>; names: string[]; inputs: Record<string, unknown> }> = {
    fleet: {
      config: {},
      names: ["local-web01-cpu", "local-web02-cpu", "kvm2-db01-cpu"],
      inputs: { libvirt: { uri: "qemu+ssh://root@kvm2.example.net/system", domain: "db01" }, maxVcpus: 16, vcpus: 8 },
    },
    topology: {
      config: { domain: "db01", vcpus: "12" },
      names: ["db01-cpu"],
      inputs: { maxVcpus: 16, vcpus: 12, topology: { sockets: 2, cores: 4, threads: 2 }, machine: "q35", coldChanges: "refuse" },
    },
    drift: {
      config: { domain: "web07" },
      names: ["web01-cpu"],
      inputs: { libvirt: { uri: "qemu:///system", domain: "web07" }, maxVcpus: 8, vcpus: 4 },
    },
  };
  test.each(Object.entries(cases))("%s", async (example, c) => {
    const regs = await captureExample(example, c.config);
    expect(regs.map((r) => [r.type, r.name])).toEqual(c.names.map((n) => [VMCPU, n]));
    expect(regs.at(-1)?.inputs).toMatchObject(c.inputs);
  });
});

describe("examples/basic through the provider host against a real VM (2 → 4 vCPUs)", () => {
  let vm: TestDomain;
  let engine: MiniEngine;
  let regs: Registration[];

  beforeAll(async () => {
    vm = await startTestDomain({ name: RUN, machine: "q35", maxVcpus: 8, vcpus: 2, topology: { sockets: 1, cores: 8, threads: 1 } });
    const config = { domain: vm.name, vcpus: "4" };
    engine = new MiniEngine({ programDir: dirOf("basic"), project: projectName(dirOf("basic")), config });
    timings.record("boot to agent", await vm.waitForAgent(60_000));
    regs = await captureExample("basic", config);
  });
  afterAll(async () => vm?.destroy());

  test("pulumi preview: + create, with the adoption plan in the output, and the VM untouched", async () => {
    const preview = await timings.time("basic: preview", () => engine.preview(regs));
    expect(outcome(preview, CTX)).toBe("ok");
    expect(methods(preview)).toEqual(["check"]);
    expect(render(preview, CTX)).toMatch(/\+\s+pulumi-nodejs:dynamic\/qemu:VmCpu\s+web01-cpu\s+create/);
    expect(lines(preview)).toEqual(expect.arrayContaining(["VmCpu web01-cpu: will hot-add vCPU 2 (live)", "VmCpu web01-cpu: will hot-add vCPU 3 (live)"]));
    expect(await vcpuCounts(vm.name)).toMatchObject({ "current live": 2 });
  });

  test("pulumi up: the guest goes from 2 to 4 CPUs online, live", async () => {
    expect(await vm.guestOnlineCpus()).toEqual([0, 1]);
    const up = await timings.time("basic: up 2→4", () => engine.up(regs));
    expect(outcome(up, CTX)).toBe("ok");
    expect(methods(up)).toEqual(["check", "create"]);
    expect(await vm.guestOnlineCpus()).toEqual([0, 1, 2, 3]);
    expect(outputsOf(engine, "web01-cpu")).toMatchObject({ liveVcpus: 4, guestOnlineVcpus: 4, machine: "pc-q35-7.2", restartPending: false });
  });

  test("pulumi preview afterwards: no changes", async () => {
    const preview = await timings.time("basic: preview, no changes", () => engine.preview(regs, { expectNoChanges: true }));
    expect(outcome(preview, CTX)).toBe("ok");
    expect(preview.steps.map((s) => s.op)).toEqual(["same"]);
  });
});
