/**
 * `pulumi up / preview / refresh` as users run them, through Pulumi's real dynamic-provider
 * host (test/engine), against one real test guest: adopt and converge, no-op, previews
 * that touch nothing (also with unknown inputs), provider code changes, drift found by
 * `preview --refresh --expect-no-changes`, refresh, and up putting the VM back.
 *
 * Under TCG an unplug must be the last vCPU change on a VM (a later hot-add can crash QEMU):
 * the drift is an out-of-band hot-add, and `up` after refresh unplugs it, last.
 */
import { cleanupLeftovers, startTestDomain, uniqueName, virsh, type TestDomain } from "../../guest/guest";
import type { Registration } from "../../engine/capture";
import type { MiniEngine, OperationReport } from "../../engine/engine";
import { UNKNOWN } from "../../engine/props";
import { VmCpu } from "pulumi-qemu-vcpu";
import { unknownVcpusProgram, vmCpuProgram } from "../../engine/programs/vm-cpu";
import { captureTest, inputsOf, lines, methods, outcome, outputsOf, shown, testEngine, vcpuCounts } from "../../engine/scenario";
import { Timings } from "../../engine/timings";

const RUN = uniqueName("qvt-eng-life");
const NAME = "web-cpu";
const timings = new Timings();

let vm: TestDomain;
let engine: MiniEngine;
const spec = (vcpus: number) => ({ libvirt: { uri: "qemu:///system", domain: vm.name }, maxVcpus: 4, vcpus, guestAgent: "required" as const });
const program = (vcpus: number) => captureTest(vmCpuProgram(NAME, spec(vcpus)));

beforeAll(async () => {
  engine = testEngine();
  vm = await startTestDomain({ name: RUN, machine: "q35", maxVcpus: 4, vcpus: 1 });
  timings.record("boot to agent", await vm.waitForAgent(60_000));
});

afterAll(async () => {
  if (engine?.state.size) await engine.destroy();
  await vm?.destroy();
  timings.print("[engine/lifecycle] scenario times");
  expect(await cleanupLeftovers(RUN)).toEqual({ domains: [], rawQemus: [] });
});

describe("one VM through pulumi up, preview and refresh", () => {
  let want3: Registration[];
  let firstUp: OperationReport;
  let putBack: OperationReport;

  const unknownVcpus = () =>
    captureTest(unknownVcpusProgram(NAME, { libvirt: spec(3).libvirt, maxVcpus: 4, guestAgent: "required" }), { preview: true });

  test("first preview, vcpus unknown (from a resource not created yet): + create, Check only", async () => {
    const preview = await timings.time("preview: new resource, unknown vcpus", async () => engine.preview(await unknownVcpus()));
    expect(outcome(preview)).toBe("ok");
    expect(methods(preview)).toEqual(["check"]);
    expect(shown(preview)).toMatch(/\+\s+pulumi-nodejs:dynamic\/qemu:VmCpu\s+web-cpu\s+create/);
    expect(await vcpuCounts(vm.name)).toMatchObject({ "current live": 1 });
  });

  test("first up adopts the VM and hot-adds 1→3; the guest has 3 CPUs online", async () => {
    want3 = await program(3);
    const up = (firstUp = await timings.time("up: adopt + hot-add 1→3", () => engine.up(want3)));
    expect(outcome(up)).toBe("ok");
    expect(methods(up)).toEqual(["check", "create"]);
    expect(shown(up)).toMatch(/\+\s+pulumi-nodejs:dynamic\/qemu:VmCpu\s+web-cpu\s+create/);
    expect(outputsOf(engine, NAME)).toMatchObject({ liveVcpus: 3, guestOnlineVcpus: 3, configVcpus: 3, restartPending: false });
    expect(await vm.guestOnlineCpus()).toEqual([0, 1, 2]);
    timings.record("provider host start", up.hostStartMs);
  });

  test("hot-add start and end reach pulumi's output as info diagnostics (host stdout) naming the resource", () => {
    const text = firstUp.diagnostics.filter((d) => d.stream === "stdout").map((d) => d.text).join("\n");
    expect(text).toMatch(/^VmCpu web-cpu: hot-add vCPU 1 \(live\): (start|starting|started)/m);
    expect(text).toMatch(/^VmCpu web-cpu: hot-add vCPU 1 \(live\): done in \d+ ms/m);
    expect(engine.engineLogs).toEqual([]);
  });

  test("second up is a no-op: Diff says DIFF_NONE, no Update, the guest is untouched", async () => {
    const up = await timings.time("up: no-op", () => engine.up(want3));
    expect(outcome(up)).toBe("ok");
    expect(methods(up)).toEqual(["check", "diff"]);
    expect(up.steps.map((s) => s.op)).toEqual(["same"]);
    expect(shown(up)).toMatch(/\(no changes\)[\s\S]*1 unchanged/);
    expect(await vm.guestOnlineCpus()).toEqual([0, 1, 2]);
  });

  test("preview of vcpus 3→4 shows an in-place update and touches nothing", async () => {
    const before = await vcpuCounts(vm.name);
    const preview = await timings.time("preview: vcpus 3→4", async () => engine.preview(await program(4)));
    expect(outcome(preview)).toBe("ok");
    expect(methods(preview)).toEqual(["check", "diff"]);
    expect(shown(preview)).toMatch(/~\s+pulumi-nodejs:dynamic\/qemu:VmCpu\s+web-cpu\s+update\s+\[diff: ~vcpus\]/);
    expect(lines(preview)).toContain("VmCpu web-cpu: will hot-add vCPU 3 (live)");
    expect(await vcpuCounts(vm.name)).toEqual(before);
    expect(await vm.guestOnlineCpus()).toEqual([0, 1, 2]);
    expect(outputsOf(engine, NAME)).toMatchObject({ liveVcpus: 3 });
  });

  test("preview with vcpus unknown passes Check and Diff: an update of vcpus", async () => {
    const regs = await unknownVcpus();
    expect(regs.find((r) => r.name === NAME)?.inputs["vcpus"]).toBe(UNKNOWN);
    const preview = await timings.time("preview: existing resource, unknown vcpus", () => engine.preview(regs));
    expect(outcome(preview)).toBe("ok");
    expect(methods(preview)).toEqual(["check", "diff"]);
    expect(shown(preview)).toMatch(/web-cpu\s+update\s+\[diff: ~vcpus\]/);
  });

  test("a new provider version alone (different __provider text) is no change", async () => {
    const newer = want3.map((r) => ({ ...r, inputs: { ...r.inputs, __provider: `${String(r.inputs["__provider"])}\n// pulumi-qemu-vcpu next` } }));
    const up = await timings.time("up: provider code changed", () => engine.up(newer));
    expect(outcome(up)).toBe("ok");
    expect(methods(up)).toEqual(["check", "diff"]);
    expect(up.steps.map((s) => s.op)).toEqual(["same"]);
  });

  test("an out-of-band virsh setvcpus 4 is drift: preview --refresh --expect-no-changes fails, state untouched", async () => {
    await virsh(["setvcpus", vm.name, "4", "--live"]);
    const preview = await timings.time("preview --refresh --expect-no-changes", () => engine.preview(want3, { refresh: true, expectNoChanges: true }));
    expect(outcome(preview)).not.toBe("ok");
    expect(methods(preview)).toEqual(["read", "check", "diff"]);
    expect(shown(preview)).toMatch(/web-cpu\s+update\s+\[diff: ~vcpus\][\s\S]*no changes were expected but changes were proposed/);
    expect(outputsOf(engine, NAME)).toMatchObject({ liveVcpus: 3 });
  });

  test("refresh records the drifted live values and the new input baseline", async () => {
    const refresh = await timings.time("refresh: drift 3→4", () => engine.refresh());
    expect(outcome(refresh)).toBe("ok");
    expect(methods(refresh)).toEqual(["read"]);
    expect(shown(refresh)).toMatch(/~\s+pulumi-nodejs:dynamic\/qemu:VmCpu\s+web-cpu\s+refresh\s+\[diff: .*~liveVcpus/);
    expect(outputsOf(engine, NAME)).toMatchObject({ liveVcpus: 4, guestOnlineVcpus: 3, declared: { vcpus: 3 } });
    expect(inputsOf(engine, NAME)).toMatchObject({ vcpus: 4, maxVcpus: 4 });
    expect(String(inputsOf(engine, NAME)["__provider"])).toContain('require("pulumi-qemu-vcpu/provider")');
  });

  test("up after refresh puts the VM back to the program's 3 (unplug)", async () => {
    const up = (putBack = await timings.time("up: put back 4→3 (unplug)", () => engine.up(want3)));
    expect(outcome(up)).toBe("ok");
    expect(methods(up)).toEqual(["check", "diff", "update"]);
    expect(shown(up)).toMatch(/web-cpu\s+update\s+\[diff: ~vcpus\]/);
    expect(outputsOf(engine, NAME)).toMatchObject({ liveVcpus: 3, guestOnlineVcpus: 3 });
    expect(await vm.guestPresentCpus()).toEqual([0, 1, 2]);
  });

  test("the unplug's wait for the guest is logged as it happens, naming the resource", () => {
    expect(lines(putBack).join("\n")).toMatch(/^VmCpu web-cpu: unplug vCPU 3 .*wait/m);
  });

  test("after that unplug libvirt never saw finish (TCG), preview of a scale-up is refused, saying why and how; nothing changes", async () => {
    expect(outputsOf(engine, NAME)).toMatchObject({ libvirtStale: true });
    const before = await vcpuCounts(vm.name);
    const preview = await engine.preview(await program(4));
    expect(outcome(preview)).not.toBe("ok");
    expect(shown(preview)).toMatch(/libvirt never saw the unplug finish[\s\S]*until the VM restarts[\s\S]*coldChanges: "restart"/);
    expect(methods(preview)).toEqual(["check", "diff"]);
    expect(await vcpuCounts(vm.name)).toEqual(before);
  });

  test("destroy deletes the resource from the state and leaves the VM running as it is", async () => {
    const destroy = await timings.time("destroy", () => engine.destroy());
    expect(outcome(destroy)).toBe("ok");
    expect(methods(destroy)).toEqual(["delete"]);
    expect(engine.state.size).toBe(0);
    expect(await vm.state()).toBe("running");
    expect(await vcpuCounts(vm.name)).toMatchObject({ "maximum live": 4 });
  });
});

describe("VmCpu.get: an existing VM read into another stack, through the engine's Read", () => {
  const getProgram = (id: string) => captureTest(() => VmCpu.get("web-ro", id));

  test("get by `<uri>#<uuid>` reads the live VM (declared = what it has), in preview too, and touches nothing", async () => {
    const reader = testEngine();
    const id = `qemu:///system#${vm.uuid}`;
    const preview = await reader.preview(await getProgram(id));
    expect(outcome(preview)).toBe("ok");
    expect(methods(preview)).toEqual(["read"]);
    const up = await reader.up(await getProgram(id));
    expect(outcome(up)).toBe("ok");
    expect(up.steps.map((s) => s.op)).toEqual(["read"]);
    const live = await vcpuCounts(vm.name);
    const plugged = (await vm.guestPresentCpus()).length; // QEMU's view (libvirt's may be stale after a TCG unplug)
    expect(outputsOf(reader, "web-ro")).toMatchObject({
      domainName: vm.name, domainUuid: vm.uuid, vcpus: plugged, maxVcpus: 4,
      libvirt: { uri: "qemu:///system", domain: vm.name }, declared: { vcpus: plugged, maxVcpus: 4 },
    });
    expect(reader.state.get([...reader.state.keys()][0]!)?.id).toBe(id);
    const destroy = await reader.destroy();
    expect(methods(destroy)).toEqual([]); // read resources are forgotten, never deleted
    expect(await vcpuCounts(vm.name)).toEqual(live);
  });

  test.each([
    ["an unknown UUID", `qemu:///system#00000000-0000-4000-8000-000000000000`, /does not exist/],
    ["an id that names no connection", "web01", /is not a VmCpu id: use "<libvirt uri>#<domain uuid>"/],
  ])("get with %s fails with a clear error", async (_name, id, error) => {
    const up = await testEngine().up(await getProgram(id));
    expect(up.steps[0]?.error).toMatch(error);
  });
});
