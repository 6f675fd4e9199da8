/**
 * LibvirtClient against the REAL libvirtd on this machine (/run/libvirt/libvirt-sock, as
 * root). Defines a tiny firmware-only TCG domain (no disk, 64 MiB, 1 of 4 vCPUs), exercises
 * the vCPU-hotplug API, and always destroys + undefines it. Fails (never skips) when
 * libvirtd is unreachable. No sleeps: events are awaited, state is polled with a deadline.
 */
import {
  CONNECT_LIST_DOMAINS_ACTIVE,
  DEFINE_VALIDATE,
  EVENT_ID_LIFECYCLE,
  EVENT_STARTED,
  EVENT_STOPPED,
  EVENT_STOPPED_DESTROYED,
  EVENT_UNDEFINED,
  LibvirtClient,
  PAUSED,
  RUNNING,
  SHUTDOWN_ACPI_POWER_BTN,
  START_PAUSED,
  VCPU_CONFIG,
  VCPU_GUEST,
  VCPU_LIVE,
  VCPU_MAXIMUM,
  XML_INACTIVE,
  isAgentNotConfigured,
  isInvalidArg,
  isNoDomain,
  isOperationInvalid,
  type DomainEvent,
  type DomainRef,
  type MonitorEvent,
} from "../../provider/libvirt";

const SOCKET = "/run/libvirt/libvirt-sock";
jest.setTimeout(120000); // TCG domain start/destroy and a 5 s keepalive interval
const NAME = `lvrpc-it-${process.pid}-${Date.now().toString(36)}`;
const XML = `<domain type='qemu'>
  <name>${NAME}</name>
  <memory unit='MiB'>64</memory>
  <vcpu placement='static' current='1'>4</vcpu>
  <features><acpi/><apic/></features>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <cpu mode='custom' match='exact' check='none'>
    <model fallback='forbid'>qemu64</model>
    <topology sockets='1' dies='1' cores='4' threads='1'/>
  </cpu>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>`;

let client: LibvirtClient;
let dom: DomainRef;
const domainEvents: DomainEvent[] = [];
const monitorEvents: MonitorEvent[] = [];

/** Polls `probe` until it returns a value or the deadline passes. */
async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, deadlineMs = 15000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10)); // poll interval, not a fixed wait
  }
}

/** Waits for a domain event matching `pred` (already received or future). */
function domainEvent(what: string, pred: (e: DomainEvent) => boolean): Promise<DomainEvent> {
  return until(what, () => domainEvents.find(pred));
}

async function connectOrExplain(): Promise<LibvirtClient> {
  try {
    return await LibvirtClient.connect({ uri: "qemu:///system", keepalive: true, callTimeoutMs: 60000 });
  } catch (err) {
    throw new Error(
      `libvirtd is not reachable at ${SOCKET}: start it with ` +
        "`mkdir -p /var/log/libvirt; virtlogd -d; libvirtd -d` (as root) and rerun. Cause: " +
        (err as Error).message,
      { cause: err },
    );
  }
}

beforeAll(async () => {
  client = await connectOrExplain();
  client.on("domainEvent", (e) => domainEvents.push(e));
  client.on("monitorEvent", (e) => monitorEvents.push(e));
  dom = await client.domainDefineXmlFlags(XML, DEFINE_VALIDATE);
});

afterAll(async () => {
  if (!client) return;
  const d = dom ? await client.domainLookupByName(NAME).catch(() => undefined) : undefined;
  if (d) {
    await client.domainDestroy(d).catch((e: unknown) => {
      if (!isOperationInvalid(e)) throw e;
    });
    await client.domainUndefineFlags(d, 0);
  }
  await client.close();
});

describe("real libvirtd", () => {
  let lifecycleCb: number;

  test("connection facts: versions, hostname, keepalive PONG", async () => {
    expect(await client.connectGetLibVersion()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(await client.connectGetVersion()).toMatch(/^\d+\.\d+\.\d+$/);
    expect((await client.connectGetHostname()).length).toBeGreaterThan(0);
    await client.ping(5000);
  });

  test("defined domain is inactive (id -1) and starts", async () => {
    expect(dom).toMatchObject({ name: NAME, id: -1 });
    expect(dom.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    lifecycleCb = await client.domainEventCallbackRegisterAny(EVENT_ID_LIFECYCLE, dom);
    await client.domainCreate(dom);
    await domainEvent("STARTED", (e) => e.kind === "lifecycle" && e.callbackId === lifecycleCb && e.event === EVENT_STARTED);
    dom = await client.domainLookupByName(NAME);
    expect(dom.id).toBeGreaterThan(0);
  });

  test("lookup by name and by uuid agree; listed as active", async () => {
    expect(await client.domainLookupByUuid(dom.uuid)).toEqual(dom);
    expect(await client.domainLookupByUuid(dom.uuid.replace(/-/g, "").toUpperCase())).toEqual(dom);
    expect((await client.connectListAllDomains(CONNECT_LIST_DOMAINS_ACTIVE)).map((d) => d.uuid)).toContain(dom.uuid);
  });

  test("state and info", async () => {
    expect((await client.domainGetState(dom)).state).toBe(RUNNING);
    expect(await client.domainIsActive(dom)).toBe(true);
    expect(await client.domainIsPersistent(dom)).toBe(true);
    const info = await client.domainGetInfo(dom);
    expect(info).toMatchObject({ state: RUNNING, maxMemKiB: 65536n, nrVirtCpu: 1 });
    expect(typeof info.cpuTimeNs).toBe("bigint");
  });

  test("live and INACTIVE XML", async () => {
    const live = await client.domainGetXmlDesc(dom, 0);
    expect(live).toContain(`<name>${NAME}</name>`);
    expect(live).toMatch(/<vcpu placement='static' current='1'>4<\/vcpu>/);
    expect(live).toMatch(/<domain type='qemu' id='\d+'/);
    const inactive = await client.domainGetXmlDesc(dom, XML_INACTIVE);
    expect(inactive).toMatch(/<domain type='qemu'>/); // no runtime id in the persistent definition
  });

  test("vCPU counts: live 1, maximum 4; LIVE|CONFIG is an invalid argument", async () => {
    expect(await client.domainGetVcpusFlags(dom, VCPU_LIVE)).toBe(1);
    expect(await client.domainGetVcpusFlags(dom, VCPU_CONFIG)).toBe(1);
    expect(await client.domainGetVcpusFlags(dom, VCPU_LIVE | VCPU_MAXIMUM)).toBe(4);
    expect(await client.domainGetVcpusFlags(dom, VCPU_CONFIG | VCPU_MAXIMUM)).toBe(4);
    expect(await client.domainGetMaxVcpus(dom)).toBe(4);
    expect(isInvalidArg(await client.domainGetVcpusFlags(dom, VCPU_LIVE | VCPU_CONFIG).catch((e: unknown) => e))).toBe(true);
  });

  test("hot-add 1 → 3 with SET_VCPUS_FLAGS(LIVE); config unchanged", async () => {
    await client.domainSetVcpusFlags(dom, 3, VCPU_LIVE);
    expect(await client.domainGetVcpusFlags(dom, VCPU_LIVE)).toBe(3);
    expect(await client.domainGetVcpusFlags(dom, VCPU_CONFIG)).toBe(1);
    expect((await client.domainGetInfo(dom)).nrVirtCpu).toBe(3);
  });

  test("SET_VCPU enables a single vCPU id", async () => {
    await client.domainSetVcpu(dom, "3", true, VCPU_LIVE);
    expect(await client.domainGetVcpusFlags(dom, VCPU_LIVE)).toBe(4);
    expect(await client.domainGetXmlDesc(dom, 0)).toMatch(/<vcpu id='3' enabled='yes' hotpluggable='yes'/);
  });

  test("QEMU monitor command query-hotpluggable-cpus", async () => {
    const reply = JSON.parse(await client.qemuDomainMonitorCommand(dom, '{"execute":"query-hotpluggable-cpus"}', 0)) as {
      return: Array<{ "qom-path"?: string; props: { "core-id": number } }>;
    };
    expect(reply.return).toHaveLength(4);
    expect(reply.return.filter((c) => c["qom-path"] !== undefined)).toHaveLength(4);
  });

  test("QEMU monitor events: register, receive STOP/RESUME, deregister", async () => {
    const cb = await client.qemuConnectDomainMonitorEventRegister(dom, null, 0);
    await client.qemuDomainMonitorCommand(dom, '{"execute":"stop"}', 0);
    await until("STOP", () => monitorEvents.find((e) => e.callbackId === cb && e.event === "STOP"));
    await until("libvirt to see PAUSED", async () => ((await client.domainGetState(dom)).state === PAUSED ? true : undefined));
    await client.qemuDomainMonitorCommand(dom, '{"execute":"cont"}', 0);
    const resume = await until("RESUME", () => monitorEvents.find((e) => e.callbackId === cb && e.event === "RESUME"));
    expect(resume.dom.uuid).toBe(dom.uuid);
    expect(typeof resume.seconds).toBe("bigint");
    await client.qemuConnectDomainMonitorEventDeregister(cb);
    await until("libvirt to see RUNNING", async () => ((await client.domainGetState(dom)).state === RUNNING ? true : undefined));
  });

  test("guest-agent calls fail with 74 (no agent channel) → isAgentNotConfigured", async () => {
    const failures = await Promise.all([
      client.domainGetGuestVcpus(dom).catch((e: unknown) => e),
      client.domainSetGuestVcpus(dom, "1", true).catch((e: unknown) => e),
      client.domainGetVcpusFlags(dom, VCPU_GUEST).catch((e: unknown) => e),
      client.qemuDomainAgentCommand(dom, '{"execute":"guest-ping"}', 5, 0).catch((e: unknown) => e),
    ]);
    for (const err of failures) {
      expect(err).toMatchObject({ code: "LIBVIRT_ERROR", errorCode: 74 });
      expect(isAgentNotConfigured(err)).toBe(true);
    }
  });

  test("missing domain → isNoDomain", async () => {
    const err = await client.domainLookupByName(`${NAME}-missing`).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "LIBVIRT_ERROR", errorCode: 42 });
    expect(isNoDomain(err)).toBe(true);
  });

  test("pipelined calls all resolve", async () => {
    const counts = await Promise.all(Array.from({ length: 50 }, () => client.domainGetVcpusFlags(dom, VCPU_LIVE)));
    expect(new Set(counts)).toEqual(new Set([4]));
  });

  test("server keepalive PING is answered (after CONNECT_SUPPORTS_FEATURE)", async () => {
    await until("a server PING", () => (client.stats.pingsAnswered > 0 ? true : undefined), 20000);
    expect(client.closed).toBe(false);
  });

  test("ACPI shutdown request is accepted", async () => {
    await client.domainShutdownFlags(dom, SHUTDOWN_ACPI_POWER_BTN);
  });

  test("destroy emits lifecycle STOPPED/DESTROYED", async () => {
    await client.domainDestroy(dom);
    await domainEvent("STOPPED/DESTROYED", (e) =>
      e.kind === "lifecycle" && e.callbackId === lifecycleCb && e.event === EVENT_STOPPED && e.detail === EVENT_STOPPED_DESTROYED,
    );
    expect((await client.domainLookupByName(NAME)).id).toBe(-1);
  });

  test("CREATE_WITH_FLAGS(START_PAUSED) returns the running domain", async () => {
    const started = await client.domainCreateWithFlags(dom, START_PAUSED);
    expect(started.id).toBeGreaterThan(0);
    expect((await client.domainGetState(started)).state).toBe(PAUSED);
    expect(await client.domainGetVcpusFlags(started, VCPU_LIVE)).toBe(1);
    await client.domainDestroy(started);
  });

  test("undefine emits lifecycle UNDEFINED; then the name is gone", async () => {
    await client.domainUndefineFlags(dom, 0);
    await domainEvent("UNDEFINED", (e) => e.kind === "lifecycle" && e.callbackId === lifecycleCb && e.event === EVENT_UNDEFINED);
    await client.domainEventCallbackDeregisterAny(lifecycleCb);
    expect(isNoDomain(await client.domainLookupByName(NAME).catch((e: unknown) => e))).toBe(true);
  });
});
