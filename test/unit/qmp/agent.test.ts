import {
  AgentError,
  AgentTimeoutError,
  GuestSetVcpusPartialError,
  QmpConnectionClosedError,
  QmpProtocolError,
  SocketGuestAgent,
  setAllVcpus,
} from "../../../provider/qmp";
import { FakeGuestAgent, type FakeAgentOptions, type FakeReply } from "../../fakes/qmp-server";

const caught = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const FOUR_CPUS = (): NonNullable<FakeAgentOptions["vcpus"]> => [
  { logicalId: 0, online: true, canOffline: false },
  { logicalId: 1, online: true, canOffline: true },
  { logicalId: 2, online: false, canOffline: true },
  { logicalId: 3, online: false, canOffline: true },
];

describe("SocketGuestAgent against the fake qemu-ga", () => {
  let fake: FakeGuestAgent;
  let agent: SocketGuestAgent | undefined;
  afterEach(async () => {
    await agent?.close();
    agent = undefined;
    await fake.close();
  });

  describe("resync (guest-sync-delimited)", () => {
    const cases: Record<string, FakeAgentOptions> = {
      "clean stream": {},
      "stale bytes before (a previous client's half line and an old answer)": {
        onConnectBytes: '{"return": 77}\n{"return": {"logical-id"',
      },
      "stale bytes that contain an old 0xFF answer": { onConnectBytes: Buffer.concat([Buffer.of(0xff), Buffer.from('{"return": 5}\n{"ret')]) },
      "answers split into 1-byte pieces": { chunkSize: 1, chunkDelayMs: 0 },
      "answers split into 3-byte pieces": { chunkSize: 3 },
    };
    it.each(Object.entries(cases))("%s", async (_n, opts) => {
      fake = await FakeGuestAgent.start(opts);
      agent = await SocketGuestAgent.connect(fake.dialer, { syncTimeoutMs: 500, totalTimeoutMs: 5000 });
      expect(fake.received[0]).toMatchObject({ execute: "guest-sync-delimited" });
      expect(fake.syncsAnswered).toEqual([fake.received[0]!.arguments!.id]);
      await expect(agent.ping()).resolves.toBe(true);
    });

    it("before qemu-ga opens the port: unanswered syncs are retried, then the late answers are skipped", async () => {
      fake = await FakeGuestAgent.start({ portOpen: false });
      const connecting = SocketGuestAgent.connect(fake.dialer, { syncTimeoutMs: 40, totalTimeoutMs: 5000 });
      // Three attempts reach the buffer unanswered (virtio-serial holds them until the guest opens the port).
      await waitForBytes(fake, 3);
      fake.openPort();
      agent = await connecting;
      const syncs = fake.received.filter((c) => c.execute === "guest-sync-delimited");
      expect(syncs.length).toBeGreaterThanOrEqual(3);
      // Every buffered request got answered (late answers) and the client still found its own.
      expect(fake.syncsAnswered.length).toBe(syncs.length);
      await expect(agent.getVcpus()).resolves.toHaveLength(2);
    });

    it("gives up after totalTimeoutMs with AgentTimeoutError phase sync", async () => {
      fake = await FakeGuestAgent.start({ portOpen: false });
      const t0 = Date.now();
      const err = await caught(SocketGuestAgent.connect(fake.dialer, { syncTimeoutMs: 30, totalTimeoutMs: 150 }));
      expect(err).toBeInstanceOf(AgentTimeoutError);
      expect(err).toMatchObject({ code: "AGENT_TIMEOUT", phase: "sync", command: "guest-sync-delimited", timeoutMs: 150 });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
      // Unique random ids per attempt.
      const ids = fake.received.map((c) => c.arguments!.id);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it("a command timing out forces a resync before the next command; its late answer is discarded", async () => {
      fake = await FakeGuestAgent.start();
      const late = deferred<FakeReply>();
      fake.handle("guest-info", () => late.promise);
      agent = await SocketGuestAgent.connect(fake.dialer);
      const err = await caught(agent.execute("guest-info", undefined, { timeoutMs: 30 }));
      expect(err).toMatchObject({ code: "AGENT_TIMEOUT", phase: "command", command: "guest-info" });
      late.resolve({ return: { version: "late", supported_commands: [] } });
      await expect(agent.getVcpus()).resolves.toEqual([
        { logicalId: 0, online: true, canOffline: false },
        { logicalId: 1, online: true, canOffline: true },
      ]);
      expect(fake.received.map((c) => c.execute)).toEqual(["guest-sync-delimited", "guest-info", "guest-sync-delimited", "guest-get-vcpus"]);
    });

    it("an unreadable reply is a protocol error naming the command, then a resync", async () => {
      fake = await FakeGuestAgent.start();
      fake.handle("guest-info", () => ({ raw: "this is not json\n" }));
      agent = await SocketGuestAgent.connect(fake.dialer);
      await expect(agent.info()).rejects.toMatchObject({ code: "QMP_PROTOCOL_ERROR", command: "guest-info" });
      await expect(agent.ping()).resolves.toBe(true);
      expect(fake.received.filter((c) => c.execute === "guest-sync-delimited")).toHaveLength(2);
    });
  });

  describe("commands", () => {
    beforeEach(async () => {
      fake = await FakeGuestAgent.start({ vcpus: FOUR_CPUS() });
      agent = await SocketGuestAgent.connect(fake.dialer);
    });

    it("getVcpus sorts by logical id (qemu-ga sends [1, 2, 3, 0])", async () => {
      const vcpus = await agent!.getVcpus();
      expect(vcpus.map((v) => v.logicalId)).toEqual([0, 1, 2, 3]);
      expect(vcpus[0]).toEqual({ logicalId: 0, online: true, canOffline: false });
    });

    it("setVcpus sends wire names and returns the applied count", async () => {
      await expect(agent!.setVcpus([{ logicalId: 2, online: true }, { logicalId: 3, online: true }])).resolves.toBe(2);
      expect(fake.received.at(-1)).toEqual({
        execute: "guest-set-vcpus",
        arguments: { vcpus: [{ "logical-id": 2, online: true }, { "logical-id": 3, online: true }] },
      });
      expect(fake.vcpus.map((v) => v.online)).toEqual([true, true, true, true]);
    });

    const partial: Record<string, { changes: { logicalId: number; online: boolean }[]; applied: number; untouched: number[] }> = {
      "[1 off, 0 off, 2 on] stops at cpu0 → 1 (cpu2 untouched)": {
        changes: [{ logicalId: 1, online: false }, { logicalId: 0, online: false }, { logicalId: 2, online: true }],
        applied: 1,
        untouched: [2],
      },
      "[2 on, 7 on] stops at the missing cpu7 → 1": { changes: [{ logicalId: 2, online: true }, { logicalId: 7, online: true }], applied: 1, untouched: [] },
      "all applied": { changes: [{ logicalId: 3, online: true }], applied: 1, untouched: [] },
    };
    it.each(Object.entries(partial))("guest-set-vcpus partial count: %s", async (_n, c) => {
      const before = fake.vcpus.map((v) => ({ ...v }));
      await expect(agent!.setVcpus(c.changes)).resolves.toBe(c.applied);
      for (const id of c.untouched) expect(fake.vcpus[id]).toEqual(before[id]);
    });

    it("setAllVcpus turns a partial count into GuestSetVcpusPartialError", async () => {
      const err = await caught(setAllVcpus(agent!, [{ logicalId: 1, online: false }, { logicalId: 0, online: false }, { logicalId: 2, online: true }]));
      expect(err).toBeInstanceOf(GuestSetVcpusPartialError);
      expect(err).toMatchObject({ requested: 3, applied: 1, firstUnapplied: 0, code: "AGENT_PARTIAL_APPLY" });
      await expect(setAllVcpus(agent!, [{ logicalId: 2, online: true }])).resolves.toBeUndefined();
    });

    it("a failing first entry is an AgentError with class and desc", async () => {
      const err = await caught(agent!.setVcpus([{ logicalId: 0, online: false }]));
      expect(err).toBeInstanceOf(AgentError);
      expect(err).toMatchObject({ command: "guest-set-vcpus", class: "GenericError", desc: "logical processor #0 can't be offlined" });
    });

    it("empty change list sends nothing and applies 0", async () => {
      const n = fake.received.length;
      await expect(agent!.setVcpus([])).resolves.toBe(0);
      expect(fake.received.length).toBe(n);
    });

    it("calls are serialized: concurrent callers each get their own reply", async () => {
      const [a, b, c] = await Promise.all([agent!.getVcpus(), agent!.info(), agent!.ping()]);
      expect(a).toHaveLength(4);
      expect(b.version).toBe("7.2.22");
      expect(c).toBe(true);
    });

    it("info() validates guest-info", async () => {
      fake.handle("guest-info", () => ({ return: { version: 1 } }));
      await expect(agent!.info()).rejects.toBeInstanceOf(QmpProtocolError);
    });

    it("ping is false on timeout, and on a closed connection", async () => {
      fake.handle("guest-ping", () => ({ none: true }));
      await expect(agent!.ping(30)).resolves.toBe(false);
      fake.dropConnection();
      await expect(agent!.ping(1000)).resolves.toBe(false);
    });

    it("connection drop rejects the waiting command with QmpConnectionClosedError", async () => {
      fake.handle("guest-get-vcpus", () => ({ none: true }));
      const p = caught(agent!.getVcpus());
      await fake.waitForCommand("guest-get-vcpus");
      fake.dropConnection();
      const err = await p;
      expect(err).toBeInstanceOf(QmpConnectionClosedError);
      expect(err).toMatchObject({ command: "guest-get-vcpus" });
    });
  });
});

/** Waits (with a deadline) until the fake holds `n` unanswered sync requests in its closed-port buffer. */
async function waitForBytes(fake: FakeGuestAgent, n: number, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (fake.bufferedInput.split("guest-sync-delimited").length - 1 < n) {
    if (Date.now() > deadline) throw new Error(`fewer than ${n} sync requests buffered`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
