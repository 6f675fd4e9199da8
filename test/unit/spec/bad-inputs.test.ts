/**
 * Inputs a user could write that `check` must refuse, each naming the field and saying what
 * would be valid. One row per input: the field expected and a piece of the expected message.
 */
import { checkInputs, libvirtUriProblem, UNKNOWN } from "../../../provider/spec";

const lv = (over: Record<string, unknown> = {}) => ({ libvirt: { uri: "qemu:///system", domain: "web01", ...over }, maxVcpus: 8, vcpus: 4 });
const qmp = (conn: Record<string, unknown>, over: Record<string, unknown> = {}) => ({ qmp: conn, maxVcpus: 2, vcpus: 1, ...over });
const withUri = (uri: unknown) => lv({ uri });
const withDomain = (domain: unknown) => lv({ domain });

interface Case {
  readonly news: Record<string, unknown>;
  readonly olds?: Record<string, unknown>;
  readonly field: string;
  readonly says: string;
}

const domainCases: Record<string, Case> = {
  "domain name of 10 kB": { news: withDomain("x".repeat(10 * 1024)), field: "libvirt.domain", says: "at most 251 bytes" },
  "domain name of 2 MB": { news: withDomain("y".repeat(2 * 1024 * 1024)), field: "libvirt.domain", says: "(2097152 bytes)" },
  "domain name one byte over the limit": { news: withDomain("d".repeat(252)), field: "libvirt.domain", says: "NAME_MAX" },
  "multibyte domain name over the byte limit": { news: withDomain("é".repeat(126)), field: "libvirt.domain", says: "at most 251 bytes" },
  "domain name with a slash": { news: withDomain("../../etc/passwd"), field: "libvirt.domain", says: "no '/'" },
  "domain name with a newline and a command": { news: withDomain("web01\nreboot"), field: "libvirt.domain", says: "no newline" },
  "domain name with a carriage return": { news: withDomain("web01\r"), field: "libvirt.domain", says: "control character" },
  "domain name with a NUL byte": { news: withDomain("web01\u0000"), field: "libvirt.domain", says: "control character" },
  "domain name with a terminal escape": { news: withDomain("\u001b[31mweb01"), field: "libvirt.domain", says: "control character" },
  "domain name with DEL": { news: withDomain("web\u007f01"), field: "libvirt.domain", says: "control character" },
  "empty domain name": { news: withDomain(""), field: "libvirt.domain", says: "non-empty name" },
  "domain name as a number": { news: withDomain(42), field: "libvirt.domain", says: "must be the libvirt domain name" },
  "domain left out": { news: { ...lv(), libvirt: { uri: "qemu:///system" } }, field: "libvirt.domain", says: "libvirt.domain is required: the libvirt domain name" },
};

const uriCases: Record<string, Case> = {
  "ssh transport without a host": { news: withUri("qemu+ssh:///system"), field: "libvirt.uri", says: "transport ssh needs a host name" },
  "libssh2 with an ssh-only parameter": { news: withUri("qemu+libssh2://kvm1/system?netcat=nc"), field: "libvirt.uri", says: 'parameter "netcat" is not supported for transport libssh2' },
  "ssh with a libssh-only parameter": { news: withUri("qemu+ssh://kvm1/system?sshauth=agent"), field: "libvirt.uri", says: 'parameter "sshauth" is not supported for transport ssh' },
  "tls without a host": { news: withUri("qemu+tls:///system"), field: "libvirt.uri", says: "transport tls needs a host name" },
  "tls pkipath not absolute": { news: withUri("qemu+tls://kvm1/system?pkipath=pki"), field: "libvirt.uri", says: 'pkipath must be an absolute directory, not "pki"' },
  "tls no_verify not 0 or 1": { news: withUri("qemu://kvm1/system?no_verify=yes"), field: "libvirt.uri", says: 'no_verify must be 0 or 1, not "yes"' },
  "tcp with a TLS parameter": { news: withUri("qemu+tcp://kvm1:16509/system?pkipath=/etc/pki"), field: "libvirt.uri", says: 'parameter "pkipath" is not supported for transport tcp' },
  "ext transport": { news: withUri("qemu+ext:///system?command=/opt/tunnel"), field: "libvirt.uri", says: 'transport "ext" is not supported: it runs an arbitrary local command as the connection; use qemu+ssh://' },
  "made-up transport": { news: withUri("qemu+http:///system"), field: "libvirt.uri", says: 'transport "http" is not a libvirt transport' },
  "web URL": { news: withUri("http://kvm1/system"), field: "libvirt.uri", says: "must use the QEMU driver" },
  "another hypervisor driver": { news: withUri("xen:///system"), field: "libvirt.uri", says: "must use the QEMU driver" },
  "path other than system or session": { news: withUri("qemu:///embed"), field: "libvirt.uri", says: "path must be /system or /session" },
  "no path at all": { news: withUri("qemu://"), field: "libvirt.uri", says: "path must be /system or /session" },
  "unix transport with a host": { news: withUri("qemu+unix://kvm1/system"), field: "libvirt.uri", says: "takes no host name" },
  "unix transport with a user": { news: withUri("qemu+unix://root@kvm1/system"), field: "libvirt.uri", says: "takes no user name" },
  "query parameter the client does not read": { news: withUri("qemu:///system?keyfile=/k"), field: "libvirt.uri", says: 'parameter "keyfile" is not supported for transport unix' },
  "socket mode that libvirt does not have": { news: withUri("qemu:///system?mode=proxy"), field: "libvirt.uri", says: 'mode must be auto, legacy or direct, not "proxy"' },
  "relative socket path": { news: withUri("qemu+unix:///system?socket=libvirt-sock"), field: "libvirt.uri", says: "socket must be an absolute path" },
  "a fragment": { news: withUri("qemu:///system#web01"), field: "libvirt.uri", says: "no #fragment" },
  "not a URI": { news: withUri("localhost system"), field: "libvirt.uri", says: "is not a URI" },
  "a 2 MB URI is quoted short": { news: withUri(`qemu:///system?socket=/${"s".repeat(2 * 1024 * 1024)}`), field: "libvirt.uri", says: "a unix socket path has at most 107 bytes" },
  "URI as a number": { news: withUri(16509), field: "libvirt.uri", says: "libvirt.uri must be a string" },
  "URI left out": { news: { ...lv(), libvirt: { domain: "web01" } }, field: "libvirt.uri", says: "libvirt.uri is required: a string; valid: qemu:///system" },
};

const timeoutCases: Record<string, Case> = {
  "unplug timeout of a millisecond": { news: { ...lv(), timeouts: { unplugSeconds: 0.001 } }, field: "timeouts.unplugSeconds", says: "at least 1 s" },
  "agent timeout of a millisecond": { news: { ...lv(), timeouts: { agentSeconds: 0.001 } }, field: "timeouts.agentSeconds", says: "at least 1 s" },
  "shutdown timeout of a millisecond": { news: { ...lv(), timeouts: { shutdownSeconds: 0.001 } }, field: "timeouts.shutdownSeconds", says: "at least 1 s" },
  "zero unplug timeout": { news: { ...lv(), timeouts: { unplugSeconds: 0 } }, field: "timeouts.unplugSeconds", says: "ACPI eject" },
  "negative agent timeout": { news: { ...lv(), timeouts: { agentSeconds: -5 } }, field: "timeouts.agentSeconds", says: "at least 1 s" },
  "two-hour shutdown timeout": { news: { ...lv(), timeouts: { shutdownSeconds: 7200 } }, field: "timeouts.shutdownSeconds", says: "at most 3600 seconds" },
  "timeout as a duration string": { news: { ...lv(), timeouts: { unplugSeconds: "30s" } }, field: "timeouts.unplugSeconds", says: "must be a number of seconds" },
  "timeouts as a number": { news: { ...lv(), timeouts: 30 }, field: "timeouts", says: "timeouts must be an object" },
  "misspelt timeout": { news: { ...lv(), timeouts: { unplugSecs: 10 } }, field: "timeouts.unplugSecs", says: "valid: unplugSeconds, agentSeconds, shutdownSeconds" },
};

const countCases: Record<string, Case> = {
  "vcpus above maxVcpus": { news: { ...lv(), vcpus: 9 }, field: "vcpus", says: "vcpus (9) must be between 1 and maxVcpus (8)" },
  "zero vcpus": { news: { ...lv(), vcpus: 0 }, field: "vcpus", says: "at least 1" },
  "negative vcpus": { news: { ...lv(), vcpus: -2 }, field: "vcpus", says: "at least 1" },
  "fractional vcpus": { news: { ...lv(), vcpus: 2.5 }, field: "vcpus", says: "whole number" },
  "vcpus as a string": { news: { ...lv(), vcpus: "4" }, field: "vcpus", says: "vcpus must be a whole number" },
  "vcpus NaN": { news: { ...lv(), vcpus: Number.NaN }, field: "vcpus", says: "whole number" },
  "vcpus left out": { news: { libvirt: lv().libvirt, maxVcpus: 8 }, field: "vcpus", says: "vcpus is required: a whole number" },
  "zero maxVcpus": { news: { ...lv(), maxVcpus: 0, vcpus: 1 }, field: "maxVcpus", says: "at least 1" },
  "maxVcpus over 1024": { news: { ...lv(), maxVcpus: 4096 }, field: "maxVcpus", says: "at most 1024" },
  "maxVcpus left out": { news: { libvirt: lv().libvirt, vcpus: 2 }, field: "maxVcpus", says: "maxVcpus is required" },
};

const topologyCases: Record<string, Case> = {
  "topology product below maxVcpus": { news: { ...lv(), topology: { sockets: 1, cores: 4, threads: 1 } }, field: "topology", says: "= 4 must equal maxVcpus (8); e.g. cores: 8" },
  "topology with dies over maxVcpus": { news: { ...lv(), topology: { sockets: 2, dies: 2, cores: 4, threads: 1 } }, field: "topology", says: "2×2×1×4×1 = 16" },
  "zero sockets": { news: { ...lv(), topology: { sockets: 0, cores: 8, threads: 1 } }, field: "topology.sockets", says: "at least 1" },
  "fractional cores": { news: { ...lv(), topology: { sockets: 2, cores: 2.5, threads: 1 } }, field: "topology.cores", says: "whole number" },
  "threads left out": { news: { ...lv(), topology: { sockets: 1, cores: 8 } }, field: "topology.threads", says: "topology.threads is required" },
  "topology as a string": { news: { ...lv(), topology: "1x8x1" }, field: "topology", says: "topology must be an object" },
  "topology with a numa field": { news: { ...lv(), topology: { sockets: 1, cores: 8, threads: 1, numa: 2 } }, field: "topology.numa", says: 'unknown field "numa" in topology' },
};

const machineCases: Record<string, Case> = {
  "machine version without a family": { news: { ...lv(), machine: "pc-q35" }, field: "machine", says: "known aliases: pc, q35, pseries, s390-ccw-virtio, microvm, isapc, virt" },
  "s390 alias that does not exist": { news: { ...lv(), machine: "s390" }, field: "machine", says: "known aliases:" },
  "upper-case alias": { news: { ...lv(), machine: "Q35" }, field: "machine", says: "versioned type: pc-i440fx-X.Y, pc-q35-X.Y" },
  "machine as a number": { news: { ...lv(), machine: 35 }, field: "machine", says: "machine must be a string such as q35" },
  "microvm below its maximum": { news: { ...lv(), machine: "microvm" }, field: "vcpus", says: "microvm can't hot-add" },
  "arm virt below its maximum": { news: { ...lv(), machine: "virt-8.2" }, field: "vcpus", says: "virt-8.2 can't hot-add" },
  "isapc with two CPUs": { news: { ...lv(), maxVcpus: 2, vcpus: 2, machine: "isapc" }, field: "maxVcpus", says: "limit of 1 vCPUs" },
  "pc above its CPU limit": { news: { ...lv(), maxVcpus: 300, machine: "pc-i440fx-7.2" }, field: "maxVcpus", says: "limit of 255" },
  "pseries with half a core": {
    news: { ...lv(), vcpus: 3, machine: "pseries", topology: { sockets: 1, cores: 4, threads: 2 } },
    field: "vcpus",
    says: "multiple of 2 (e.g. 2 or 4)",
  },
  "s390x shrink": { news: { ...lv(), vcpus: 2, machine: "s390-ccw-virtio" }, olds: { ...lv(), machine: "s390-ccw-virtio" }, field: "vcpus", says: "can't go down from 4 to 2" },
};

const connectionCases: Record<string, Case> = {
  "both connections": { news: { ...lv(), qmp: { socket: "/run/qemu/web01.qmp" } }, field: "libvirt", says: "exactly one of libvirt or qmp" },
  "no connection": { news: { maxVcpus: 2, vcpus: 1 }, field: "libvirt", says: "set one connection" },
  "libvirt as a URI string": { news: { ...lv(), libvirt: "qemu:///system" }, field: "libvirt", says: "libvirt must be an object { uri, domain }" },
  "libvirt with a host field": { news: lv({ host: "kvm1" }), field: "libvirt.host", says: "valid: uri, domain" },
  "qmp host without port": { news: qmp({ host: "kvm1" }), field: "qmp.port", says: "go together" },
  "qmp port without host": { news: qmp({ port: 4444 }), field: "qmp.host", says: "go together" },
  "qmp socket and host": { news: qmp({ socket: "/run/q.sock", host: "kvm1", port: 4444 }), field: "qmp", says: "exactly one of socket, or host with port" },
  "empty qmp": { news: qmp({}), field: "qmp", says: "exactly one of socket" },
  "qmp port zero": { news: qmp({ host: "kvm1", port: 0 }), field: "qmp.port", says: "at least 1" },
  "qmp port above 65535": { news: qmp({ host: "kvm1", port: 70000 }), field: "qmp.port", says: "at most 65535" },
  "empty qmp socket": { news: qmp({ socket: "" }), field: "qmp.socket", says: "QMP unix socket" },
  "empty agent socket": { news: qmp({ socket: "/run/q.sock", agentSocket: "" }), field: "qmp.agentSocket", says: "not empty" },
  "qmp as a path string": { news: qmp("/run/q.sock" as unknown as Record<string, unknown>), field: "qmp", says: "qmp must be an object" },
  "qmp with persist": { news: qmp({ socket: "/run/q.sock" }, { coldChanges: "persist" }), field: "coldChanges", says: "raw QMP" },
  "qmp with restart": { news: qmp({ socket: "/run/q.sock" }, { coldChanges: "restart" }), field: "coldChanges", says: "can't restart a QEMU it did not start" },
  "qmp.ssh without a host": { news: qmp({ ssh: {}, socket: "/var/run/qemu-server/101.qmp" }), field: "qmp.ssh.host", says: "qmp.ssh.host is required" },
  "qmp.ssh without a socket": { news: qmp({ ssh: { host: "pve1" } }), field: "qmp.socket", says: "qmp.ssh needs qmp.socket" },
  "qmp.ssh with a TCP endpoint": { news: qmp({ ssh: { host: "pve1" }, host: "pve1", port: 4444 }), field: "qmp.host", says: "not qmp.host/qmp.port" },
  "qmp.ssh with a relative socket": { news: qmp({ ssh: { host: "pve1" }, socket: "101.qmp" }), field: "qmp.socket", says: "absolute path on the SSH host" },
  "qmp.ssh with a relative agent socket": { news: qmp({ ssh: { host: "pve1" }, socket: "/run/101.qmp", agentSocket: "101.qga" }), field: "qmp.agentSocket", says: "absolute path" },
  "qmp.ssh port zero": { news: qmp({ ssh: { host: "pve1", port: 0 }, socket: "/run/101.qmp" }), field: "qmp.ssh.port", says: "at least 1" },
  "qmp.ssh with a password": { news: qmp({ ssh: { host: "pve1", password: "x" }, socket: "/run/101.qmp" }), field: "qmp.ssh.password", says: "unknown field" },
};

const settingCases: Record<string, Case> = {
  "guestAgent yes": { news: { ...lv(), guestAgent: "yes" }, field: "guestAgent", says: '"required", "optional" or "off"' },
  "guestAgent as a boolean": { news: { ...lv(), guestAgent: true }, field: "guestAgent", says: '"required", "optional" or "off"' },
  "coldChanges reboot": { news: { ...lv(), coldChanges: "reboot" }, field: "coldChanges", says: '"refuse", "persist" or "restart"' },
  "typo vcpu": { news: { ...lv(), vcpu: 3 }, field: "vcpu", says: 'unknown field "vcpu"; valid: libvirt, qmp, maxVcpus, vcpus' },
  "cpus instead of vcpus": { news: { ...lv(), cpus: 4 }, field: "cpus", says: 'unknown field "cpus"' },
  "unknown vcpus still checks the URI": { news: { ...withUri("qemu+ssh:///system"), vcpus: UNKNOWN }, field: "libvirt.uri", says: "needs a host name" },
};

const cases: Record<string, Case> = {
  ...domainCases, ...uriCases, ...timeoutCases, ...countCases, ...topologyCases, ...machineCases, ...connectionCases, ...settingCases,
};

describe("bad inputs are refused at check", () => {
  test.each(Object.entries(cases))("%s", (_name, c) => {
    const { failures } = checkInputs(c.olds, { __provider: "exports.handler = ...", ...c.news });
    expect(failures).toContainEqual({ property: c.field, reason: expect.stringContaining(c.says) });
  });

  test("there are at least 60 of them", () => {
    expect(Object.keys(cases).length).toBeGreaterThanOrEqual(60);
  });
});

describe("libvirt.uri messages offer only what the client can dial", () => {
  const refused = Object.entries(uriCases).map(([name, c]) => [name, checkInputs(undefined, c.news).failures] as const);
  test.each(refused)("%s", (_name, failures) => {
    const offered = failures.flatMap((f) => f.reason.split("valid: ")[1]?.split(", ") ?? []);
    expect(offered.length).toBeGreaterThan(0);
    expect(offered.filter((uri) => libvirtUriProblem(uri) !== undefined)).toEqual([]);
  });
});

describe("names libvirt accepts pass", () => {
  const good: Record<string, string> = {
    "251 bytes": "n".repeat(251),
    "shell metacharacters": "web01; echo $(id) 'x'",
    unicode: "wéb-01_ü",
    "dots and spaces": "web 01.example",
  };
  test.each(Object.entries(good))("%s", (_name, domain) => {
    expect(checkInputs(undefined, withDomain(domain)).failures).toEqual([]);
  });
});
