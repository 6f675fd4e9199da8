import { CallTimeoutError, ConnectionClosedError, LibvirtError, ProtocolError } from "../../../provider/libvirt/errors";
import { FRAME_MAX, KEEPALIVE_PROGRAM, KeepaliveProcedure, MessageType, REMOTE_PROGRAM, RemoteProcedure } from "../../../provider/libvirt/protocol/constants";
import { encodeFrame } from "../../../provider/libvirt/protocol/header";
import { RpcConnection } from "../../../provider/libvirt/rpc";
import { FakeLibvirtd, fail, ok, type FakeCall, type FakeConnection } from "../../fakes/libvirtd";
import { u32 } from "./fixtures";

const GET_VCPUS = RemoteProcedure.DOMAIN_GET_VCPUS_FLAGS;

let fake: FakeLibvirtd;
let rpc: RpcConnection;

beforeEach(async () => {
  fake = await FakeLibvirtd.start();
  rpc = new RpcConnection(await fake.dialer.dial());
  await fake.waitFor(() => fake.connections.length === 1);
});

afterEach(async () => {
  await rpc.close();
  await fake.stop();
});

/** A handler that holds calls until `n` have arrived, then answers them in reverse order. */
function replyInReverseAfter(n: number): (call: FakeCall, conn: FakeConnection) => { kind: "none" } {
  const held: FakeCall[] = [];
  return (call, conn) => {
    held.push(call);
    if (held.length === n) {
      for (const c of [...held].reverse()) conn.reply(c, ok((w) => void w.writeI32(c.args().readI32())));
    }
    return { kind: "none" };
  };
}

describe("RpcConnection", () => {
  test("pipelined calls resolve out of order, each with its own reply", async () => {
    fake.handleRemote(GET_VCPUS, replyInReverseAfter(3));
    const order: number[] = [];
    const calls = [10, 20, 30].map((v) =>
      rpc.call(REMOTE_PROGRAM, GET_VCPUS, u32(v)).then((p) => {
        order.push(v);
        return p.readInt32BE(0);
      }),
    );
    expect(await Promise.all(calls)).toEqual([10, 20, 30]);
    expect(order).toEqual([30, 20, 10]);
    const serials = fake.last.received.map((h) => h.serial);
    expect(new Set(serials).size).toBe(3);
  });

  test("serials start at 1 and increase", async () => {
    fake.handleRemote(GET_VCPUS, () => ok((w) => void w.writeI32(1)));
    await rpc.call(REMOTE_PROGRAM, GET_VCPUS, u32(0));
    await rpc.call(REMOTE_PROGRAM, GET_VCPUS, u32(0));
    expect(fake.last.received.map((h) => h.serial)).toEqual([1, 2]);
  });

  test("error reply keeps code, domain and message", async () => {
    fake.handleRemote(GET_VCPUS, () => fail({ code: 42, domain: 10, message: "Domain not found", str1: "Domain not found: %s" }));
    const err = await rpc.call(REMOTE_PROGRAM, GET_VCPUS, u32(0), { name: "REMOTE_PROC_DOMAIN_GET_VCPUS_FLAGS" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LibvirtError);
    expect(err).toMatchObject({ errorCode: 42, domain: 10, message: "Domain not found", str1: "Domain not found: %s", procedure: "REMOTE_PROC_DOMAIN_GET_VCPUS_FLAGS" });
  });

  test("malformed remote_error → ProtocolError, connection stays up", async () => {
    // an ERROR reply whose remote_error is only 4 bytes long
    fake.handleRemote(GET_VCPUS, (call) => ({
      kind: "raw",
      bytes: encodeFrame({ ...call.header, type: MessageType.REPLY, status: 1 }, Buffer.from([0, 0, 0, 1])),
    }));
    await expect(rpc.call(REMOTE_PROGRAM, GET_VCPUS, u32(0))).rejects.toBeInstanceOf(ProtocolError);
    expect(rpc.closed).toBe(false);
  });

  test("connection drop rejects every pending call with ConnectionClosedError", async () => {
    fake.handleRemote(GET_VCPUS, () => ({ kind: "none" }));
    const closed = new Promise<Error | undefined>((r) => rpc.onClose(r));
    const calls = [1, 2, 3].map(() => rpc.call(REMOTE_PROGRAM, GET_VCPUS, u32(0)).catch((e: unknown) => e));
    await fake.waitFor(() => fake.last.received.length === 3);
    expect(rpc.inFlight).toBe(3);
    fake.last.drop();
    for (const err of await Promise.all(calls)) expect(err).toBeInstanceOf(ConnectionClosedError);
    expect(await closed).toBeInstanceOf(ConnectionClosedError);
    expect(rpc.closed).toBe(true);
    await expect(rpc.call(REMOTE_PROGRAM, GET_VCPUS, u32(0))).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  test("server PING is answered with PONG, also while calls are pending", async () => {
    fake.handleRemote(GET_VCPUS, () => ({ kind: "none" }));
    const pending = rpc.call(REMOTE_PROGRAM, GET_VCPUS, u32(0), { timeoutMs: 5000 }).catch(() => undefined);
    fake.last.ping();
    fake.last.ping();
    await fake.waitFor(() => fake.last.pongs === 2);
    const pong = fake.last.received.find((h) => h.prog === KEEPALIVE_PROGRAM);
    expect(pong).toMatchObject({ proc: KeepaliveProcedure.PONG, type: MessageType.MESSAGE, serial: 0, status: 0, length: 28 });
    expect(rpc.stats.pingsAnswered).toBe(2);
    await rpc.close();
    await pending;
  });

  test("our PING resolves on the server's PONG", async () => {
    await rpc.ping(1000);
  });

  test("our PING times out if no PONG comes", async () => {
    fake.answerPings = false;
    await expect(rpc.ping(30)).rejects.toBeInstanceOf(CallTimeoutError);
  });

  test("reply with an unknown serial is dropped; the connection keeps working", async () => {
    fake.handleRemote(GET_VCPUS, (call, conn) => {
      conn.reply({ ...call, header: { ...call.header, serial: 999 } }, ok((w) => void w.writeI32(-1)));
      return ok((w) => void w.writeI32(7));
    });
    const p = await rpc.call(REMOTE_PROGRAM, GET_VCPUS, u32(0));
    expect(p.readInt32BE(0)).toBe(7);
    expect(rpc.stats.unmatchedReplies).toBe(1);
  });

  test("reply with the right serial but another program is not matched", async () => {
    fake.handleRemote(GET_VCPUS, (call, conn) => {
      conn.reply({ ...call, header: { ...call.header, prog: KEEPALIVE_PROGRAM + 1 } }, ok());
      return ok((w) => void w.writeI32(3));
    });
    expect((await rpc.call(REMOTE_PROGRAM, GET_VCPUS, u32(0))).readInt32BE(0)).toBe(3);
    expect(rpc.stats.unmatchedReplies).toBe(1);
  });

  test("garbage frame (length word 3) fails the connection with a ProtocolError cause", async () => {
    fake.handleRemote(GET_VCPUS, () => ({ kind: "raw", bytes: Buffer.from([0, 0, 0, 3, 0xde, 0xad]) }));
    const closed = new Promise<Error | undefined>((r) => rpc.onClose(r));
    const err = await rpc.call(REMOTE_PROGRAM, GET_VCPUS, u32(0)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionClosedError);
    const reason = await closed;
    expect(reason).toBeInstanceOf(ConnectionClosedError);
    expect((reason as Error).cause).toBeInstanceOf(ProtocolError);
    expect(rpc.closed).toBe(true);
  });

  test("oversize frame (4 + 32 MiB + 1) fails the connection", async () => {
    fake.handleRemote(GET_VCPUS, () => ({ kind: "raw", bytes: u32(4 + 32 * 1024 * 1024 + 1) }));
    await expect(rpc.call(REMOTE_PROGRAM, GET_VCPUS, u32(0))).rejects.toMatchObject({
      code: "CONNECTION_CLOSED",
      cause: { cause: expect.any(ProtocolError) },
    });
  });

  test("the largest legal frame (exactly 4 + 32 MiB) is accepted", async () => {
    fake.handleRemote(GET_VCPUS, () => ({ kind: "ok", payload: Buffer.alloc(FRAME_MAX - 28, 7) }));
    const payload = await rpc.call(REMOTE_PROGRAM, GET_VCPUS, u32(0));
    expect(payload.length).toBe(FRAME_MAX - 28);
    expect(rpc.closed).toBe(false);
  });

  test("an outgoing payload above the limit is refused before it is sent", async () => {
    await expect(rpc.call(REMOTE_PROGRAM, GET_VCPUS, Buffer.alloc(FRAME_MAX))).rejects.toBeInstanceOf(ProtocolError);
    expect(rpc.inFlight).toBe(0);
    expect(rpc.closed).toBe(false);
  });

  test("replies written one byte at a time still decode", async () => {
    fake.splitWrites = 1;
    fake.handleRemote(GET_VCPUS, () => ok((w) => void w.writeI32(4)));
    const results = await Promise.all([1, 2, 3].map(() => rpc.call(REMOTE_PROGRAM, GET_VCPUS, u32(0))));
    expect(results.map((b) => b.readInt32BE(0))).toEqual([4, 4, 4]);
  });

  test("event MESSAGEs go to message listeners, not to calls", async () => {
    const got = new Promise<[number, Buffer]>((r) => rpc.onMessage((h, p) => r([h.proc, p])));
    fake.last.event(REMOTE_PROGRAM, 318, u32(42));
    const [proc, payload] = await got;
    expect(proc).toBe(318);
    expect([...payload]).toEqual([0, 0, 0, 42]);
  });

  test("a throwing message listener does not break the connection", async () => {
    const errors: unknown[] = [];
    const rpc2 = new RpcConnection(await fake.dialer.dial(), { onListenerError: (e) => errors.push(e) });
    await fake.waitFor(() => fake.connections.length === 2);
    fake.handleRemote(GET_VCPUS, () => ok((w) => void w.writeI32(1)));
    rpc2.onMessage(() => {
      throw new Error("listener bug");
    });
    fake.last.event(REMOTE_PROGRAM, 318, u32(0));
    expect((await rpc2.call(REMOTE_PROGRAM, GET_VCPUS, u32(0))).readInt32BE(0)).toBe(1);
    expect(errors).toEqual([new Error("listener bug")]);
    await rpc2.close();
  });

  test("call timeout rejects with CallTimeoutError; a late reply is dropped", async () => {
    let held: { call: FakeCall; conn: FakeConnection } | undefined;
    fake.handleRemote(GET_VCPUS, (call, conn) => {
      held = { call, conn };
      return { kind: "none" };
    });
    const err = await rpc.call(REMOTE_PROGRAM, GET_VCPUS, u32(0), { timeoutMs: 30, name: "REMOTE_PROC_DOMAIN_GET_VCPUS_FLAGS" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallTimeoutError);
    expect(err).toMatchObject({ code: "CALL_TIMEOUT", procedure: "REMOTE_PROC_DOMAIN_GET_VCPUS_FLAGS", timeoutMs: 30 });
    expect(rpc.inFlight).toBe(0);
    held?.conn.reply(held.call, ok((w) => void w.writeI32(1)));
    fake.handleRemote(GET_VCPUS, () => ok((w) => void w.writeI32(2)));
    expect((await rpc.call(REMOTE_PROGRAM, GET_VCPUS, u32(0))).readInt32BE(0)).toBe(2);
    expect(rpc.stats.unmatchedReplies).toBe(1);
  });

  test("default timeout from RpcOptions", async () => {
    const rpc2 = new RpcConnection(await fake.dialer.dial(), { callTimeoutMs: 20 });
    fake.handleRemote(GET_VCPUS, () => ({ kind: "none" }));
    await expect(rpc2.call(REMOTE_PROGRAM, GET_VCPUS, u32(0))).rejects.toBeInstanceOf(CallTimeoutError);
    await rpc2.close();
  });

  test("close() rejects pending calls, reports no error, and is idempotent", async () => {
    fake.handleRemote(GET_VCPUS, () => ({ kind: "none" }));
    const reasons: Array<Error | undefined> = [];
    rpc.onClose((e) => reasons.push(e));
    const pending = rpc.call(REMOTE_PROGRAM, GET_VCPUS, u32(0)).catch((e: unknown) => e);
    await fake.waitFor(() => fake.last.received.length === 1);
    await Promise.all([rpc.close(), rpc.close()]);
    expect(await pending).toBeInstanceOf(ConnectionClosedError);
    expect(reasons).toEqual([undefined]);
  });
});
