/**
 * The raw-QMP backend on QEMUs before 2.7 (test/fakes/qemu-legacy.ts replays QEMU 2.6's and 1.4's documented
 * replies): what it reads (query-cpus, the maximum QEMU states when refusing cpu-add above it), how it hot-adds
 * (cpu-add id=N), and the version gates the plan applies to what it read.
 */
import { QmpHypervisor } from "../../../../provider/backend/qmp/hypervisor";
import { CPU_ADD_PROBE_ID, legacySlots } from "../../../../provider/backend/qemu-view";
import { plan } from "../../../../provider/plan";
import { parseInputs } from "../../../../provider/spec";
import { LegacyQemu, type LegacyQemuOptions } from "../../../fakes/qemu-legacy";

let qemu: LegacyQemu;
let hv: QmpHypervisor;

async function start(o: LegacyQemuOptions = {}): Promise<void> {
  qemu = await LegacyQemu.start(o);
  hv = await QmpHypervisor.open({ socket: qemu.path }, false);
}

afterEach(async () => {
  await hv?.close();
  await qemu?.close();
});

const desired = (vcpus: number, maxVcpus = 4) => parseInputs({ qmp: { socket: "/q" }, maxVcpus, vcpus, guestAgent: "off" });

describe("QEMU 2.6.2 (cpu-add, no query-hotpluggable-cpus)", () => {
  test("read: count from query-cpus, maximum from QEMU's own refusal of a cpu-add above it; nothing is added", async () => {
    await start({ cpus: 2, maxcpus: 4 });
    const live = await hv.read();
    expect(live).toMatchObject({ backend: "qmp", qemuVersion: "2.6.2", arch: "x86_64", state: "running", name: "legacy", acpi: true });
    expect(live.running).toMatchObject({ maxVcpus: 4, vcpus: 2, machine: "pc-i440fx-2.6", topology: { sockets: 4, cores: 1, threads: 1 } });
    expect(live.running!.slots.map((s) => [s.id, s.enabled, s.hotpluggable])).toEqual([[0, true, false], [1, true, false], [2, false, false], [3, false, false]]);
    expect(live.instance).toBe("thread:3134");
    const probes = qemu.transcript.filter((e) => e.command.execute === "cpu-add");
    expect(probes.map((e) => e.command.arguments)).toEqual([{ id: CPU_ADD_PROBE_ID }]);
    expect(probes[0]!.reply).toEqual({ error: { class: "GenericError", desc: `Unable to add CPU: ${CPU_ADD_PROBE_ID}, max allowed: 3` } });
    expect([...qemu.present.keys()]).toEqual([0, 1]);
    expect(qemu.commands()).toContain("query-hotpluggable-cpus");
    expect(qemu.commands()).not.toContain("query-cpus-fast");
  });

  test("hot-add is cpu-add with the vCPU's index; read back from query-cpus", async () => {
    await start({ cpus: 1, maxcpus: 4 });
    await hv.hotAdd({ kind: "hotAdd", entity: 1, vcpuIds: [1] });
    expect(qemu.transcript.filter((e) => e.command.execute === "cpu-add" && e.command.arguments?.["id"] === 1)).toEqual([
      { command: expect.objectContaining({ execute: "cpu-add", arguments: { id: 1 } }), reply: { return: {} } },
    ]);
    expect(qemu.commands()).not.toContain("device_add");
    expect((await hv.read()).running).toMatchObject({ vcpus: 2, maxVcpus: 4 });
  });

  test("a cpu-add QEMU refuses is a typed error with QEMU's words", async () => {
    await start({ cpus: 2 });
    const err = await hv.hotAdd({ kind: "hotAdd", entity: 1, vcpuIds: [1] }).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: "QMP_COMMAND_FAILED", message: "hot-adding vCPU 1: QMP cpu-add failed: GenericError: Unable to add CPU: 1, it already exists" });
  });

  test("plan: 1 → 3 is two cpu-adds, lowest free id first", async () => {
    await start({ cpus: 1 });
    const p = plan(await hv.read(), desired(3));
    expect(p.refused).toEqual([]);
    expect(p.steps).toEqual([{ kind: "hotAdd", entity: 1, vcpuIds: [1] }, { kind: "hotAdd", entity: 2, vcpuIds: [2] }]);
  });

  test("plan: an unplug is refused, naming QEMU 2.6.2 and the 2.7 it needs", async () => {
    await start({ cpus: 3 });
    const p = plan(await hv.read(), desired(2));
    expect(p.steps).toEqual([]);
    expect(p.refused.map((c) => [c.field, c.from, c.to])).toEqual([["vcpus", 3, 2]]);
    expect(p.refused[0]!.why).toMatch(/^unplugging vCPUs \(device_del\) needs QEMU ≥ 2\.7, this VM runs QEMU 2\.6\.2: before QEMU 2\.7 there is only cpu-add/);
  });

  test("plan: a pc-i440fx-1.4 machine on QEMU 2.6 can't hot-add", async () => {
    await start({ cpus: 1, machine: "pc-i440fx-1.4" });
    const p = plan(await hv.read(), desired(2));
    expect(p.refused[0]!.why).toMatch(/^hot-adding vCPUs needs machine type ≥ 1\.5, this VM runs machine type pc-i440fx-1\.4 \(1\.4\)/);
  });
});

describe("QEMU 1.4.2 (no cpu-add)", () => {
  test("read fails: VERSION_TOO_OLD naming 1.4.2 and the 1.5 it needs (its maximum can't be read); nothing added", async () => {
    await start({ version: [1, 4, 2], cpus: 2, maxcpus: 4, machine: "pc-i440fx-1.4" });
    const t0 = Date.now();
    const err = await hv.read().then(() => undefined, (e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(err).toMatchObject({ code: "VERSION_TOO_OLD" });
    expect((err as Error).message).toBe(
      `can't manage the vCPUs of the QEMU at ${qemu.path}: hot-adding vCPUs (cpu-add) needs QEMU ≥ 1.5, this VM runs QEMU 1.4.2: ` +
        "QMP cpu-add, the x86 vCPU hot-add before query-hotpluggable-cpus, appeared in QEMU 1.5; an older QEMU can't add a vCPU to a running VM; " +
        "without cpu-add its -smp maxcpus can't be read over QMP either. Nothing was changed: upgrade QEMU, or manage the VM through libvirt (which reads the maximum from its definition)",
    );
    expect([...qemu.present.keys()]).toEqual([0, 1]);
    expect(qemu.transcript.find((e) => e.command.execute === "cpu-add")).toBeUndefined(); // not scripted: CommandNotFound
    expect(qemu.commands()).toContain("cpu-add");
  });
});

describe("legacySlots", () => {
  test.each([
    ["1 of 4", 4, [0], [true, false, false, false]],
    ["a gap (cpu-add of 2 before 1)", 4, [0, 2], [true, false, true, false]],
    ["present beyond the stated maximum still listed", 2, [0, 1, 2], [true, true, true]],
  ])("%s", (_name, max, present, enabled) => {
    const slots = legacySlots(max, present.map((index) => ({ index, qomPath: `/machine/unattached/device[${index}]`, threadId: 1 })));
    expect(slots.map((s) => s.enabled)).toEqual(enabled);
    expect(slots.every((s) => !s.hotpluggable && s.entity === s.id)).toBe(true);
    expect(slots.filter((s) => s.enabled).map((s) => s.order)).toEqual(present.map((_, i) => i + 1));
  });
});
