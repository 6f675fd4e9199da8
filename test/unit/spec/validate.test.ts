import { checkInputs, UNKNOWN } from "../../../provider/spec";

const base = { libvirt: { uri: "qemu:///system", domain: "web01" }, maxVcpus: 8, vcpus: 4 };

interface Case { news: Record<string, unknown>; olds?: Record<string, unknown>; failures: [string, RegExp][] }

const cases: Record<string, Case> = {
  "minimal valid input": { news: base, failures: [] },
  "full valid input": {
    news: { ...base, topology: { sockets: 1, cores: 8, threads: 1 }, machine: "pc-q35-7.2", guestAgent: "required", coldChanges: "persist", timeouts: { unplugSeconds: 10 } },
    failures: [],
  },
  "fractional vcpus": { news: { ...base, vcpus: 2.5 }, failures: [["vcpus", /whole number/]] },
  "zero vcpus": { news: { ...base, vcpus: 0 }, failures: [["vcpus", /at least 1/]] },
  "vcpus above max names both": { news: { ...base, vcpus: 9 }, failures: [["vcpus", /vcpus \(9\) must be between 1 and maxVcpus \(8\)/]] },
  "topology product must equal maxVcpus, with a hint": {
    news: { ...base, topology: { sockets: 1, cores: 4, threads: 1 } },
    failures: [["topology", /1×1×1×4×1 = 4 must equal maxVcpus \(8\); e.g. cores: 8/]],
  },
  "unknown machine lists the known aliases": { news: { ...base, machine: "pc-q35" }, failures: [["machine", /known aliases: pc, q35/]] },
  "alias machine is fine": { news: { ...base, machine: "q35" }, failures: [] },
  "machine without hotplug needs vcpus = max": { news: { ...base, machine: "microvm" }, failures: [["vcpus", /microvm can't hot-add/]] },
  "above the machine's cpu limit": { news: { ...base, maxVcpus: 300, vcpus: 4, machine: "pc" }, failures: [["maxVcpus", /limit of 255/]] },
  "pseries needs whole cores": {
    news: { ...base, vcpus: 3, machine: "pseries", topology: { sockets: 1, cores: 4, threads: 2 } },
    failures: [["vcpus", /multiple of 2 \(e.g. 2 or 4\)/]],
  },
  "a point release is a q35 (QEMU lists pc-q35-4.0.1)": { news: { ...base, machine: "pc-q35-4.0.1" }, failures: [] },
  "a variant is a pseries and keeps its whole-core rule (pseries-2.12-sxxm)": {
    news: { ...base, vcpus: 3, machine: "pseries-2.12-sxxm", topology: { sockets: 1, cores: 4, threads: 2 } },
    failures: [["vcpus", /multiple of 2 \(e.g. 2 or 4\)/]],
  },
  "s390x can't shrink": { news: { ...base, vcpus: 2, machine: "s390-ccw-virtio" }, olds: { ...base, machine: "s390-ccw-virtio" }, failures: [["vcpus", /can't go down from 4 to 2/]] },
  "s390x can grow": { news: { ...base, vcpus: 6, machine: "s390-ccw-virtio" }, olds: base, failures: [] },
  "both connections": { news: { ...base, qmp: { socket: "/tmp/q" } }, failures: [["libvirt", /exactly one of libvirt or qmp/]] },
  "no connection": { news: { maxVcpus: 2, vcpus: 1 }, failures: [["libvirt", /set one connection/]] },
  "qmp persist refused": { news: { qmp: { socket: "/tmp/q" }, maxVcpus: 2, vcpus: 1, coldChanges: "persist" }, failures: [["coldChanges", /raw QMP/]] },
  "qmp needs socket or host+port": { news: { qmp: { host: "h" }, maxVcpus: 2, vcpus: 1 }, failures: [["qmp.port", /go together/]] },
  "bad uri": { news: { ...base, libvirt: { uri: "http://x", domain: "a" } }, failures: [["libvirt.uri", /must use the QEMU driver/]] },
  // Found by validate.fuzz.test.ts: unknown keys were reported under property "", and an unknown
  // value under a key inherited from Object.prototype made checkInputs throw.
  "typo in a field name names the field": { news: { ...base, vcpu: 3 }, failures: [["vcpu", /unknown field "vcpu"/]] },
  "unknown key in a nested object names its path": { news: { ...base, libvirt: { ...base.libvirt, socket: "/s" } }, failures: [["libvirt.socket", /unknown field/]] },
  "unknown value under a key named like an Object.prototype member": { news: { ...base, constructor: UNKNOWN }, failures: [["constructor", /unknown field/]] },
  "bad enum": { news: { ...base, coldChanges: "reboot" }, failures: [["coldChanges", /"refuse", "persist" or "restart"/]] },
  "unknown vcpus skips rules that need it": { news: { ...base, vcpus: UNKNOWN }, failures: [] },
  "unknown topology still checks vcpus": { news: { ...base, vcpus: 9, topology: UNKNOWN }, failures: [["vcpus", /must be between/]] },
};

describe("checkInputs", () => {
  test.each(Object.entries(cases))("%s", (_name, c) => {
    const { failures } = checkInputs(c.olds, { __provider: "exports.handler = ...", ...c.news });
    expect(failures.map((f) => f.property)).toEqual(c.failures.map(([p]) => p));
    c.failures.forEach(([, reason], i) => expect(failures[i]!.reason).toMatch(reason));
  });

  test("defaults are applied and __provider is kept", () => {
    const { inputs } = checkInputs(undefined, { __provider: "x", ...base });
    expect(inputs).toMatchObject({ __provider: "x", guestAgent: "optional", coldChanges: "refuse", timeouts: { unplugSeconds: 30, agentSeconds: 30, shutdownSeconds: 120 } });
  });

  test("unknown values are passed through untouched", () => {
    const { inputs } = checkInputs(undefined, { ...base, vcpus: UNKNOWN });
    expect(inputs["vcpus"]).toBe(UNKNOWN);
  });
});
