/**
 * The version-gate table (provider/spec/versions.ts): every gate, too old → a message naming the component,
 * the version found and the version needed; new enough → passes; out of its scope → does not apply. And the
 * plan refuses a live change a gate fails, before any step, with that message.
 */
import { plan } from "../../../provider/plan";
import {
  VERSION_GATES,
  compareVersions,
  failedGates,
  machineVersion,
  type GateFacts,
  type GateName,
  type GateOp,
} from "../../../provider/spec";
import { desired, runningVm } from "../../support/live";

const modern: GateFacts = { backend: "libvirt", machine: "pc-q35-7.2", qemuVersion: "7.2.22", libvirtVersion: "9.0.0" };

interface GateCase {
  readonly op: GateOp;
  readonly tooOld: Partial<GateFacts>;
  readonly newEnough: Partial<GateFacts>;
  /** Found, then needed, as the message must name them. */
  readonly found: string;
  readonly needed: string;
}

const CASES: Record<GateName, GateCase> = {
  "qemu-cpu-add": {
    op: "hot-add", tooOld: { backend: "qmp", qemuVersion: "1.4.2", machine: "pc-i440fx-1.4" }, newEnough: { backend: "qmp", qemuVersion: "1.5.0", machine: "pc-i440fx-1.5" },
    found: "QEMU 1.4.2", needed: "QEMU ≥ 1.5",
  },
  "qemu-device-add": {
    op: "hot-add", tooOld: { backend: "qmp", qemuVersion: "2.6.2", machine: "s390-ccw-virtio-2.6" }, newEnough: { backend: "qmp", qemuVersion: "2.7.0", machine: "s390-ccw-virtio-2.7" },
    found: "QEMU 2.6.2", needed: "QEMU ≥ 2.7",
  },
  "qemu-unplug": {
    op: "unplug", tooOld: { backend: "qmp", qemuVersion: "2.6.2", machine: "pc-i440fx-2.6" }, newEnough: { backend: "qmp", qemuVersion: "2.7.1", machine: "pc-i440fx-2.6" },
    found: "QEMU 2.6.2", needed: "QEMU ≥ 2.7",
  },
  "machine-cpu-add": {
    op: "hot-add", tooOld: { machine: "pc-q35-1.4" }, newEnough: { machine: "pc-q35-1.5" },
    found: "machine type pc-q35-1.4 (1.4)", needed: "machine type ≥ 1.5",
  },
  "machine-pseries": {
    op: "unplug", tooOld: { machine: "pseries-2.6" }, newEnough: { machine: "pseries-2.7" },
    found: "machine type pseries-2.6 (2.6)", needed: "machine type ≥ 2.7",
  },
  "libvirt-setvcpu": {
    op: "hot-add", tooOld: { libvirtVersion: "3.0.0" }, newEnough: { libvirtVersion: "3.1.0" },
    found: "libvirt 3.0.0", needed: "libvirt ≥ 3.1.0",
  },
};

describe("every gate of the table has a case", () => {
  test("cases = table", () => {
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(VERSION_GATES).sort());
  });
});

describe.each(Object.entries(CASES) as [GateName, GateCase][])("%s", (name, c) => {
  test("too old: refused, naming the version found and the version needed", () => {
    const failed = failedGates(c.op, { ...modern, ...c.tooOld });
    expect(failed.map((f) => f.gate)).toContain(name);
    const message = failed.find((f) => f.gate === name)!.message;
    expect(message).toContain(`needs ${c.needed}`);
    expect(message).toContain(`this VM runs ${c.found}`);
    expect(message).toContain(VERSION_GATES[name].why);
  });

  test("new enough: passes", () => {
    expect(failedGates(c.op, { ...modern, ...c.newEnough }).map((f) => f.gate)).not.toContain(name);
  });

  test("version unknown: passes (nothing to judge)", () => {
    const unknown = { ...modern, ...c.tooOld, qemuVersion: undefined, libvirtVersion: undefined };
    if (VERSION_GATES[name].component === "machine type") unknown.machine = VERSION_GATES[name].families?.[0];
    expect(failedGates(c.op, unknown).map((f) => f.gate)).not.toContain(name);
  });
});

describe("scope: a gate applies only where its row says", () => {
  test.each<[string, GateOp, Partial<GateFacts>]>([
    ["cpu-add is x86's: a pseries VM is judged by device_add's gate instead", "hot-add", { qemuVersion: "1.4.0", machine: "pseries-2.7" }],
    ["the setvcpu gate is the libvirt backend's", "hot-add", { backend: "qmp", libvirtVersion: "1.0.0" }],
    ["the setvcpu gate does not apply to a QEMU before 2.7 (libvirt's setvcpus uses cpu-add there)", "hot-add", { libvirtVersion: "1.2.0", qemuVersion: "2.6.0", machine: "pc-q35-2.6" }],
    ["the x86 machine gate is not pseries'", "hot-add", { machine: "pseries-2.7" }],
    ["hot-add on QEMU 2.6 x86 (cpu-add)", "hot-add", { backend: "qmp", qemuVersion: "2.6.2", machine: "pc-i440fx-2.6" }],
    ["an unparsable version is not judged", "unplug", { qemuVersion: "git-master" }],
  ])("%s", (_name, op, facts) => {
    const failed = failedGates(op, { ...modern, ...facts }).map((f) => f.gate);
    if (_name.startsWith("cpu-add is x86's")) expect(failed).toEqual(["qemu-device-add"]);
    else expect(failed).toEqual([]);
  });
});

describe("versions", () => {
  test.each<[string, string, number]>([
    ["2.6.2", "2.7", -1],
    ["2.7", "2.7.0", 0],
    ["2.10.0", "2.9.9", 1],
    ["3.1.0", "3.1.0", 0],
    ["10.0.2", "9.2.0", 1],
  ])("%s vs %s", (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });

  test.each<[string, string | undefined]>([
    ["pc-q35-1.4", "1.4"],
    ["pc-i440fx-2.6", "2.6"],
    ["pseries-2.12-sxxm", "2.12"],
    ["pc-q35-4.0.1", "4.0.1"],
    ["q35", undefined],
    ["microvm", undefined],
  ])("machine %s → %s", (machine, version) => {
    expect(machineVersion(machine)).toBe(version);
  });
});

describe("plan: a gated change is refused before any step, with the gate's message", () => {
  const qmp = (over: Parameters<typeof runningVm>[0]) => runningVm({ backend: "qmp", config: undefined, libvirtVersion: undefined, ...over });
  test.each<[string, ReturnType<typeof runningVm>, number, RegExp]>([
    ["unplug on QEMU 2.6", qmp({ qemuVersion: "2.6.2", machine: "pc-i440fx-2.6", plugged: 3 }), 2, /^unplugging vCPUs \(device_del\) needs QEMU ≥ 2\.7, this VM runs QEMU 2\.6\.2: /],
    ["hot-add on QEMU 1.4 through libvirt (maximum from the definition)", runningVm({ qemuVersion: "1.4.2", machine: "pc-i440fx-1.4" }), 3, /^hot-adding vCPUs \(cpu-add\) needs QEMU ≥ 1\.5, this VM runs QEMU 1\.4\.2: .*; hot-adding vCPUs needs machine type ≥ 1\.5/],
    ["hot-add on a pc-q35-1.4 machine", runningVm({ machine: "pc-q35-1.4" }), 2, /hot-adding vCPUs needs machine type ≥ 1\.5, this VM runs machine type pc-q35-1\.4 \(1\.4\)/],
    ["hot-add through libvirt 3.0.0", runningVm({ libvirtVersion: "3.0.0" }), 2, /per-vCPU hotplug through libvirt \(virDomainSetVcpu\) needs libvirt ≥ 3\.1\.0, this VM runs libvirt 3\.0\.0/],
  ])("%s", (_name, live, vcpus, reason) => {
    const p = plan(live, desired({ vcpus, maxVcpus: live.running!.maxVcpus, ...(live.backend === "qmp" ? { libvirt: undefined, qmp: { socket: "/q" } } : {}) }));
    expect(p.steps).toEqual([]);
    expect(p.refused).toHaveLength(1);
    expect(p.refused[0]).toMatchObject({ field: "vcpus", status: "restart" });
    expect(p.refused[0]!.why).toMatch(reason);
  });

  test("hot-add on QEMU 2.6 over raw QMP is planned (cpu-add), and a declared topology is not compared", () => {
    const live = qmp({ qemuVersion: "2.6.2", machine: "pc-i440fx-2.6", plugged: 1, max: 4 });
    const p = plan(live, desired({ libvirt: undefined, qmp: { socket: "/q" }, vcpus: 3, maxVcpus: 4, topology: { sockets: 2, cores: 2, threads: 1 } }));
    expect(p.refused).toEqual([]);
    expect(p.steps.map((s) => s.kind)).toEqual(["hotAdd", "hotAdd", "onlineInGuest"]);
  });
});
