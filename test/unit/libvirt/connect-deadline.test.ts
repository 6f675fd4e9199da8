/**
 * The connect deadline of LibvirtClient.connect against daemons that misbehave: each fault
 * gives a typed error naming the phase and the target, within [deadline, deadline + margin]
 * (or at once for a failure), and leaves no socket open: the peer sees the client's socket
 * close, and no socket opened by the attempt is still open in this process.
 */
import type { Duplex } from "node:stream";
import { LibvirtClient } from "../../../provider/libvirt/client";
import { AuthType, RemoteProcedure as P } from "../../../provider/libvirt/protocol/constants";
import { encodeFrame, callHeader } from "../../../provider/libvirt/protocol/header";
import type { Dialer } from "../../../provider/libvirt/transport/dialer";
import { UnixDialer } from "../../../provider/libvirt/transport/unix";
import { FakeLibvirtd, ok, type FakeHandler } from "../../fakes/libvirtd";
import { EARLY_MS, MARGIN_MS, expectFault, openSockets, openedSince, timed } from "../../fakes/raw-peer";

const DEADLINE_MS = 200;

let fake: FakeLibvirtd;
beforeEach(async () => {
  fake = await FakeLibvirtd.start();
});
afterEach(() => fake.stop());

const never: FakeHandler = () => ({ kind: "none" });
const offer = (...types: number[]): FakeHandler => () => ok((w) => void w.writeArray(types, (ww, t) => void ww.writeI32(t)));
/** Half of a reply frame (its length says more is coming), then the daemon hangs up. */
const halfFrameThenClose: FakeHandler = (call, conn) => {
  const frame = encodeFrame(callHeader(call.header.prog, call.header.proc, call.header.serial), Buffer.alloc(16));
  conn.write(frame.subarray(0, 10));
  setImmediate(() => conn.drop());
  return { kind: "none" };
};
const garbage: FakeHandler = () => ({ kind: "raw", bytes: Buffer.from("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n") });

interface FaultCase {
  /** Handlers replacing the fake's defaults. */
  script: Partial<Record<number, FakeHandler>>;
  want: { code: "CONNECT_TIMEOUT" | "CONNECT_FAILED"; phase: "auth" | "open"; cause?: string };
}

const cases: Record<string, FaultCase> = {
  "accepts and never answers AUTH_LIST": { script: { [P.AUTH_LIST]: never }, want: { code: "CONNECT_TIMEOUT", phase: "auth" } },
  "offers polkit and never answers AUTH_POLKIT": { script: { [P.AUTH_LIST]: offer(AuthType.POLKIT), [P.AUTH_POLKIT]: never }, want: { code: "CONNECT_TIMEOUT", phase: "auth" } },
  "answers AUTH_LIST, then never CONNECT_OPEN": { script: { [P.CONNECT_OPEN]: never }, want: { code: "CONNECT_TIMEOUT", phase: "open" } },
  "closes in the middle of the AUTH_LIST reply": { script: { [P.AUTH_LIST]: halfFrameThenClose }, want: { code: "CONNECT_FAILED", phase: "auth", cause: "CONNECTION_CLOSED" } },
  "closes in the middle of the CONNECT_OPEN reply": { script: { [P.CONNECT_OPEN]: halfFrameThenClose }, want: { code: "CONNECT_FAILED", phase: "open", cause: "CONNECTION_CLOSED" } },
  "answers garbage (an ssh banner) to AUTH_LIST": { script: { [P.AUTH_LIST]: garbage }, want: { code: "CONNECT_FAILED", phase: "auth", cause: "CONNECTION_CLOSED" } },
};

describe("LibvirtClient.connect under faults", () => {
  test.each(Object.entries(cases))("%s", async (_name, c) => {
    for (const [proc, handler] of Object.entries(c.script)) fake.handleRemote(Number(proc), handler!);
    const connect = () => LibvirtClient.connect({ dialer: fake.dialer, connectTimeoutMs: DEADLINE_MS });
    const timesOut = c.want.code === "CONNECT_TIMEOUT";
    const error = await expectFault(connect, () => fake.waitFor(() => fake.last.closed), { deadlineMs: DEADLINE_MS, timesOut });
    expect(error).toMatchObject({ code: c.want.code, phase: c.want.phase, target: expect.stringContaining(fake.socketPath) });
    expect((error as Error).message).toContain(fake.socketPath);
    if (timesOut) expect(error).toMatchObject({ timeoutMs: DEADLINE_MS, elapsedMs: expect.any(Number) });
    else expect((error as Error).cause).toMatchObject({ code: c.want.cause });
  });
});

describe("the dial phase", () => {
  /** A dialer that connects only after `delayMs`, ignoring the abort signal (a custom transport). */
  const lateDialer = (delayMs: number): Dialer => ({
    target: "late:test",
    dial: () => new Promise<Duplex>((resolve) => setTimeout(() => resolve(new UnixDialer(fake.socketPath).dial()), delayMs)),
  });

  test("a dialer that never connects in time: CONNECT_TIMEOUT in dial; its late stream is destroyed", async () => {
    const { ms, error } = await timed(() => LibvirtClient.connect({ dialer: lateDialer(DEADLINE_MS + 100), connectTimeoutMs: DEADLINE_MS }));
    expect(error).toMatchObject({ code: "CONNECT_TIMEOUT", phase: "dial", target: "qemu:///system (late:test)" });
    expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - EARLY_MS);
    expect(ms).toBeLessThanOrEqual(DEADLINE_MS + MARGIN_MS);
    await fake.waitFor(() => fake.connections.length === 1 && fake.last.closed);
    expect(fake.last.received).toEqual([]);
  });

  test("UnixDialer honours the deadline's signal: aborted before or while dialling, no socket is left", async () => {
    const before = openSockets();
    const aborted = new AbortController();
    aborted.abort();
    await expect(new UnixDialer(fake.socketPath).dial(aborted.signal)).rejects.toMatchObject({ code: "DIAL_FAILED" });
    const midway = new AbortController();
    const dialing = new UnixDialer(fake.socketPath).dial(midway.signal);
    midway.abort();
    await expect(dialing).rejects.toMatchObject({ code: "DIAL_FAILED", message: expect.stringContaining("deadline") });
    if (fake.connections.length) await fake.waitFor(() => fake.last.closed);
    expect(openedSince(before)).toEqual([]);
  });
});

describe("close() on a daemon that never answers CONNECT_CLOSE", () => {
  test("finishes within closeTimeoutMs and destroys the socket", async () => {
    fake.handleRemote(P.CONNECT_CLOSE, never);
    const client = await LibvirtClient.connect({ dialer: fake.dialer, closeTimeoutMs: DEADLINE_MS });
    const { ms } = await timed(() => client.close());
    expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - EARLY_MS);
    expect(ms).toBeLessThanOrEqual(DEADLINE_MS + MARGIN_MS);
    expect(client.closed).toBe(true);
    await fake.waitFor(() => fake.last.closed);
  });
});
