/** The raw-QMP backend against a scripted QEMU: what it reads, what it plugs, and the typed errors it raises. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QmpHypervisor } from "../../../../provider/backend/qmp/hypervisor";
import { ProviderError } from "../../../../provider/errors";
import { QmpError } from "../../../../provider/qmp";
import type { FakeQmpServer } from "../../../fakes/qmp-server";
import { RawPeer, expectFault, silent } from "../../../fakes/raw-peer";
import { startFakeQemu, type FakeQemuVm } from "./fake-qemu";

let server: FakeQmpServer;
let vm: FakeQemuVm;
let hv: QmpHypervisor;
beforeEach(async () => {
  ({ server, vm } = await startFakeQemu(4, 2));
  hv = await QmpHypervisor.open({ socket: server.path }, false);
});
afterEach(async () => {
  await hv.close();
  await server.close();
});

async function caught(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

describe("QmpHypervisor reads and changes a raw QEMU", () => {
  test("read: QEMU's own view, no libvirt definition", async () => {
    const live = await hv.read();
    expect(live).toMatchObject({ backend: "qmp", name: "web01", uuid: vm.uuid, state: "running", arch: "x86_64", agent: "off", config: undefined, qemuVersion: "7.2.22" });
    expect(live.running).toMatchObject({ maxVcpus: 4, vcpus: 2, machine: "pc-q35-7.2", topology: { sockets: 4, cores: 1, threads: 1 } });
  });

  test("a QEMU started without -uuid is named by its endpoint", async () => {
    vm.uuid = "00000000-0000-0000-0000-000000000000";
    expect((await hv.read()).uuid).toBe(`qmp:${server.path}`);
  });

  test("hot-add plugs the slot under a stable id", async () => {
    await hv.hotAdd({ kind: "hotAdd", entity: 2, vcpuIds: [2] });
    expect(server.received.find((c) => c.execute === "device_add")?.arguments).toMatchObject({ driver: "qemu64-x86_64-cpu", id: "vcpu2", "socket-id": 2 });
    expect((await hv.read()).running?.vcpus).toBe(3);
  });

  test("unplug is confirmed from QEMU's slot view", async () => {
    await hv.hotAdd({ kind: "hotAdd", entity: 2, vcpuIds: [2] });
    const outcome = await hv.unplug({ kind: "unplug", entity: 2, vcpuIds: [2] }, Date.now() + 5000);
    expect(outcome).toMatchObject({ removed: true, libvirtTimedOut: false });
  });

  test("unplug of a free slot is already done", async () => {
    expect(await hv.unplug({ kind: "unplug", entity: 3, vcpuIds: [3] }, Date.now() + 5000)).toMatchObject({ removed: true, detail: "the slot was already free" });
  });

  test("no agent socket: no guest port", () => {
    expect(hv.guest()).toBeUndefined();
  });
});

describe("QmpHypervisor errors are typed, with the QMP error as cause", () => {
  test("QEMU refuses device_add: QMP_COMMAND_FAILED naming the vCPU", async () => {
    server.handle("device_add", () => ({ error: { class: "GenericError", desc: "Invalid CPU socket-id: 2 must be in range 0:1" } }));
    const err = await caught(hv.hotAdd({ kind: "hotAdd", entity: 2, vcpuIds: [2] }));
    expect(err.code).toBe("QMP_COMMAND_FAILED");
    expect(err.message).toMatch(/^hot-adding vCPU 2: QMP device_add failed: GenericError: Invalid CPU socket-id/);
    expect(err.cause).toBeInstanceOf(QmpError);
    expect((err.cause as QmpError).class).toBe("GenericError");
  });

  test("QEMU refuses device_del: QMP_COMMAND_FAILED naming the vCPU", async () => {
    server.handle("device_del", () => ({ error: { class: "GenericError", desc: "acpi: device unplug request for not supported device type: qemu64-x86_64-cpu" } }));
    const err = await caught(hv.unplug({ kind: "unplug", entity: 1, vcpuIds: [1] }, Date.now() + 5000));
    expect({ code: err.code, desc: (err.cause as QmpError).desc }).toEqual({ code: "QMP_COMMAND_FAILED", desc: expect.stringContaining("not supported device type") });
  });

  test("a read QEMU answers with an error: QMP_COMMAND_FAILED naming the endpoint", async () => {
    server.handle("query-status", () => ({ error: { class: "GenericError", desc: "boom" } }));
    const err = await caught(hv.read());
    expect(err.code).toBe("QMP_COMMAND_FAILED");
    expect(err.message).toContain(`reading QEMU at ${server.path}`);
  });

  test("QEMU goes away mid-read: QMP_UNAVAILABLE", async () => {
    server.handle("query-status", (_cmd, peer) => {
      peer.dropConnection();
      return { none: true };
    });
    expect((await caught(hv.read())).code).toBe("QMP_UNAVAILABLE");
  });

  test("no socket: CONNECTION_FAILED naming it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "qmp-missing-"));
    try {
      const err = await caught(QmpHypervisor.open({ socket: join(dir, "none.sock") }, false));
      expect(err.code).toBe("CONNECTION_FAILED");
      expect(err.message).toContain("none.sock");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a monitor that accepts and never greets: CONNECTION_FAILED naming the socket and the greeting phase, within the deadline, socket closed", async () => {
    const peer = await RawPeer.start(silent);
    try {
      const error = await expectFault(() => QmpHypervisor.open({ socket: peer.path }, false, 200), () => peer.waitClosed(), { deadlineMs: 200, timesOut: true });
      expect(error).toMatchObject({ code: "CONNECTION_FAILED", message: expect.stringContaining(`can't open QMP at unix:${peer.path}: greeting failed`) });
      expect((error as Error).cause).toMatchObject({ code: "QMP_TIMEOUT", command: "greeting" });
    } finally {
      await peer.stop();
    }
  });

  test.each([
    ["setConfigVcpus", () => hv.setConfigVcpus()],
    ["restart", () => hv.restart()],
  ])("%s: PRECONDITION_FAILED, a raw QEMU has no definition to change", async (_name, call) => {
    expect((await caught(call())).code).toBe("PRECONDITION_FAILED");
  });
});
