import { QEMU_PROGRAM, REMOTE_PROGRAM } from "../../../../provider/libvirt/protocol/constants";
import { decodeRet, encodeArgs, type Procedure } from "../../../../provider/libvirt/protocol/procedure";
import * as Q from "../../../../provider/libvirt/protocol/qemu-procedures";
import * as R from "../../../../provider/libvirt/protocol/remote-procedures";
import { DOM, DOM_BYTES, bytes, u32, xstr } from "../fixtures";

const hyper = (hi: number, lo: number): Buffer => bytes(u32(hi), u32(lo));

interface ArgsCase {
  proc: Procedure<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  args: unknown;
  wire: Buffer;
}

/** Args encoders against hand-built `*_args` structs (remote_protocol.x / qemu_protocol.x). */
const argsCases: Record<string, ArgsCase> = {
  "CONNECT_OPEN { name; flags }": { proc: R.ConnectOpen, args: { name: "qemu:///system", flags: 0 }, wire: bytes(u32(1), xstr("qemu:///system"), u32(0)) },
  "CONNECT_OPEN NULL name": { proc: R.ConnectOpen, args: { name: null, flags: 1 }, wire: bytes(u32(0), u32(1)) },
  "CONNECT_CLOSE void": { proc: R.ConnectClose, args: undefined, wire: Buffer.alloc(0) },
  "GET_VCPUS_FLAGS is 48 bytes (4+18+2+16+4+4)": { proc: R.DomainGetVcpusFlags, args: { dom: DOM, flags: 1 }, wire: bytes(DOM_BYTES, u32(1)) },
  "SET_VCPUS_FLAGS { dom; nvcpus; flags }": { proc: R.DomainSetVcpusFlags, args: { dom: DOM, nvcpus: 3, flags: 3 }, wire: bytes(DOM_BYTES, u32(3), u32(3)) },
  "SET_VCPU { dom; cpumap; state; flags }": {
    proc: R.DomainSetVcpu,
    args: { dom: DOM, cpumap: "1-2", state: 0, flags: 1 },
    wire: bytes(DOM_BYTES, xstr("1-2"), u32(0), u32(1)),
  },
  "SET_GUEST_VCPUS { dom; cpumap; state; flags }": {
    proc: R.DomainSetGuestVcpus,
    args: { dom: DOM, cpumap: "3", state: 1, flags: 0 },
    wire: bytes(DOM_BYTES, xstr("3"), u32(1), u32(0)),
  },
  "LOOKUP_BY_NAME { name }": { proc: R.DomainLookupByName, args: { name: "vm1" }, wire: xstr("vm1") },
  "LOOKUP_BY_UUID { uuid[16] }": { proc: R.DomainLookupByUuid, args: { uuid: DOM.uuid }, wire: DOM_BYTES.subarray(24, 40) },
  "LIST_ALL_DOMAINS { need_results; flags }": { proc: R.ConnectListAllDomains, args: { needResults: 1, flags: 1 }, wire: bytes(u32(1), u32(1)) },
  "DEFINE_XML_FLAGS { xml; flags }": { proc: R.DomainDefineXmlFlags, args: { xml: "<domain/>", flags: 1 }, wire: bytes(xstr("<domain/>"), u32(1)) },
  "DESTROY { dom }": { proc: R.DomainDestroy, args: { dom: DOM }, wire: DOM_BYTES },
  "SUPPORTS_FEATURE { int feature }": { proc: R.ConnectSupportsFeature, args: { feature: 10 }, wire: u32(10) },
  "EVENT_CALLBACK_REGISTER_ANY all domains": {
    proc: R.ConnectDomainEventCallbackRegisterAny,
    args: { eventId: 0, dom: null },
    wire: bytes(u32(0), u32(0)),
  },
  "EVENT_CALLBACK_REGISTER_ANY one domain": {
    proc: R.ConnectDomainEventCallbackRegisterAny,
    args: { eventId: 15, dom: DOM },
    wire: bytes(u32(15), u32(1), DOM_BYTES),
  },
  "SET_METADATA element { dom; type; metadata; key; uri; flags }": {
    proc: R.DomainSetMetadata,
    args: { dom: DOM, type: 2, metadata: "<lease/>", key: "vmcpu", uri: "https://x/1", flags: 1 },
    wire: bytes(
      DOM_BYTES,
      u32(2), // type VIR_DOMAIN_METADATA_ELEMENT
      u32(1), xstr("<lease/>"), // metadata: present, 8 bytes, no padding
      u32(1), xstr("vmcpu"), // key: present, 5 bytes + 3 padding
      u32(1), xstr("https://x/1"), // uri: present, 11 bytes + 1 padding
      u32(1), // flags VIR_DOMAIN_AFFECT_LIVE
    ),
  },
  "SET_METADATA remove: NULL metadata and key": {
    proc: R.DomainSetMetadata,
    args: { dom: DOM, type: 2, metadata: null, key: null, uri: "https://x/1", flags: 1 },
    wire: bytes(DOM_BYTES, u32(2), u32(0), u32(0), u32(1), xstr("https://x/1"), u32(1)),
  },
  "GET_METADATA { dom; type; uri; flags }": {
    proc: R.DomainGetMetadata,
    args: { dom: DOM, type: 2, uri: "https://x/1", flags: 1 },
    wire: bytes(DOM_BYTES, u32(2), u32(1), xstr("https://x/1"), u32(1)),
  },
  "QEMU MONITOR_COMMAND { dom; cmd; flags }": {
    proc: Q.QemuDomainMonitorCommand,
    args: { dom: DOM, cmd: '{"execute":"query-hotpluggable-cpus"}', flags: 0 },
    wire: bytes(DOM_BYTES, xstr('{"execute":"query-hotpluggable-cpus"}'), u32(0)),
  },
  "QEMU AGENT_COMMAND { dom; cmd; timeout; flags }": {
    proc: Q.QemuDomainAgentCommand,
    args: { dom: DOM, cmd: "{}", timeout: -1, flags: 0 },
    wire: bytes(DOM_BYTES, xstr("{}"), u32(0xffffffff), u32(0)),
  },
  "QEMU MONITOR_EVENT_REGISTER all": {
    proc: Q.QemuConnectDomainMonitorEventRegister,
    args: { dom: null, event: null, flags: 0 },
    wire: bytes(u32(0), u32(0), u32(0)),
  },
  "QEMU MONITOR_EVENT_REGISTER one event": {
    proc: Q.QemuConnectDomainMonitorEventRegister,
    args: { dom: DOM, event: "ACPI_DEVICE_OST", flags: 2 },
    wire: bytes(u32(1), DOM_BYTES, u32(1), xstr("ACPI_DEVICE_OST"), u32(2)),
  },
};

describe("args encoders", () => {
  test.each(Object.entries(argsCases))("%s", (_name, c) => {
    expect(encodeArgs(c.proc, c.args)).toEqual(c.wire);
  });

  test("GET_VCPUS_FLAGS args are 48 bytes", () => {
    expect(encodeArgs(R.DomainGetVcpusFlags, { dom: DOM, flags: 0 })).toHaveLength(48);
  });
});

interface RetCase {
  proc: Procedure<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  wire: Buffer;
  expected: unknown;
}

/** Ret decoders against hand-built `*_ret` structs. */
const retCases: Record<string, RetCase> = {
  "GET_LIB_VERSION 9000000": { proc: R.ConnectGetLibVersion, wire: hyper(0, 9000000), expected: 9000000n },
  "GET_VERSION 7002022": { proc: R.ConnectGetVersion, wire: hyper(0, 7002022), expected: 7002022n },
  "GET_HOSTNAME": { proc: R.ConnectGetHostname, wire: xstr("vm"), expected: "vm" },
  "AUTH_LIST [NONE]": { proc: R.AuthList, wire: bytes(u32(1), u32(0)), expected: [0] },
  "AUTH_LIST [POLKIT]": { proc: R.AuthList, wire: bytes(u32(1), u32(2)), expected: [2] },
  "LOOKUP_BY_NAME → dom": { proc: R.DomainLookupByName, wire: DOM_BYTES, expected: DOM },
  "IS_PERSISTENT → 1": { proc: R.DomainIsPersistent, wire: u32(1), expected: 1 },
  "GET_VCPUS_FLAGS → 3": { proc: R.DomainGetVcpusFlags, wire: u32(3), expected: 3 },
  "GET_STATE → RUNNING/BOOTED": { proc: R.DomainGetState, wire: bytes(u32(1), u32(1)), expected: { state: 1, reason: 1 } },
  "GET_INFO (u_char/u_short as 4 bytes, 32 bytes total)": {
    proc: R.DomainGetInfo,
    wire: bytes(
      u32(1), // state (unsigned char)
      hyper(0, 131072), // maxMem KiB
      hyper(0, 65536), // memory KiB
      u32(2), // nrVirtCpu (unsigned short)
      hyper(1, 0), // cpuTime ns
    ),
    expected: { state: 1, maxMemKiB: 131072n, memoryKiB: 65536n, nrVirtCpu: 2, cpuTimeNs: 2n ** 32n },
  },
  "LIST_ALL_DOMAINS { domains<>; ret }": {
    proc: R.ConnectListAllDomains,
    wire: bytes(u32(2), DOM_BYTES, DOM_BYTES, u32(2)),
    expected: { domains: [DOM, DOM], ret: 2 },
  },
  "GET_XML_DESC": { proc: R.DomainGetXmlDesc, wire: xstr("<domain/>"), expected: "<domain/>" },
  "CREATE_WITH_FLAGS → dom": { proc: R.DomainCreateWithFlags, wire: DOM_BYTES, expected: DOM },
  "GET_METADATA → the element's XML": { proc: R.DomainGetMetadata, wire: xstr('<v:lease xmlns:v="u"/>'), expected: '<v:lease xmlns:v="u"/>' },
  "SET_METADATA void": { proc: R.DomainSetMetadata, wire: Buffer.alloc(0), expected: undefined },
  "SET_VCPU void": { proc: R.DomainSetVcpu, wire: Buffer.alloc(0), expected: undefined },
  "QEMU MONITOR_COMMAND result": { proc: Q.QemuDomainMonitorCommand, wire: xstr('{"return":[]}'), expected: '{"return":[]}' },
  "QEMU AGENT_COMMAND NULL result": { proc: Q.QemuDomainAgentCommand, wire: u32(0), expected: null },
  "QEMU MONITOR_EVENT_REGISTER → callbackID": { proc: Q.QemuConnectDomainMonitorEventRegister, wire: u32(4), expected: 4 },
};

describe("ret decoders", () => {
  test.each(Object.entries(retCases))("%s", (_name, c) => {
    expect(decodeRet(c.proc, c.wire)).toEqual(c.expected);
  });

  test.each([
    ["void ret with extra bytes", R.DomainSetVcpu, u32(0)],
    ["short GET_INFO", R.DomainGetInfo, u32(1)],
    ["int ret with trailing bytes", R.DomainGetVcpusFlags, bytes(u32(1), u32(2))],
    ["GET_METADATA without its string", R.DomainGetMetadata, Buffer.alloc(0)],
  ])("%s → XdrError", (_name, proc, wire) => {
    expect(() => decodeRet(proc as Procedure<unknown, unknown>, wire)).toThrow(expect.objectContaining({ code: "XDR_ERROR" }));
  });
});

describe("procedure metadata", () => {
  test.each([
    [R.DomainSetVcpusFlags, REMOTE_PROGRAM, 199, "REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS"],
    [R.DomainGetVcpusFlags, REMOTE_PROGRAM, 200, "REMOTE_PROC_DOMAIN_GET_VCPUS_FLAGS"],
    [R.DomainSetVcpu, REMOTE_PROGRAM, 384, "REMOTE_PROC_DOMAIN_SET_VCPU"],
    [R.DomainGetGuestVcpus, REMOTE_PROGRAM, 371, "REMOTE_PROC_DOMAIN_GET_GUEST_VCPUS"],
    [R.DomainShutdownFlags, REMOTE_PROGRAM, 258, "REMOTE_PROC_DOMAIN_SHUTDOWN_FLAGS"],
    [R.DomainIsActive, REMOTE_PROGRAM, 150, "REMOTE_PROC_DOMAIN_IS_ACTIVE"],
    [R.DomainIsPersistent, REMOTE_PROGRAM, 151, "REMOTE_PROC_DOMAIN_IS_PERSISTENT"],
    [R.DomainSetMetadata, REMOTE_PROGRAM, 264, "REMOTE_PROC_DOMAIN_SET_METADATA"],
    [R.DomainGetMetadata, REMOTE_PROGRAM, 265, "REMOTE_PROC_DOMAIN_GET_METADATA"],
    [Q.QemuDomainAgentCommand, QEMU_PROGRAM, 3, "QEMU_PROC_DOMAIN_AGENT_COMMAND"],
  ] as const)("%#: %s", (proc, program, num, name) => {
    expect(proc.program).toBe(program);
    expect(proc.proc).toBe(num);
    expect(proc.name).toBe(name);
  });
});
