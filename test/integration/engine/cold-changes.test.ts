/**
 * Restart-needing changes in Pulumi's vocabulary, through Pulumi's real dynamic-provider
 * host (which drops `detailedDiff` and `stables`), against real test guests:
 * - `coldChanges: "refuse"`: preview fails with one message naming each field, old → new,
 *   the rule table's reason, and the ways forward; nothing on the VM changes;
 * - `"restart"`: preview shows `+-replace` (the fields are in `replaces`); up = Create with a
 *   graceful restart, then a no-op Delete of the old resource (create-before-delete);
 * - `"persist"`: an in-place update; the outputs say `restartPending: true`.
 */
import * as plan from "../../../provider/plan";
import { cleanupLeftovers, startTestDomain, uniqueName, type TestDomain } from "../../guest/guest";
import type { MiniEngine } from "../../engine/engine";
import { vmCpuProgram } from "../../engine/programs/vm-cpu";
import { captureTest, domainId, methods, outcome, outputsOf, shown, testEngine, vcpuCounts } from "../../engine/scenario";
import { Timings } from "../../engine/timings";

const RUN = uniqueName("qvt-eng-cold");
const timings = new Timings();
const { FIELD_RULES } = plan;

type ColdChanges = "refuse" | "persist" | "restart";
const TOPO6 = { sockets: 1, cores: 6, threads: 1 };

/** One VM (booted 1 socket × 4 cores, 2 plugged), one engine (state), one resource named `name`. */
interface Stack {
  vm: TestDomain;
  engine: MiniEngine;
  program(over: { maxVcpus?: number; topology?: typeof TOPO6; machine?: string; coldChanges?: ColdChanges }): ReturnType<typeof captureTest>;
}

const stacks: Stack[] = [];

/** Boots a VM and adopts it with `pulumi up` (registered for cleanup first). */
async function stack(suffix: string, name: string): Promise<Stack> {
  const vm = await startTestDomain({ name: `${RUN}-${suffix}`, machine: "q35", maxVcpus: 4, vcpus: 2 });
  const engine = testEngine();
  const base = { libvirt: { uri: "qemu:///system", domain: vm.name }, vcpus: 2, guestAgent: "required" as const };
  const s: Stack = { vm, engine, program: (over) => captureTest(vmCpuProgram(name, { ...base, maxVcpus: 4, ...over })) };
  stacks.push(s);
  timings.record(`boot to agent (${suffix})`, await vm.waitForAgent(60_000));
  const up = await engine.up(await s.program({}));
  if (!up.ok) throw new Error(`adopting ${vm.name} failed:\n${shown(up)}`);
  return s;
}
afterAll(async () => {
  for (const s of stacks) await s.vm.destroy();
  timings.print("[engine/cold-changes] scenario times");
  expect(await cleanupLeftovers(RUN)).toEqual({ domains: [], rawQemus: [] });
});

describe('coldChanges "refuse", then "restart"', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await stack("restart", "db-cpu");
  });

  test("preview fails with one message: each field old → new with the rule table's reason, and the ways forward", async () => {
    const before = await vcpuCounts(s.vm.name);
    const wanted = await s.program({ maxVcpus: 6, topology: TOPO6, machine: "pc" });
    const preview = await timings.time("preview: refused (maxVcpus, topology, machine)", () => s.engine.preview(wanted));
    expect(outcome(preview)).not.toBe("ok");
    expect(methods(preview)).toEqual(["check", "diff"]);
    const error = preview.steps[0]?.error ?? "";
    expect(error).toContain(`maxVcpus: 4 → 6 (${FIELD_RULES.maxVcpus.why})`);
    expect(error).toContain(`topology: 1s×4c×1t → 1s×6c×1t (${FIELD_RULES.topology.why})`);
    expect(error).toContain(`machine: pc-q35-7.2 → pc (${FIELD_RULES.machine.why})`);
    expect(error).toMatch(/coldChanges: "persist"[\s\S]*coldChanges: "restart"/);
    expect(shown(preview)).toMatch(/db-cpu\s+update\s+\*\*failed\*\*[\s\S]*error: VmCpu .*need the VM to restart/);
    expect(await vcpuCounts(s.vm.name)).toEqual(before);
  });

  test("up with the same refused change stops at Diff and changes nothing", async () => {
    const before = await vcpuCounts(s.vm.name);
    const up = await timings.time("up: refused", async () => s.engine.up(await s.program({ maxVcpus: 6, topology: TOPO6 })));
    expect(outcome(up)).not.toBe("ok");
    expect(methods(up)).toEqual(["check", "diff"]);
    expect(await vcpuCounts(s.vm.name)).toEqual(before);
    expect(outputsOf(s.engine, "db-cpu")).toMatchObject({ maxVcpus: 4 });
  });

  test('"restart": preview shows +-replace naming the restart field, and touches nothing', async () => {
    const before = await vcpuCounts(s.vm.name);
    const wanted = await s.program({ maxVcpus: 6, coldChanges: "restart" });
    const preview = await timings.time("preview: restart → replace", () => s.engine.preview(wanted));
    expect(outcome(preview)).toBe("ok");
    expect(methods(preview)).toEqual(["check", "diff", "check"]);
    expect(preview.steps[0]).toMatchObject({ op: "replace", deleteBeforeReplace: false });
    expect(preview.steps[0]?.replaceKeys).toEqual(["maxVcpus"]);
    expect(shown(preview)).toMatch(/\+-\s+pulumi-nodejs:dynamic\/qemu:VmCpu\s+db-cpu\s+replace\s+\[diff: ~coldChanges, ~maxVcpus; replace: maxVcpus\]/);
    expect(preview.diagnostics.map((d) => d.text)).toContain("VmCpu db-cpu: will restart the VM: graceful shutdown, then start");
    expect(await vcpuCounts(s.vm.name)).toEqual(before);
  });

  test('"restart": up creates the replacement (graceful restart) then deletes the old one, and the VM stays', async () => {
    const idBefore = await domainId(s.vm.name);
    const wanted = await s.program({ maxVcpus: 6, coldChanges: "restart" });
    const restartUp = await timings.time("up: replace = graceful restart 4→6 max", () => s.engine.up(wanted));
    expect(outcome(restartUp)).toBe("ok");
    expect(methods(restartUp)).toEqual(["check", "diff", "check", "create", "delete"]);
    expect(await domainId(s.vm.name)).not.toBe(idBefore);
    expect(await s.vm.state()).toBe("running");
    expect(await vcpuCounts(s.vm.name)).toMatchObject({ "maximum live": 6, "maximum config": 6, "current live": 2 });
    expect(await s.vm.guestOnlineCpus()).toEqual([0, 1]);
    expect(outputsOf(s.engine, "db-cpu")).toMatchObject({ maxVcpus: 6, liveVcpus: 2, guestOnlineVcpus: 2 });
  });

  test('"restart": afterwards nothing is pending and the same program is no change', async () => {
    expect(outputsOf(s.engine, "db-cpu")).toMatchObject({ restartPending: false, restartPendingFields: [] });
    const again = await s.engine.preview(await s.program({ maxVcpus: 6, coldChanges: "restart" }));
    expect(again.steps.map((x) => x.op)).toEqual(["same"]);
  });
});

describe('coldChanges "persist"', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await stack("persist", "app-cpu");
  });

  test("preview shows an in-place update of the cold fields", async () => {
    const wanted = await s.program({ maxVcpus: 6, coldChanges: "persist" });
    const preview = await timings.time("preview: persist", () => s.engine.preview(wanted));
    expect(outcome(preview)).toBe("ok");
    expect(shown(preview)).toMatch(/~\s+pulumi-nodejs:dynamic\/qemu:VmCpu\s+app-cpu\s+update\s+\[diff: ~coldChanges, ~maxVcpus\]/);
    expect(preview.diagnostics.map((d) => d.text)).toContain("VmCpu app-cpu: will leave maxVcpus waiting in the definition until the next restart (restartPending)");
  });

  test("up writes the definition only, without a restart; the outputs say restartPending", async () => {
    const id = await domainId(s.vm.name);
    const up = await timings.time("up: persist 4→6 max", async () => s.engine.up(await s.program({ maxVcpus: 6, coldChanges: "persist" })));
    expect(outcome(up)).toBe("ok");
    expect(methods(up)).toEqual(["check", "diff", "update"]);
    expect(await domainId(s.vm.name)).toBe(id);
    expect(await vcpuCounts(s.vm.name)).toMatchObject({ "maximum config": 6, "maximum live": 4, "current live": 2 });
    expect(outputsOf(s.engine, "app-cpu")).toMatchObject({ maxVcpus: 4, restartPending: true, config: { maxVcpus: 6 } });
    expect(outputsOf(s.engine, "app-cpu")["restartPendingFields"]).toContain("maxVcpus");
  });

  test("the same program again is no change while the restart is pending", async () => {
    const up = await timings.time("up: persisted, pending → no-op", async () => s.engine.up(await s.program({ maxVcpus: 6, coldChanges: "persist" })));
    expect(up.steps.map((x) => x.op)).toEqual(["same"]);
    expect(methods(up)).toEqual(["check", "diff"]);
  });
});
