import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  EventHub,
  QmpDialError,
  acpiDeviceOst,
  anyOf,
  cpuLapicDeleted,
  deviceDeleted,
  tcpDialer,
  unixDialer,
  unplugGuestError,
  type QmpEvent,
} from "../../../provider/qmp";

const ev = (event: string, data: Record<string, unknown> = {}): QmpEvent => ({ event, data, timestamp: { seconds: 0, microseconds: 0 } });

describe("event predicates", () => {
  const cases: Record<string, { pred: (e: QmpEvent) => boolean; e: QmpEvent; want: boolean }> = {
    "deleted by id": { pred: deviceDeleted({ id: "cpu1" }), e: ev("DEVICE_DELETED", { device: "cpu1", path: "/machine/peripheral/cpu1" }), want: true },
    "deleted by path": { pred: deviceDeleted({ path: "/machine/peripheral/cpu1" }), e: ev("DEVICE_DELETED", { path: "/machine/peripheral/cpu1" }), want: true },
    "deleted: other device": { pred: deviceDeleted({ id: "cpu1" }), e: ev("DEVICE_DELETED", { device: "cpu2", path: "/p" }), want: false },
    "deleted: lapic child is not the cpu": {
      pred: deviceDeleted({ id: "cpu1", path: "/machine/peripheral/cpu1" }),
      e: ev("DEVICE_DELETED", { path: "/machine/peripheral/cpu1/lapic" }),
      want: false,
    },
    "lapic of the cpu (TCG)": { pred: cpuLapicDeleted("/machine/peripheral/cpu1"), e: ev("DEVICE_DELETED", { path: "/machine/peripheral/cpu1/lapic" }), want: true },
    "unplug guest error": { pred: unplugGuestError({ id: "cpu1" }), e: ev("DEVICE_UNPLUG_GUEST_ERROR", { device: "cpu1", path: "/p" }), want: true },
    "ost eject done": {
      pred: acpiDeviceOst({ "slot-type": "CPU", source: 3, status: 0 }),
      e: ev("ACPI_DEVICE_OST", { info: { source: 3, status: 0, slot: "2", "slot-type": "CPU" } }),
      want: true,
    },
    "ost eject in progress is not done": {
      pred: acpiDeviceOst({ source: 3, status: 0 }),
      e: ev("ACPI_DEVICE_OST", { info: { source: 3, status: 132, slot: "2", "slot-type": "CPU" } }),
      want: false,
    },
    "anyOf": { pred: anyOf(deviceDeleted({ id: "a" }), unplugGuestError({ id: "a" })), e: ev("DEVICE_UNPLUG_GUEST_ERROR", { device: "a", path: "/p" }), want: true },
  };
  it.each(Object.entries(cases))("%s", (_n, c) => expect(c.pred(c.e)).toBe(c.want));
});

describe("EventHub", () => {
  it("mark then wait sees an event that arrived in between; history is bounded", async () => {
    const hub = new EventHub(2);
    const mark = hub.mark();
    hub.push(ev("A"));
    hub.push(ev("B"));
    await expect(hub.wait((e) => e.event === "A", 10, mark)).resolves.toMatchObject({ event: "A" });
    hub.push(ev("C"));
    // A fell out of the 2-event history.
    await expect(hub.wait((e) => e.event === "A", 10, mark)).resolves.toBeUndefined();
    expect(hub.since(mark).map((e) => e.event)).toEqual(["B", "C"]);
  });

  it("listeners get events in order; a throwing listener does not stop the others; unsubscribe works", () => {
    const hub = new EventHub();
    const got: string[] = [];
    hub.on(() => {
      throw new Error("bug");
    });
    const off = hub.on((e) => got.push(e.event));
    hub.push(ev("A"));
    off();
    hub.push(ev("B"));
    expect(got).toEqual(["A"]);
  });

  it("close resolves waiters with undefined and ignores later events", async () => {
    const hub = new EventHub();
    const w = hub.wait(() => true, 10_000);
    hub.close();
    await expect(w).resolves.toBeUndefined();
    hub.push(ev("A"));
    await expect(hub.wait(() => true, 10, 0)).resolves.toBeUndefined();
  });
});

describe("dialers", () => {
  const dir = mkdtempSync(join(tmpdir(), "qmpdial-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("unix: a missing socket is a QmpDialError with ENOENT kept as cause", async () => {
    const err = await unixDialer(join(dir, "missing.sock")).dial().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QmpDialError);
    expect(err).toMatchObject({ code: "QMP_DIAL_FAILED", target: `unix:${join(dir, "missing.sock")}` });
    expect((err as Error & { cause: { code: string } }).cause.code).toBe("ENOENT");
  });

  it("tcp: connection refused is a QmpDialError", async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const err = await tcpDialer("127.0.0.1", port).dial().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "QMP_DIAL_FAILED", target: `tcp:127.0.0.1:${port}` });
  });

  it("unix and tcp connect", async () => {
    const path = join(dir, "ok.sock");
    const srv = net.createServer((s) => s.end("hi\n"));
    await new Promise<void>((r) => srv.listen(path, () => r()));
    const tcp = net.createServer((s) => s.end("hi\n"));
    await new Promise<void>((r) => tcp.listen(0, "127.0.0.1", () => r()));
    for (const d of [unixDialer(path), tcpDialer("127.0.0.1", (tcp.address() as net.AddressInfo).port)]) {
      const s = await d.dial();
      const first = await new Promise<string>((r) => s.once("data", (b: Buffer) => r(b.toString())));
      expect(first).toBe("hi\n");
      s.destroy();
    }
    await new Promise<void>((r) => srv.close(() => r()));
    await new Promise<void>((r) => tcp.close(() => r()));
  });
});
