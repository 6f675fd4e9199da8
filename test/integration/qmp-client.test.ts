/**
 * provider/qmp against a REAL qemu-system-x86_64 (no OS: the firmware just sits there, which is enough for QMP),
 * and — using test/guest's raw-QEMU guest — SocketGuestAgent against a real qemu-ga.
 * Fails (does not skip) when qemu-system-x86_64 is missing.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AgentError,
  QmpDialError,
  QmpError,
  QmpTimeoutError,
  SocketGuestAgent,
  SocketMonitor,
  acpiDeviceOst,
  cpuDeviceAddArgs,
  isDeviceNotFound,
  isUnplugNotSupported,
  plugCpu,
  query,
  unixDialer,
  type HotpluggableCpu,
} from "../../provider/qmp";
import { rawQemu, type RawQemu } from "../guest/guest";

const QEMU = "qemu-system-x86_64";

interface Qemu {
  child: ChildProcess;
  dir: string;
  socket: string;
  exited: Promise<void>;
  hasExited: () => boolean;
  stderr: () => string;
}

function startQemu(): Qemu {
  const dir = mkdtempSync(join(tmpdir(), "qmpit-"));
  const socket = join(dir, "qmp.sock");
  const args = [
    "-machine", "pc", "-accel", "tcg", "-cpu", "qemu64",
    "-smp", "1,maxcpus=4,sockets=1,dies=1,cores=4,threads=1", "-m", "64",
    "-nodefaults", "-no-user-config", "-display", "none",
    "-qmp", `unix:${socket},server=on,wait=off`,
  ];
  const child = spawn(QEMU, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
  let done = false;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => ((done = true), resolve()));
    child.once("error", (e) => ((done = true), (stderr += `spawn error: ${e.message}`), resolve()));
  });
  return { child, dir, socket, exited, hasExited: () => done, stderr: () => stderr };
}

/** Connects once QEMU has created its socket (poll with a deadline; fails at once if QEMU exited). */
async function connectWhenUp(q: Qemu, timeoutMs = 20_000): Promise<SocketMonitor> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (q.hasExited()) throw new Error(`${QEMU} exited: ${q.stderr()}`);
    try {
      return await SocketMonitor.connect(unixDialer(q.socket), { handshakeTimeoutMs: 10_000 });
    } catch (err) {
      if (!(err instanceof QmpDialError) || Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function stopQemu(q: Qemu | undefined): Promise<void> {
  if (!q) return;
  if (!q.hasExited()) {
    q.child.kill("SIGTERM");
    const t = setTimeout(() => q.child.kill("SIGKILL"), 5000);
    await q.exited;
    clearTimeout(t);
  }
  rmSync(q.dir, { recursive: true, force: true });
}

describe(`SocketMonitor against real ${QEMU} (pc, TCG, no OS)`, () => {
  let q: Qemu | undefined;
  let mon: SocketMonitor;

  beforeAll(async () => {
    q = startQemu();
    mon = await connectWhenUp(q);
  });
  afterAll(async () => {
    await mon?.close();
    await stopQemu(q);
  });

  it("greeting carries the binary's version; capabilities negotiated", async () => {
    const v = /version (\d+)\.(\d+)\.(\d+)/.exec(execFileSync(QEMU, ["--version"]).toString());
    expect(v).not.toBeNull();
    expect(mon.greeting.QMP.version.qemu).toEqual({ major: Number(v![1]), minor: Number(v![2]), micro: Number(v![3]) });
    expect(mon.greeting.QMP.capabilities).toContain("oob");
    // A command that needs negotiation works, and every reply schema we use matches this QEMU.
    await expect(query(mon, "query-version")).resolves.toMatchObject({ qemu: mon.greeting.QMP.version.qemu });
    await expect(query(mon, "query-status")).resolves.toMatchObject({ running: true, status: "running" });
    await expect(query(mon, "query-name")).resolves.toEqual({});
    await expect(query(mon, "query-uuid")).resolves.toEqual({ UUID: "00000000-0000-0000-0000-000000000000" });
    await expect(query(mon, "query-current-machine")).resolves.toHaveProperty("wakeup-suspend-support");
  });

  it("qmp_capabilities twice → CommandNotFound, class preserved", async () => {
    const err = await mon.execute("qmp_capabilities").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QmpError);
    expect(err).toMatchObject({ class: "CommandNotFound", command: "qmp_capabilities" });
  });

  it("query-machines has pc-i440fx-<major.minor> with alias pc", async () => {
    const machines = await query(mon, "query-machines");
    const { major, minor } = mon.greeting.QMP.version.qemu;
    const pc = machines.find((m) => m.alias === "pc");
    expect(pc).toMatchObject({ name: `pc-i440fx-${major}.${minor}`, "hotpluggable-cpus": true });
    if (major === 7 && minor === 2) expect(pc!.name).toBe("pc-i440fx-7.2");
  });

  let slots: HotpluggableCpu[];
  it("query-hotpluggable-cpus: 4 slots, descending core-id, only the boot CPU plugged", async () => {
    slots = await query(mon, "query-hotpluggable-cpus");
    expect(slots).toHaveLength(4);
    expect(slots.map((s) => s.props["core-id"])).toEqual([3, 2, 1, 0]);
    expect(slots.map((s) => s["qom-path"])).toEqual([undefined, undefined, undefined, "/machine/unattached/device[0]"]);
    for (const s of slots) {
      expect(s).toMatchObject({ type: "qemu64-x86_64-cpu", "vcpus-count": 1 });
      expect(s.props).toEqual({ "core-id": s.props["core-id"], "socket-id": 0, "thread-id": 0 }); // no die-id with dies=1
    }
  });

  it("device_add with the slot's type and props verbatim plugs it; query-cpus-fast counts 2", async () => {
    const slot = slots.find((s) => s.props["core-id"] === 1)!;
    expect(cpuDeviceAddArgs(slot, "vcpu1")).toEqual({ ...slot.props, driver: slot.type, id: "vcpu1" });
    const mark = mon.mark();
    await plugCpu(mon, slot, "vcpu1");
    const after = await query(mon, "query-hotpluggable-cpus");
    expect(after.find((s) => s.props["core-id"] === 1)!["qom-path"]).toBe("/machine/peripheral/vcpu1");
    const cpus = await query(mon, "query-cpus-fast");
    expect(cpus).toHaveLength(2);
    expect(cpus.map((c) => c["qom-path"]).sort()).toEqual(["/machine/peripheral/vcpu1", "/machine/unattached/device[0]"]);
    expect(cpus.every((c) => c.target === "x86_64")).toBe(true);
    // No OS, so nobody answers the ACPI insert notification: no _OST event arrives.
    await expect(mon.waitForEvent(acpiDeviceOst({ "slot-type": "CPU" }), 200, mark)).resolves.toBeUndefined();
  });

  it("device_add with a bad core-id → QmpError, class GenericError and desc preserved", async () => {
    const slot = slots[0]!;
    const err = await mon.execute("device_add", { ...cpuDeviceAddArgs(slot, "bad"), "core-id": 9 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QmpError);
    expect(err).toMatchObject({ code: "QMP_ERROR", class: "GenericError", command: "device_add" });
    expect((err as QmpError).desc).toMatch(/core-id: 9 must be in range 0:3/);
  });

  it("device_del of an unknown id → DeviceNotFound", async () => {
    const err = await mon.execute("device_del", { id: "nope" }).catch((e: unknown) => e);
    expect(isDeviceNotFound(err)).toBe(true);
  });

  it("device_del of the plugged vCPU with no OS → GenericError: ACPI CPU hotplug is still in legacy mode", async () => {
    const err = await mon.execute("device_del", { id: "vcpu1" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ class: "GenericError", command: "device_del" });
    expect(isUnplugNotSupported(err)).toBe(true);
    // Nothing changed: the slot is still plugged.
    const after = await query(mon, "query-hotpluggable-cpus");
    expect(after.find((s) => s.props["core-id"] === 1)!["qom-path"]).toBe("/machine/peripheral/vcpu1");
  });

  it("many commands in flight are matched to their replies", async () => {
    const results = await Promise.all([query(mon, "query-status"), query(mon, "query-cpus-fast"), query(mon, "query-uuid"), query(mon, "query-name")]);
    expect(results[0]).toHaveProperty("running");
    expect(results[1]).toHaveLength(2);
    expect(results[2]).toHaveProperty("UUID");
    expect(results[3]).toEqual({});
  });

  it("a second concurrent client gets no greeting (QMP serves one client at a time)", async () => {
    const err = await SocketMonitor.connect(unixDialer(q!.socket), { handshakeTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QmpTimeoutError);
    expect(err).toMatchObject({ command: "greeting" });
  });
});

describe("SocketGuestAgent against real qemu-ga (test/guest raw QEMU, TCG)", () => {
  let vm: RawQemu | undefined;
  let agent: SocketGuestAgent | undefined;
  let mon: SocketMonitor | undefined;

  beforeAll(async () => {
    vm = await rawQemu({ machine: "pc", maxVcpus: 4, vcpus: 1, accel: "qemu" });
  }, 300_000);
  afterAll(async () => {
    await agent?.close();
    await mon?.close();
    await vm?.stop();
  });

  it("resyncs while the guest is still booting, then reads vCPUs", async () => {
    // Connect right away: qemu-ga opens its port ~3 s into a TCG boot; until then syncs go unanswered.
    agent = await SocketGuestAgent.connect(unixDialer(vm!.agentSocket), { syncTimeoutMs: 500, totalTimeoutMs: 90_000 });
    await expect(agent.getVcpus()).resolves.toEqual([{ logicalId: 0, online: true, canOffline: false }]);
    const info = await agent.info();
    expect(info.supported_commands.find((c) => c.name === "guest-set-vcpus")).toMatchObject({ enabled: true });
  }, 120_000);

  it("hot-add through QMP, then online through the agent (partial-count semantics on real qemu-ga)", async () => {
    mon = await SocketMonitor.connect(unixDialer(vm!.qmpSocket));
    const slots = await query(mon, "query-hotpluggable-cpus");
    for (const core of [1, 2]) await plugCpu(mon, slots.find((s) => s.props["core-id"] === core)!, `vcpu${core}`);
    // The guest discovers them through ACPI, offline (no udev auto-online in the test guest).
    const vcpus = await pollUntil(async () => {
      const v = await agent!.getVcpus();
      return v.length === 3 ? v : undefined;
    }, 20_000);
    expect(vcpus.map((v) => [v.logicalId, v.online])).toEqual([[0, true], [1, false], [2, false]]);

    // [1 on, 0 off, 2 on]: cpu1 applied, cpu0 refused → stops there, returns 1, cpu2 untouched.
    await expect(agent!.setVcpus([{ logicalId: 1, online: true }, { logicalId: 0, online: false }, { logicalId: 2, online: true }])).resolves.toBe(1);
    expect((await agent!.getVcpus()).map((v) => v.online)).toEqual([true, true, false]);

    // A failing first entry is an error, with qemu-ga's class and desc.
    const err = await agent!.setVcpus([{ logicalId: 0, online: false }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect(err).toMatchObject({ class: "GenericError", command: "guest-set-vcpus" });

    await expect(agent!.setVcpus([{ logicalId: 2, online: true }])).resolves.toBe(1);
    expect((await agent!.getVcpus()).every((v) => v.online)).toBe(true);
  }, 120_000);
});

async function pollUntil<T>(probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
