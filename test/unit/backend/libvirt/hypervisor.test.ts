/**
 * Protocol-level tests of the libvirt backend: the real LibvirtHypervisor and LibvirtClient
 * against a fake libvirtd that answers with recorded libvirtd 9.0.0 / QEMU 7.2 replies.
 * On this host only TCG runs, where libvirt's vCPU unplug always times out (error 68), so
 * the KVM success path of DOMAIN_SET_VCPU exists here only as a recorded reply.
 * Lifecycle (restart) and the guest port have their own files.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { UnplugStep } from "../../../../provider/plan";
import { LibvirtError, UnixDialer, isNoDomain } from "../../../../provider/libvirt";
import * as Q from "../../../../provider/libvirt/protocol/qemu-procedures";
import * as R from "../../../../provider/libvirt/protocol/remote-procedures";
import { LibvirtHypervisor } from "../../../../provider/backend/libvirt";
import { fail } from "../../../fakes/libvirtd";
import { RawPeer, expectFault, silent } from "../../../fakes/raw-peer";
import { Q35_DEFINITION } from "./fake-domain";
import { TEST_URI, deadlineIn, libvirtHarness } from "./harness";
import { asLibvirtWrites } from "./domain-xml-view";
import * as W from "./wire";

const h = libvirtHarness();

const TOPOLOGY_1X4 = { sockets: 1, dies: 1, cores: 4, threads: 1 };
const unplugStep = (id: number): UnplugStep => ({ kind: "unplug", entity: id, vcpuIds: [id] });

describe("LibvirtHypervisor.open", () => {
  test("VM not found (42) → VM_NOT_FOUND, cause kept, connection closed", async () => {
    h.install();
    const err = await h.open({ domain: "nope" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "VM_NOT_FOUND", message: expect.stringContaining('"nope"') });
    expect(isNoDomain(err)).toBe(true);
    await h.fake.waitFor(() => h.fake.last.closed);
  });

  test("connection refused → CONNECTION_FAILED naming the URI, ConnectError(dial) ← DialError as causes", async () => {
    // connect(2) to a path that is not a listening socket answers ECONNREFUSED.
    const path = join(h.fake.socketPath, "..", "not-a-socket");
    writeFileSync(path, "");
    const err = await LibvirtHypervisor.open({ uri: TEST_URI, domain: "fixture-xml", useAgent: true, dialer: new UnixDialer(path) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "CONNECTION_FAILED", message: expect.stringContaining(TEST_URI) });
    expect((err as Error).cause).toMatchObject({ code: "CONNECT_FAILED", phase: "dial", cause: { code: "DIAL_FAILED", message: expect.stringContaining("ECONNREFUSED") } });
  });

  test("a daemon that accepts and never answers: CONNECTION_FAILED naming the URI and the auth phase, within the deadline, socket closed", async () => {
    const peer = await RawPeer.start(silent);
    try {
      const target = { uri: TEST_URI, domain: "fixture-xml", useAgent: true, dialer: new UnixDialer(peer.path), connectTimeoutMs: 200 };
      const error = await expectFault(() => LibvirtHypervisor.open(target), () => peer.waitClosed(), { deadlineMs: 200, timesOut: true });
      expect(error).toMatchObject({ code: "CONNECTION_FAILED", message: expect.stringContaining(`can't connect to libvirt at ${TEST_URI}: no answer in auth within 200 ms`) });
      expect((error as Error).message).toContain(peer.path);
      expect((error as Error).cause).toMatchObject({ code: "CONNECT_TIMEOUT", phase: "auth" });
    } finally {
      await peer.stop();
    }
  });

  test("looks the domain up and reads both versions once", async () => {
    const { domain } = await h.start();
    expect(domain.names()).toEqual(["REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME", "REMOTE_PROC_CONNECT_GET_LIB_VERSION", "REMOTE_PROC_CONNECT_GET_VERSION"]);
    expect(domain.argsOf(R.DomainLookupByName)).toEqual([{ name: "fixture-xml" }]);
  });
});

describe("read()", () => {
  test("running q35 VM, 2 of 4 plugged, agent connected", async () => {
    const { hv, domain } = await h.start({ plugged: [0, 1], boot: [0] });
    const live = await hv.read();
    expect(live).toMatchObject({
      backend: "libvirt", name: "fixture-xml", uuid: "59b3d19e-19b6-45bf-8d61-7574b51fb748", state: "running", arch: "x86_64",
      acpi: true, libvirtVersion: "9.0.0", qemuVersion: "7.2.22", agent: "connected", disagreements: [],
      config: { maxVcpus: 4, vcpus: 2, topology: TOPOLOGY_1X4, machine: "pc-q35-7.2" },
      guest: { present: [0, 1], online: [0, 1], offlinable: [1] },
      running: { maxVcpus: 4, topology: TOPOLOGY_1X4, machine: "pc-q35-7.2", vcpus: 2, libvirtVcpus: 2 },
    });
    // [id, enabled (QEMU), hotpluggable (libvirt), order (libvirt), core-id, qom-path]
    expect(live.running!.slots.map((s) => [s.id, s.enabled, s.hotpluggable, s.order, s.coreId, s.qomPath])).toEqual([
      [0, true, false, 1, 0, "/machine/unattached/device[0]"],
      [1, true, true, 2, 1, "/machine/peripheral/vcpu1"],
      [2, false, true, undefined, 2, undefined],
      [3, false, true, undefined, 3, undefined],
    ]);
    expect(live.running!.slots[1]).toEqual({
      id: 1, entity: 1, enabled: true, hotpluggable: true, order: 2,
      socketId: 0, dieId: undefined, clusterId: undefined, coreId: 1, threadId: 0, qomPath: "/machine/peripheral/vcpu1",
    });
    expect(domain.argsOf(Q.QemuDomainMonitorCommand).map((a) => [a.cmd, a.flags])).toEqual([['{"execute":"query-hotpluggable-cpus"}', 0]]);
    expect(domain.argsOf(R.DomainGetXmlDesc).map((a) => a.flags)).toEqual([0, 2]); // live, then XML_INACTIVE
  });

  test("libvirt and QEMU disagree: libvirt still has vCPU 3 enabled, QEMU's slot is free", async () => {
    const { hv, domain } = await h.start({ plugged: [0, 1, 2, 3] });
    domain.qemuPlugged.delete(3); // what a timed-out unplug leaves behind (notes §3.3)
    const live = await hv.read();
    expect(live.disagreements).toEqual([expect.stringMatching(/^libvirt says vCPU 3 is plugged, QEMU says it is not plugged/)]);
    expect(live.running).toMatchObject({ vcpus: 3, libvirtVcpus: 4 });
    expect(live.running!.slots[3]).toMatchObject({ id: 3, enabled: false, libvirtEnabled: true });
    expect(live.running!.slots.slice(0, 3).every((s) => s.libvirtEnabled === undefined)).toBe(true);
  });

  test("shut-off persistent domain: config only, no monitor or agent call", async () => {
    const { hv, domain } = await h.start({ running: false });
    const live = await hv.read();
    expect(live).toMatchObject({ state: "shutoff", running: undefined, guest: undefined, agent: "unavailable", disagreements: [] });
    expect(live.config).toEqual({ maxVcpus: 4, vcpus: 2, topology: TOPOLOGY_1X4, machine: "pc-q35-7.2" });
    expect(domain.names()).not.toContain(Q.QemuDomainMonitorCommand.name);
    expect(domain.names()).not.toContain(Q.QemuDomainAgentCommand.name);
  });

  test("transient running domain: no config (the inactive XML, asked in the same round, is ignored)", async () => {
    const { hv, domain } = await h.start({ persistent: false });
    const live = await hv.read();
    expect(live.config).toBeUndefined();
    expect(live.running).toMatchObject({ vcpus: 2 });
    expect(domain.argsOf(R.DomainGetXmlDesc).map((a) => a.flags).sort()).toEqual([0, 2]);
  });

  const agentCases: Record<string, { setup: Parameters<typeof h.start>[0]; useAgent?: boolean; override?: "74"; status: string; asked: boolean }> = {
    "agent off (guestAgent: off)": { setup: {}, useAgent: false, status: "off", asked: false },
    "no agent channel in the XML": { setup: { agent: "no-channel" }, status: "not-configured", asked: false },
    "channel connected, agent hung (libvirt's per-call timeout)": { setup: { agent: "hung" }, status: "unavailable", asked: true },
    "channel present, libvirt answers 74": { setup: {}, override: "74", status: "not-configured", asked: true },
    "channel present, agent not connected (86)": { setup: { agent: "disconnected" }, status: "unavailable", asked: true },
  };
  test.each(Object.entries(agentCases))("%s", async (_name, c) => {
    const { hv, domain } = await h.start(c.setup, { useAgent: c.useAgent ?? true });
    if (c.override) domain.on(Q.QemuDomainAgentCommand, W.readAgentCommand, () => fail(W.LIBVIRT_ERRORS.agentNotConfigured));
    const live = await hv.read();
    expect(live).toMatchObject({ agent: c.status, guest: undefined });
    // Asked speculatively in the first round for a running domain, except when the agent is off.
    expect(domain.names().includes(Q.QemuDomainAgentCommand.name)).toBe(c.asked || (c.useAgent ?? true));
  });
});

/**
 * REMOTE_PROC_DOMAIN_SET_VCPU args for hot-adding vCPU 2 of the fixture domain (id 7):
 * `{ remote_nonnull_domain dom; remote_nonnull_string cpumap; int state; unsigned int flags; }`.
 */
const SET_VCPU_2_ON_LIVE = Buffer.from([
  0x00, 0x00, 0x00, 0x0b, // dom.name length 11
  ...Buffer.from("fixture-xml"), 0x00, // name bytes + 1 byte padding
  0x59, 0xb3, 0xd1, 0x9e, 0x19, 0xb6, 0x45, 0xbf, // dom.uuid bytes 0-7
  0x8d, 0x61, 0x75, 0x74, 0xb5, 0x1f, 0xb7, 0x48, // dom.uuid bytes 8-15
  0x00, 0x00, 0x00, 0x07, // dom.id 7
  0x00, 0x00, 0x00, 0x01, 0x32, 0x00, 0x00, 0x00, // cpumap "2": length 1, '2', 3 bytes padding
  0x00, 0x00, 0x00, 0x01, // state 1 = enable
  0x00, 0x00, 0x00, 0x01, // flags VIR_DOMAIN_AFFECT_LIVE
]);

describe("hotAdd", () => {
  test("vCPU 2 → SET_VCPU(cpumap \"2\", state 1, flags LIVE), byte for byte", async () => {
    const { hv, domain } = await h.start();
    await hv.hotAdd({ kind: "hotAdd", entity: 2, vcpuIds: [2] });
    const call = domain.calls.find((c) => c.name === R.DomainSetVcpu.name)!;
    expect(call.args).toEqual({ dom: { name: "fixture-xml", uuid: "59b3d19e-19b6-45bf-8d61-7574b51fb748", id: 7 }, cpumap: "2", state: 1, flags: 1 });
    expect(call.payload).toEqual(SET_VCPU_2_ON_LIVE);
    const live = await hv.read();
    expect(live.running!.slots[2]).toMatchObject({ enabled: true, order: 3, qomPath: "/machine/peripheral/vcpu2" });
    expect([live.running!.vcpus, live.config!.vcpus]).toEqual([3, 2]); // live only: the definition keeps current='2'
  });

  test("several vCPUs of one step go in one call as a range cpumap", async () => {
    const { hv, domain } = await h.start();
    await hv.hotAdd({ kind: "hotAdd", entity: 2, vcpuIds: [2, 3] });
    expect(domain.argsOf(R.DomainSetVcpu).map((a) => [a.cpumap, a.state, a.flags])).toEqual([["2-3", 1, 1]]);
  });
});

describe("unplug", () => {
  test("KVM success: SET_VCPU returns OK and QEMU's slot is free", async () => {
    const { hv, domain } = await h.start({ plugged: [0, 1, 2], unplug: { kind: "ok" } });
    const outcome = await hv.unplug(unplugStep(2), deadlineIn(2000));
    expect(outcome).toEqual({ removed: true, libvirtTimedOut: false, detail: expect.stringContaining("slot free"), confirmed: true });
    expect(domain.argsOf(R.DomainSetVcpu).map((a) => [a.cpumap, a.state, a.flags])).toEqual([["2", 0, 1]]);
    expect(domain.monitorQueries).toBe(1);
    expect((await hv.read()).disagreements).toEqual([]);
  });

  test("error 68, QEMU frees the slot a little later → removed, libvirtTimedOut", async () => {
    const { hv, domain } = await h.start({ plugged: [0, 1, 2], unplug: { kind: "timeout", qemuFreesAfterQueries: 3 } });
    const outcome = await hv.unplug(unplugStep(2), deadlineIn(5000));
    expect(outcome).toEqual({ removed: true, libvirtTimedOut: true, detail: expect.stringContaining("libvirt timed out"), confirmed: false });
    expect(domain.monitorQueries).toBe(3);
    const live = await hv.read(); // libvirt's view stays stale, as on TCG
    expect(live.disagreements).toEqual([expect.stringContaining("libvirt says vCPU 2 is plugged, QEMU says it is not plugged")]);
  });

  test("error 68 and the slot never frees → not removed after the deadline", async () => {
    const { hv } = await h.start({ plugged: [0, 1, 2], unplug: { kind: "timeout", qemuFreesAfterQueries: undefined } });
    const deadline = deadlineIn(120);
    const outcome = await hv.unplug(unplugStep(2), deadline);
    expect(outcome).toEqual({ removed: false, libvirtTimedOut: true, detail: expect.stringContaining("QEMU still lists vCPU 2"), confirmed: false });
    expect(Date.now()).toBeGreaterThanOrEqual(deadline);
  });

  test("another libvirt error propagates with code and domain kept, QEMU not asked", async () => {
    const { hv, domain } = await h.start({ plugged: [0, 1, 2] });
    domain.on(R.DomainSetVcpu, W.readDomCpumap, () => fail(W.LIBVIRT_ERRORS.unknownCause));
    const err = await hv.unplug(unplugStep(2), deadlineIn(2000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LibvirtError);
    expect(err).toMatchObject({ errorCode: 1, domain: 10, message: "An error occurred, but the cause is unknown", procedure: "REMOTE_PROC_DOMAIN_SET_VCPU" });
    expect(domain.monitorQueries).toBe(0);
  });
});

describe("persistent definition", () => {
  test("setConfigVcpus → SET_VCPUS_FLAGS(n, VCPU_CONFIG)", async () => {
    const { hv, domain } = await h.start();
    await hv.setConfigVcpus(3);
    expect(domain.argsOf(R.DomainSetVcpusFlags).map((a) => [a.nvcpus, a.flags])).toEqual([[3, 2]]);
  });

  const pseries = Q35_DEFINITION.replace("arch='x86_64' machine='pc-q35-7.2'", "arch='ppc64' machine='pseries-7.2'").replace("cores='4' threads='1'", "cores='2' threads='2'");
  type DefineCase = { definition?: string; config: { maxVcpus: number; vcpus: number; topology?: { sockets: number; dies?: number; cores: number; threads: number }; machine?: string }; has: RegExp[]; lacks: RegExp[] };
  const defineCases: Record<string, DefineCase> = {
    "max 8, 3 plugged, new 1×8 topology": {
      config: { maxVcpus: 8, vcpus: 3, topology: { sockets: 1, dies: 1, cores: 8, threads: 1 } },
      has: [/<vcpu placement='static' current='3'>8<\/vcpu>/, /<topology sockets='1' dies='1' cores='8' threads='1'\/>/, /<vcpu id='7' enabled='no' hotpluggable='yes'\/>/],
      lacks: [/cores='4'/],
    },
    "max 6 without a topology: the stale 1×4 one is dropped": {
      config: { maxVcpus: 6, vcpus: 2 },
      has: [/<vcpu placement='static' current='2'>6<\/vcpu>/, /<vcpu id='5' enabled='no' hotpluggable='yes'\/>/],
      lacks: [/<topology/],
    },
    "all vCPUs plugged and a new machine": {
      config: { maxVcpus: 4, vcpus: 4, machine: "pc-q35-8.0" },
      has: [/<vcpu placement='static'>4<\/vcpu>/, /machine='pc-q35-8\.0'/, /<topology sockets='1' dies='1' cores='4' threads='1'\/>/],
      lacks: [/current=/, /pc-q35-7\.2/],
    },
    "pseries (machine from the definition): the whole first core of 2 threads stays fixed": {
      definition: pseries,
      config: { maxVcpus: 8, vcpus: 4, topology: { sockets: 1, cores: 4, threads: 2 } },
      has: [/<vcpu id='1' enabled='yes' hotpluggable='no' order='2'\/>/, /<vcpu id='2' enabled='yes' hotpluggable='yes' order='3'\/>/, /<topology sockets='1' cores='4' threads='2'\/>/],
      lacks: [/machine='pc-q35/],
    },
  };
  test.each(Object.entries(defineCases))("defineConfig: %s", async (_name, c) => {
    const { hv, domain } = await h.start(c.definition ? { definition: c.definition } : {});
    await hv.defineConfig({ kind: "defineConfig", config: { topology: undefined, machine: undefined, ...c.config } });
    expect(domain.argsOf(R.DomainGetXmlDesc).map((a) => a.flags)).toEqual([3]); // XML_SECURE | XML_INACTIVE
    const [define] = domain.argsOf(R.DomainDefineXmlFlags);
    expect(define!.flags).toBe(1); // VIR_DOMAIN_DEFINE_VALIDATE
    const stored = asLibvirtWrites(define!.xml);
    for (const re of c.has) expect(stored).toMatch(re);
    for (const re of c.lacks) expect(stored).not.toMatch(re);
    expect(stored).toMatch(/<vcpu id='0' enabled='yes' hotpluggable='no' order='1'\/>/);
    expect(stored).toContain("<graphics type='vnc' port='-1' autoport='yes' passwd='s3cret&amp;x'>");
  });
});
