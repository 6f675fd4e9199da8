import { LibvirtClient } from "../../../provider/libvirt/client";
import { KeepaliveTimeoutError } from "../../../provider/libvirt/errors";
import { Keepalive, type KeepaliveLink } from "../../../provider/libvirt/keepalive";
import { KEEPALIVE_PROGRAM, KeepaliveProcedure, REMOTE_PROGRAM, RemoteProcedure as P } from "../../../provider/libvirt/protocol/constants";
import type { Dialer } from "../../../provider/libvirt/transport/dialer";
import { FakeLibvirtd, ok } from "../../fakes/libvirtd";

const INTERVAL = 100;
const COUNT = 2;
const SLACK = 150;

let fake: FakeLibvirtd;
let client: LibvirtClient | undefined;

beforeEach(async () => {
  fake = await FakeLibvirtd.start();
});

afterEach(async () => {
  await client?.close();
  client = undefined;
  await fake.stop();
});

/** The fake's unix dialer, marked remote so the client runs keepalive on it. */
function remoteDialer(): Dialer {
  const local = fake.dialer;
  return { dial: (signal) => local.dial(signal), target: "fake:remote", remote: true };
}

async function connect(remote = true): Promise<LibvirtClient> {
  client = await LibvirtClient.connect({
    dialer: remote ? remoteDialer() : fake.dialer, keepaliveIntervalMs: INTERVAL, keepaliveCount: COUNT,
  });
  return client;
}

const pingsFromClient = (): number =>
  fake.last.received.filter((h) => h.prog === KEEPALIVE_PROGRAM && h.proc === KeepaliveProcedure.PING).length;
const procsSeen = (): number[] => fake.last.received.filter((h) => h.prog === REMOTE_PROGRAM).map((h) => h.proc);
const never = (): { kind: "none" } => ({ kind: "none" });

describe("keepalive on remote connections (virkeepalive.c)", () => {
  test("remote dialer: asks SUPPORTS_FEATURE(PROGRAM_KEEPALIVE); PINGs an idle link; answered PINGs keep it open", async () => {
    const c = await connect();
    expect(procsSeen()).toEqual([P.AUTH_LIST, P.CONNECT_OPEN, P.CONNECT_SUPPORTS_FEATURE]);
    await fake.waitFor(() => pingsFromClient() >= COUNT + 3, 3000);
    expect(c.closed).toBe(false);
    await expect(c.connectGetHostname().catch(() => "unknown procedure answered")).resolves.toBeDefined();
  });

  test("silent server: a pending call fails with KEEPALIVE_TIMEOUT within interval×(count+1) ± slack", async () => {
    fake.answerPings = false;
    fake.handleRemote(P.CONNECT_GET_HOSTNAME, never);
    const c = await connect();
    const started = Date.now();
    const err = await c.connectGetHostname().catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(err).toBeInstanceOf(KeepaliveTimeoutError);
    expect(err).toMatchObject({ code: "KEEPALIVE_TIMEOUT", target: "qemu:///system (fake:remote)", intervalMs: INTERVAL, count: COUNT });
    expect((err as Error).message).toMatch(new RegExp(`did not answer for \\d+ ms \\(${COUNT} keepalive PINGs ${INTERVAL} ms apart went unanswered\\)`));
    expect(took).toBeGreaterThanOrEqual(INTERVAL * (COUNT + 1) - SLACK);
    expect(took).toBeLessThanOrEqual(INTERVAL * (COUNT + 1) + SLACK);
    expect(pingsFromClient()).toBe(COUNT);
    expect(c.closed).toBe(true);
    await fake.waitFor(() => fake.last.closed);
    await expect(c.connectGetHostname()).rejects.toBeInstanceOf(KeepaliveTimeoutError);
  });

  test("server that PINGs us gets PONGs, and its PINGs count as life (no timeout while it pings)", async () => {
    fake.answerPings = false;
    const c = await connect();
    const pinger = setInterval(() => fake.last.ping(), INTERVAL / 2);
    try {
      await fake.waitFor(() => fake.last.pongs >= 10, 3000);
    } finally {
      clearInterval(pinger);
    }
    expect(c.closed).toBe(false);
    expect(c.stats.pingsAnswered).toBeGreaterThanOrEqual(10);
  });

  test("server without keepalive support: no PINGs, no timeout", async () => {
    fake.answerPings = false;
    fake.handleRemote(P.CONNECT_SUPPORTS_FEATURE, () => ok((w) => void w.writeI32(0)));
    const c = await connect();
    await new Promise((r) => setTimeout(r, INTERVAL * (COUNT + 3))); // nothing to poll for: proving absence
    expect(pingsFromClient()).toBe(0);
    expect(c.closed).toBe(false);
  });

  test("local dialer: no SUPPORTS_FEATURE, no keepalive", async () => {
    fake.answerPings = false;
    const c = await connect(false);
    await new Promise((r) => setTimeout(r, INTERVAL * (COUNT + 3))); // proving absence
    expect(procsSeen()).toEqual([P.AUTH_LIST, P.CONNECT_OPEN]);
    expect(pingsFromClient()).toBe(0);
    expect(c.closed).toBe(false);
  });
});

describe("Keepalive (unit, fake link)", () => {
  function fakeLink(): KeepaliveLink & { pings: number; aborted: Error | undefined; activity: () => void } {
    const l = {
      pings: 0, aborted: undefined as Error | undefined, activity: () => undefined as void,
      onActivity: (fn: () => void) => { l.activity = fn; return () => undefined; },
      onClose: () => () => undefined,
      ping: () => { l.pings++; return Promise.resolve(); },
      abort: (err: Error) => { l.aborted = err; },
    };
    return l;
  }

  test("its timer never keeps the process alive (unref'd)", () => {
    const ka = new Keepalive(fakeLink(), { target: "t", intervalMs: 1000, count: 1 }).start();
    expect((ka as unknown as { timer: NodeJS.Timeout }).timer.hasRef()).toBe(false);
    ka.stop();
  });

  test("intervalMs 0 disables it", () => {
    const ka = new Keepalive(fakeLink(), { target: "t", intervalMs: 0 }).start();
    expect((ka as unknown as { timer: NodeJS.Timeout | undefined }).timer).toBeUndefined();
  });

  test("activity resets the count of unanswered PINGs", async () => {
    const link = fakeLink();
    const ka = new Keepalive(link, { target: "t", intervalMs: 20, count: 1 }).start();
    const alive = setInterval(() => link.activity(), 15);
    await new Promise((r) => setTimeout(r, 200)); // proving absence of a timeout
    clearInterval(alive);
    expect(link.aborted).toBeUndefined();
    const t0 = Date.now();
    while (link.aborted === undefined && Date.now() - t0 < 1000) await new Promise((r) => setTimeout(r, 5));
    expect(link.aborted).toBeInstanceOf(KeepaliveTimeoutError);
    ka.stop();
  });
});
