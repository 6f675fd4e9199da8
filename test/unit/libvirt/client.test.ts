import { LibvirtClient } from "../../../provider/libvirt/client";
import { DRV_FEATURE_PROGRAM_KEEPALIVE, VCPU_LIVE } from "../../../provider/libvirt/constants";
import {
  AuthFailedError,
  AuthUnsupportedError,
  ConnectionClosedError,
  LibvirtError,
  ProtocolError,
  isAgentNotConfigured,
  isNoDomain,
  isOperationTimeout,
} from "../../../provider/libvirt/errors";
import { AuthType, QEMU_PROGRAM, QemuProcedure, REMOTE_PROGRAM, RemoteProcedure as P } from "../../../provider/libvirt/protocol/constants";
import type { DomainEvent, MonitorEvent } from "../../../provider/libvirt/protocol/events";
import { readNonnullDomain, readRemoteString, writeTypedParam, TypedParamType } from "../../../provider/libvirt/protocol/types";
import { FakeLibvirtd, fail, ok } from "../../fakes/libvirtd";
import { DOM, DOM_BYTES, bytes, u32, xstr } from "./fixtures";

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

async function connect(opts: Parameters<typeof LibvirtClient.connect>[0] = {}): Promise<LibvirtClient> {
  client = await LibvirtClient.connect({ dialer: fake.dialer, ...opts });
  return client;
}

const procsSeen = (): number[] => fake.last.received.filter((h) => h.prog === REMOTE_PROGRAM).map((h) => h.proc);

describe("LibvirtClient.connect", () => {
  test("AUTH_LIST → CONNECT_OPEN(name, 0); no SUPPORTS_FEATURE without keepalive", async () => {
    let openArgs: { name: string | null; flags: number } | undefined;
    fake.handleRemote(P.CONNECT_OPEN, (call) => {
      const r = call.args();
      openArgs = { name: readRemoteString(r), flags: r.readU32() };
      return ok();
    });
    await connect({ uri: "qemu+unix:///system?socket=/elsewhere" });
    expect(procsSeen()).toEqual([P.AUTH_LIST, P.CONNECT_OPEN]);
    expect(openArgs).toEqual({ name: "qemu:///system", flags: 0 });
  });

  test("keepalive asks CONNECT_SUPPORTS_FEATURE(PROGRAM_KEEPALIVE) and answers PINGs", async () => {
    let feature: number | undefined;
    fake.handleRemote(P.CONNECT_SUPPORTS_FEATURE, (call) => {
      feature = call.args().readI32();
      return ok((w) => void w.writeI32(1));
    });
    const c = await connect({ keepalive: true });
    expect(procsSeen()).toEqual([P.AUTH_LIST, P.CONNECT_OPEN, P.CONNECT_SUPPORTS_FEATURE]);
    expect(feature).toBe(DRV_FEATURE_PROGRAM_KEEPALIVE);
    fake.last.ping();
    await fake.waitFor(() => fake.last.pongs === 1);
    expect(c.stats.pingsAnswered).toBe(1);
  });

  test("read-only open sends VIR_CONNECT_RO", async () => {
    let flags: number | undefined;
    fake.handleRemote(P.CONNECT_OPEN, (call) => {
      const r = call.args();
      readRemoteString(r);
      flags = r.readU32();
      return ok();
    });
    await connect({ readOnly: true });
    expect(flags).toBe(1);
  });

  const authList = (...types: number[]) => () => ok((w) => void w.writeArray(types, (ww, t) => void ww.writeI32(t)));

  test("POLKIT → AUTH_POLKIT before CONNECT_OPEN", async () => {
    fake.handleRemote(P.AUTH_LIST, authList(AuthType.POLKIT));
    fake.handleRemote(P.AUTH_POLKIT, () => ok((w) => void w.writeI32(1)));
    await connect();
    expect(procsSeen()).toEqual([P.AUTH_LIST, P.AUTH_POLKIT, P.CONNECT_OPEN]);
  });

  test("POLKIT incomplete → ConnectError(auth) with the AuthFailedError as cause; the socket is closed", async () => {
    fake.handleRemote(P.AUTH_LIST, authList(AuthType.POLKIT));
    fake.handleRemote(P.AUTH_POLKIT, () => ok((w) => void w.writeI32(0)));
    const err = await connect().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "CONNECT_FAILED", phase: "auth" });
    expect((err as Error).cause).toBeInstanceOf(AuthFailedError);
    await fake.waitFor(() => fake.last.closed);
  });

  test("POLKIT refused by the daemon keeps the LibvirtError as cause", async () => {
    fake.handleRemote(P.AUTH_LIST, authList(AuthType.POLKIT));
    fake.handleRemote(P.AUTH_POLKIT, () => fail({ code: 1, domain: 47, message: "Unable to get system bus connection" }));
    const err = await connect().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "CONNECT_FAILED", phase: "auth", cause: { code: "LIBVIRT_ERROR", errorCode: 1, domain: 47 } });
  });

  test("SASL only → ConnectError(auth) with the AuthUnsupportedError as cause", async () => {
    fake.handleRemote(P.AUTH_LIST, authList(AuthType.SASL));
    const err = await connect().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "CONNECT_FAILED", phase: "auth" });
    expect((err as Error).cause).toBeInstanceOf(AuthUnsupportedError);
    expect((err as Error).cause).toMatchObject({ code: "AUTH_UNSUPPORTED", offered: [AuthType.SASL] });
    expect((err as Error).message).toMatch(/asks for authentication \[sasl\]: SASL authentication is not supported by this client/);
    expect((err as Error).message).toMatch(/set auth_tcp = "none" in libvirtd.conf .* or use qemu\+tls:\/\/ .* or qemu\+ssh:\/\//);
    expect(procsSeen()).toEqual([P.AUTH_LIST]);
  });

  test("CONNECT_OPEN error → ConnectError(open) with the LibvirtError as cause", async () => {
    fake.handleRemote(P.CONNECT_OPEN, () => fail({ code: 38, domain: 7, message: "no connection driver available" }));
    const err = await connect().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "CONNECT_FAILED", phase: "open", message: expect.stringContaining("no connection driver available") });
    expect((err as Error).cause).toBeInstanceOf(LibvirtError);
  });

  test("a custom dialer bypasses URI transport checks (the ssh/tls seam)", async () => {
    await connect({ uri: "qemu+ssh://root@host/system" });
    expect(procsSeen()).toEqual([P.AUTH_LIST, P.CONNECT_OPEN]);
  });
});

describe("typed methods", () => {
  const hyper = (v: bigint) => ok((w) => void w.writeUHyper(v));

  test("versions and hostname", async () => {
    fake.handleRemote(P.CONNECT_GET_LIB_VERSION, () => hyper(9000000n));
    fake.handleRemote(P.CONNECT_GET_VERSION, () => hyper(7002022n));
    fake.handleRemote(P.CONNECT_GET_HOSTNAME, () => ok((w) => void w.writeString("vm")));
    const c = await connect();
    expect(await c.connectGetLibVersion()).toBe("9.0.0");
    expect(await c.connectGetVersion()).toBe("7.2.22");
    expect(await c.connectGetHostname()).toBe("vm");
  });

  test("lookup echoes the domain; missing domain → isNoDomain", async () => {
    fake.handleRemote(P.DOMAIN_LOOKUP_BY_NAME, (call) =>
      call.args().readString() === DOM.name ? { kind: "ok", payload: DOM_BYTES } : fail({ code: 42, domain: 10, message: "Domain not found" }),
    );
    const c = await connect();
    expect(await c.domainLookupByName(DOM.name)).toEqual(DOM);
    const err = await c.domainLookupByName("nope").catch((e: unknown) => e);
    expect(isNoDomain(err)).toBe(true);
  });

  test("lookup by uuid sends 16 raw bytes", async () => {
    let sent: Buffer | undefined;
    fake.handleRemote(P.DOMAIN_LOOKUP_BY_UUID, (call) => {
      sent = call.payload;
      return { kind: "ok", payload: DOM_BYTES };
    });
    const c = await connect();
    expect(await c.domainLookupByUuid(DOM.uuid.toUpperCase())).toEqual(DOM);
    expect(sent).toEqual(DOM_BYTES.subarray(24, 40));
  });

  test("GET_VCPUS_FLAGS sends dom + flags and returns the count", async () => {
    let args: unknown;
    fake.handleRemote(P.DOMAIN_GET_VCPUS_FLAGS, (call) => {
      const r = call.args();
      args = { dom: readNonnullDomain(r), flags: r.readU32() };
      return ok((w) => void w.writeI32(3));
    });
    const c = await connect();
    expect(await c.domainGetVcpusFlags(DOM, VCPU_LIVE)).toBe(3);
    expect(args).toEqual({ dom: DOM, flags: VCPU_LIVE });
  });

  test("IS_ACTIVE / IS_PERSISTENT map the int to a boolean", async () => {
    fake.handleRemote(P.DOMAIN_IS_ACTIVE, () => ok((w) => void w.writeI32(0)));
    fake.handleRemote(P.DOMAIN_IS_PERSISTENT, () => ok((w) => void w.writeI32(1)));
    const c = await connect();
    expect(await c.domainIsActive(DOM)).toBe(false);
    expect(await c.domainIsPersistent(DOM)).toBe(true);
  });

  test("GET_INFO", async () => {
    fake.handleRemote(P.DOMAIN_GET_INFO, () => ({
      kind: "ok",
      payload: bytes(u32(1), u32(0), u32(131072), u32(0), u32(65536), u32(4), u32(0), u32(1000)),
    }));
    const c = await connect();
    expect(await c.domainGetInfo(DOM)).toEqual({ state: 1, maxMemKiB: 131072n, memoryKiB: 65536n, nrVirtCpu: 4, cpuTimeNs: 1000n });
  });

  test("LIST_ALL_DOMAINS returns the domains", async () => {
    fake.handleRemote(P.CONNECT_LIST_ALL_DOMAINS, () => ({ kind: "ok", payload: bytes(u32(1), DOM_BYTES, u32(1)) }));
    const c = await connect();
    expect(await c.connectListAllDomains(1)).toEqual([DOM]);
  });

  test("GET_GUEST_VCPUS parses the three lists", async () => {
    fake.handleRemote(P.DOMAIN_GET_GUEST_VCPUS, () =>
      ok((w) =>
        void w.writeArray(
          [
            { field: "vcpus", type: TypedParamType.STRING, value: "0-2,4" },
            { field: "online", type: TypedParamType.STRING, value: "0" },
            { field: "offlinable", type: TypedParamType.STRING, value: "" },
          ] as const,
          (ww, p) => writeTypedParam(ww, p),
        ),
      ),
    );
    const c = await connect();
    expect(await c.domainGetGuestVcpus(DOM)).toEqual({ vcpus: [0, 1, 2, 4], online: [0], offlinable: [] });
  });

  test("agent not configured (74) → isAgentNotConfigured", async () => {
    fake.handleRemote(P.DOMAIN_GET_GUEST_VCPUS, () => fail({ code: 74, domain: 10, message: "argument unsupported: QEMU guest agent is not configured" }));
    fake.handle(QEMU_PROGRAM, QemuProcedure.DOMAIN_AGENT_COMMAND, () => fail({ code: 74, domain: 10, message: "QEMU guest agent is not configured" }));
    const c = await connect();
    expect(isAgentNotConfigured(await c.domainGetGuestVcpus(DOM).catch((e: unknown) => e))).toBe(true);
    expect(isAgentNotConfigured(await c.qemuDomainAgentCommand(DOM, "{}", -1, 0).catch((e: unknown) => e))).toBe(true);
  });

  test("QEMU monitor command round trip", async () => {
    let cmd: string | undefined;
    fake.handle(QEMU_PROGRAM, QemuProcedure.DOMAIN_MONITOR_COMMAND, (call) => {
      const r = call.args();
      readNonnullDomain(r);
      cmd = r.readString();
      return ok((w) => void w.writeString('{"return":[]}'));
    });
    const c = await connect();
    expect(await c.qemuDomainMonitorCommand(DOM, '{"execute":"query-hotpluggable-cpus"}', 0)).toBe('{"return":[]}');
    expect(cmd).toBe('{"execute":"query-hotpluggable-cpus"}');
  });

  test("malformed ret → ProtocolError with the XdrError as cause", async () => {
    fake.handleRemote(P.DOMAIN_GET_VCPUS_FLAGS, () => ({ kind: "ok", payload: Buffer.from([0, 0]) }));
    const c = await connect();
    const err = await c.domainGetVcpusFlags(DOM, 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as Error).cause).toMatchObject({ code: "XDR_ERROR" });
  });

  test("callTimeoutMs applies to typed calls", async () => {
    fake.handleRemote(P.DOMAIN_GET_STATE, () => ({ kind: "none" }));
    const c = await connect({ callTimeoutMs: 30 });
    await expect(c.domainGetState(DOM)).rejects.toMatchObject({ code: "CALL_TIMEOUT", procedure: "REMOTE_PROC_DOMAIN_GET_STATE" });
    expect(c.closed).toBe(false);
  });
});

describe("recorded vCPU unplug outcomes (DOMAIN_SET_VCPU)", () => {
  test("unplug OK", async () => {
    let sent: unknown;
    fake.handleRemote(P.DOMAIN_SET_VCPU, (call) => {
      const r = call.args();
      sent = { dom: readNonnullDomain(r), cpumap: r.readString(), state: r.readI32(), flags: r.readU32() };
      return ok();
    });
    const c = await connect();
    await expect(c.domainSetVcpu(DOM, "2", false, VCPU_LIVE)).resolves.toBeUndefined();
    expect(sent).toEqual({ dom: DOM, cpumap: "2", state: 0, flags: VCPU_LIVE });
  });

  test("unplug timed out (68, VIR_FROM_QEMU) → isOperationTimeout", async () => {
    const message = "Timed out during operation: vcpu unplug request timed out. Unplug result must be manually inspected in the domain";
    fake.handleRemote(P.DOMAIN_SET_VCPU, () =>
      fail({
        code: 68, // VIR_ERR_OPERATION_TIMEOUT
        domain: 10, // VIR_FROM_QEMU
        message,
        level: 2,
        str1: "Timed out during operation: %s",
        str2: "vcpu unplug request timed out. Unplug result must be manually inspected in the domain",
      }),
    );
    const c = await connect();
    const err = await c.domainSetVcpu(DOM, "2", false, VCPU_LIVE).catch((e: unknown) => e);
    expect(isOperationTimeout(err)).toBe(true);
    expect(err).toMatchObject({ code: "LIBVIRT_ERROR", errorCode: 68, domain: 10, message, procedure: "REMOTE_PROC_DOMAIN_SET_VCPU" });
  });
});

describe("events", () => {
  test("lifecycle and device events reach domainEvent listeners", async () => {
    const c = await connect();
    const got: DomainEvent[] = [];
    c.on("domainEvent", (e) => got.push(e));
    fake.last.event(REMOTE_PROGRAM, P.DOMAIN_EVENT_CALLBACK_LIFECYCLE, bytes(u32(1), DOM_BYTES, u32(5), u32(1)));
    fake.last.event(REMOTE_PROGRAM, P.DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED, bytes(u32(2), DOM_BYTES, xstr("vcpu2")));
    fake.last.event(REMOTE_PROGRAM, P.DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE, bytes(u32(3), DOM_BYTES, u32(1), u32(2)));
    await c.ping(1000); // a round trip after the events: they have been processed
    expect(got).toEqual([
      { kind: "lifecycle", callbackId: 1, dom: DOM, event: 5, detail: 1 },
      { kind: "deviceRemoved", callbackId: 2, dom: DOM, devAlias: "vcpu2" },
      { kind: "agentLifecycle", callbackId: 3, dom: DOM, state: 1, reason: 2 },
    ]);
  });

  test("QEMU monitor events reach monitorEvent listeners", async () => {
    const c = await connect();
    const got = new Promise<MonitorEvent>((r) => c.on("monitorEvent", r));
    fake.last.event(QEMU_PROGRAM, QemuProcedure.DOMAIN_MONITOR_EVENT, bytes(u32(4), DOM_BYTES, xstr("DEVICE_DELETED"), u32(0), u32(9), u32(10), u32(0)));
    expect(await got).toEqual({ callbackId: 4, dom: DOM, event: "DEVICE_DELETED", seconds: 9n, micros: 10, details: null });
  });

  test("malformed event → protocolError event, connection stays up", async () => {
    const c = await connect();
    const got = new Promise<ProtocolError>((r) => c.on("protocolError", r));
    fake.last.event(REMOTE_PROGRAM, P.DOMAIN_EVENT_CALLBACK_LIFECYCLE, u32(1));
    expect(await got).toBeInstanceOf(ProtocolError);
    await c.ping(1000);
  });

  test("register / deregister callbacks", async () => {
    let registerArgs: unknown;
    fake.handleRemote(P.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, (call) => {
      const r = call.args();
      registerArgs = { eventId: r.readI32(), dom: r.readOptional(readNonnullDomain) };
      return ok((w) => void w.writeI32(9));
    });
    fake.handleRemote(P.CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY, (call) => (call.args().readI32() === 9 ? ok() : fail({ code: 8 })));
    const c = await connect();
    expect(await c.domainEventCallbackRegisterAny(0, null)).toBe(9);
    expect(registerArgs).toEqual({ eventId: 0, dom: null });
    await c.domainEventCallbackDeregisterAny(9);
  });

  test("off() removes a listener", async () => {
    const c = await connect();
    const got: DomainEvent[] = [];
    const l = (e: DomainEvent): void => void got.push(e);
    c.on("domainEvent", l).off("domainEvent", l);
    fake.last.event(REMOTE_PROGRAM, P.DOMAIN_EVENT_CALLBACK_LIFECYCLE, bytes(u32(1), DOM_BYTES, u32(5), u32(1)));
    await c.ping(1000);
    expect(got).toEqual([]);
  });
});

describe("close", () => {
  test("sends CONNECT_CLOSE, emits close without error, idempotent", async () => {
    const c = await connect();
    const reasons: Array<Error | undefined> = [];
    c.on("close", (e) => reasons.push(e));
    await Promise.all([c.close(), c.close()]);
    await c.close();
    expect(procsSeen()).toEqual([P.AUTH_LIST, P.CONNECT_OPEN, P.CONNECT_CLOSE]);
    expect(reasons).toEqual([undefined]);
    expect(c.closed).toBe(true);
    await expect(c.connectGetHostname()).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  test("close() does not hang when CONNECT_CLOSE is never answered", async () => {
    fake.handleRemote(P.CONNECT_CLOSE, () => ({ kind: "none" }));
    const c = await connect();
    const started = Date.now();
    await c.close();
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test("server drop emits close with ConnectionClosedError and rejects pending calls", async () => {
    fake.handleRemote(P.DOMAIN_SET_VCPUS_FLAGS, () => ({ kind: "none" }));
    const c = await connect();
    const closed = new Promise<Error | undefined>((r) => c.on("close", r));
    const pending = c.domainSetVcpusFlags(DOM, 2, VCPU_LIVE).catch((e: unknown) => e);
    await fake.waitFor(() => procsSeen().includes(P.DOMAIN_SET_VCPUS_FLAGS));
    fake.last.drop();
    expect(await pending).toBeInstanceOf(ConnectionClosedError);
    expect(await closed).toBeInstanceOf(ConnectionClosedError);
    await c.close(); // still fine after a drop
  });
});
