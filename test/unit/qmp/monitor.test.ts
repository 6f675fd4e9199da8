import {
  QmpConnectionClosedError,
  QmpError,
  QmpProtocolError,
  QmpTimeoutError,
  SocketMonitor,
  cpuLapicDeleted,
  deviceDeleted,
  hasErrorClass,
  query,
  type QmpEvent,
} from "../../../provider/qmp";
import { FakeQmpServer, QEMU_72_GREETING, type FakeQmpOptions, type FakeReply } from "../../fakes/qmp-server";

/** A promise with its resolver exposed, to answer a request when the test decides. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const caught = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);

describe("SocketMonitor against the fake QMP peer", () => {
  let fake: FakeQmpServer;
  let mon: SocketMonitor | undefined;
  afterEach(async () => {
    await mon?.close();
    mon = undefined;
    await fake.close();
  });

  describe("handshake", () => {
    const wires: Record<string, FakeQmpOptions> = {
      "whole writes, CRLF": {},
      "LF only": { eol: "\n" },
      "every write split into 1-byte pieces": { chunkSize: 1, chunkDelayMs: 0 },
      "every write split into 7-byte pieces": { chunkSize: 7 },
    };
    it.each(Object.entries(wires))("greeting + qmp_capabilities: %s", async (_n, wire) => {
      fake = await FakeQmpServer.start(wire);
      fake.handle("query-status", () => ({ return: { running: true, status: "running", singlestep: false } }));
      mon = await SocketMonitor.connect(fake.dialer);
      expect(mon.greeting).toEqual(QEMU_72_GREETING);
      expect(fake.received.map((c) => c.execute)).toEqual(["qmp_capabilities"]);
      expect(fake.received[0]!.arguments).toBeUndefined();
      await expect(query(mon, "query-status")).resolves.toEqual({ running: true, status: "running", singlestep: false });
    });

    it("no greeting (a second client, or not a QMP socket) times out with a hint", async () => {
      fake = await FakeQmpServer.start({ greeting: false });
      const err = await caught(SocketMonitor.connect(fake.dialer, { handshakeTimeoutMs: 100 }));
      expect(err).toBeInstanceOf(QmpTimeoutError);
      expect(err).toMatchObject({ command: "greeting" });
      expect((err as Error).message).toMatch(/another client/);
    });

    it("capabilities refused keeps the error class", async () => {
      fake = await FakeQmpServer.start();
      fake.handle("qmp_capabilities", () => ({ error: { class: "GenericError", desc: "nope" } }));
      const err = await caught(SocketMonitor.connect(fake.dialer));
      expect(err).toMatchObject({ code: "QMP_ERROR", command: "qmp_capabilities", class: "GenericError", desc: "nope" });
    });

    it("peer closes before the greeting", async () => {
      fake = await FakeQmpServer.start({ greeting: false });
      const p = caught(SocketMonitor.connect(fake.dialer, { handshakeTimeoutMs: 5000 }));
      await waitFor(() => fake.connections === 1);
      fake.dropConnection();
      expect(await p).toBeInstanceOf(QmpConnectionClosedError);
    });
  });

  describe("commands", () => {
    beforeEach(async () => {
      fake = await FakeQmpServer.start();
    });

    it("error reply keeps class, desc and the command name", async () => {
      fake.handle("device_del", () => ({ error: { class: "DeviceNotFound", desc: "Device 'nope' not found" } }));
      mon = await SocketMonitor.connect(fake.dialer);
      const err = await caught(mon.execute("device_del", { id: "nope" }));
      expect(err).toBeInstanceOf(QmpError);
      expect(err).toMatchObject({ class: "DeviceNotFound", desc: "Device 'nope' not found", command: "device_del" });
      expect(fake.received[1]).toMatchObject({ execute: "device_del", arguments: { id: "nope" } });
    });

    it("unknown command → CommandNotFound predicate", async () => {
      mon = await SocketMonitor.connect(fake.dialer);
      expect(hasErrorClass(await caught(mon.execute("no-such-command")), "CommandNotFound")).toBe(true);
    });

    it("event between command and reply is delivered, reply still resolves", async () => {
      fake.handle("device_del", async (_c, peer) => {
        await peer.emitEvent("DEVICE_DELETED", { device: "cpu3", path: "/machine/peripheral/cpu3" });
        return { return: {} };
      });
      mon = await SocketMonitor.connect(fake.dialer);
      const seen: QmpEvent[] = [];
      mon.onEvent((e) => seen.push(e));
      const mark = mon.mark();
      await expect(mon.execute("device_del", { id: "cpu3" })).resolves.toEqual({});
      expect(seen.map((e) => e.event)).toEqual(["DEVICE_DELETED"]);
      // The event arrived before the wait started; the mark makes it visible.
      await expect(mon.waitForEvent(deviceDeleted({ id: "cpu3" }), 10, mark)).resolves.toMatchObject({ data: { device: "cpu3" } });
      // Without the mark only future events count.
      await expect(mon.waitForEvent(deviceDeleted({ id: "cpu3" }), 10)).resolves.toBeUndefined();
    });

    it("waitForEvent resolves on a later event (TCG: only the lapic child is deleted)", async () => {
      mon = await SocketMonitor.connect(fake.dialer);
      const wait = mon.waitForEvent(cpuLapicDeleted("/machine/peripheral/cpu2"), 5000);
      await fake.emitEvent("DEVICE_DELETED", { path: "/machine/peripheral/cpu1/lapic" });
      await fake.emitEvent("DEVICE_DELETED", { path: "/machine/peripheral/cpu2/lapic" });
      await expect(wait).resolves.toMatchObject({ data: { path: "/machine/peripheral/cpu2/lapic" } });
    });

    it("replies matched by id when they come out of order", async () => {
      const first = deferred<FakeReply>();
      fake.handle("query-name", () => first.promise);
      fake.handle("query-uuid", () => ({ return: { UUID: "u" } }));
      mon = await SocketMonitor.connect(fake.dialer);
      const a = mon.execute("query-name");
      const b = mon.execute("query-uuid");
      await expect(b).resolves.toEqual({ UUID: "u" });
      first.resolve({ return: { name: "vm" } });
      await expect(a).resolves.toEqual({ name: "vm" });
      const ids = fake.received.slice(1).map((c) => c.id);
      expect(new Set(ids).size).toBe(2);
    });

    it("an id-less reply goes to the oldest pending call", async () => {
      fake.handle("query-name", () => ({ raw: '{"error": {"class": "GenericError", "desc": "JSON parse error"}}\r\n' }));
      mon = await SocketMonitor.connect(fake.dialer);
      await expect(mon.execute("query-name")).rejects.toMatchObject({ class: "GenericError", command: "query-name" });
    });

    it("per-call timeout; a late reply is dropped and the connection stays usable", async () => {
      const late = deferred<FakeReply>();
      fake.handle("query-name", () => late.promise);
      fake.handle("query-uuid", () => ({ return: { UUID: "u" } }));
      mon = await SocketMonitor.connect(fake.dialer);
      const err = await caught(mon.execute("query-name", undefined, { timeoutMs: 30 }));
      expect(err).toBeInstanceOf(QmpTimeoutError);
      expect(err).toMatchObject({ command: "query-name", timeoutMs: 30 });
      late.resolve({ return: { name: "late" } });
      await expect(mon.execute("query-uuid")).resolves.toEqual({ UUID: "u" });
    });

    it("socket close rejects every pending call with QmpConnectionClosedError naming it", async () => {
      fake.handle("query-name", () => ({ none: true }));
      fake.handle("query-uuid", () => ({ none: true }));
      mon = await SocketMonitor.connect(fake.dialer);
      const a = caught(mon.execute("query-name"));
      const b = caught(mon.execute("query-uuid"));
      const waiting = mon.waitForEvent(() => true, 5000);
      await fake.waitForCommand("query-uuid");
      fake.dropConnection();
      expect(await a).toMatchObject({ code: "QMP_CONNECTION_CLOSED", command: "query-name" });
      expect(await b).toMatchObject({ code: "QMP_CONNECTION_CLOSED", command: "query-uuid" });
      await expect(waiting).resolves.toBeUndefined();
      expect(mon.closed).toBe(true);
      await expect(mon.execute("query-status")).rejects.toBeInstanceOf(QmpConnectionClosedError);
    });

    it("close() rejects pending calls and is idempotent", async () => {
      fake.handle("query-name", () => ({ none: true }));
      mon = await SocketMonitor.connect(fake.dialer);
      const a = caught(mon.execute("query-name"));
      await fake.waitForCommand("query-name");
      await mon.close();
      await mon.close();
      expect(await a).toBeInstanceOf(QmpConnectionClosedError);
    });

    const garbage: Record<string, string> = {
      "malformed JSON line": '{"return": {}, "id": \r\n',
      "unknown message shape": '{"foo": 1}\r\n',
      "error without desc": '{"error": {"class": "GenericError"}}\r\n',
    };
    it.each(Object.entries(garbage))("%s → pending calls reject with QmpProtocolError, connection dropped", async (_n, raw) => {
      fake.handle("query-name", () => ({ raw }));
      mon = await SocketMonitor.connect(fake.dialer);
      const err = await caught(mon.execute("query-name"));
      expect(err).toBeInstanceOf(QmpProtocolError);
      const later = await caught(mon.execute("query-uuid"));
      expect(later).toBeInstanceOf(QmpConnectionClosedError);
      expect((later as Error).cause).toBeInstanceOf(QmpConnectionClosedError);
    });

    it("query() validates: a mismatching reply is a protocol error naming the command", async () => {
      fake.handle("query-hotpluggable-cpus", () => ({ return: [{ type: "x" }] }));
      mon = await SocketMonitor.connect(fake.dialer);
      await expect(query(mon, "query-hotpluggable-cpus")).rejects.toMatchObject({
        code: "QMP_PROTOCOL_ERROR",
        command: "query-hotpluggable-cpus",
      });
    });

    it("many calls in flight over split writes", async () => {
      await fake.close();
      fake = await FakeQmpServer.start({ chunkSize: 5 });
      fake.handle("echo", (c) => ({ return: c.arguments }));
      mon = await SocketMonitor.connect(fake.dialer);
      const calls = Array.from({ length: 20 }, (_, i) => mon!.execute("echo", { i }));
      await expect(Promise.all(calls)).resolves.toEqual(Array.from({ length: 20 }, (_, i) => ({ i })));
    });
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met");
    await new Promise((r) => setTimeout(r, 5));
  }
}
