/**
 * The allowlist table: each command the provider sends is allowed with the arguments it sends; anything else —
 * other commands, other arguments, CPU device_add/device_del of anything that is not a vCPU slot — is refused
 * with the reason.
 */
import { ALLOWLIST, judge, parseCommand, type Channel, type VmFacts } from "../../../../provider/cli/gateway/allowlist";

const CPU = "qemu64-x86_64-cpu";
const vm: VmFacts = {
  cpuSlots: async () => [
    { type: CPU, props: { "socket-id": 0, "core-id": 3, "thread-id": 0 } },
    { type: CPU, props: { "socket-id": 0, "core-id": 2, "thread-id": 0 } },
    { type: CPU, props: { "socket-id": 0, "core-id": 1, "thread-id": 0 }, "qom-path": "/machine/peripheral/vcpu1" },
    { type: CPU, props: { "socket-id": 0, "core-id": 0, "thread-id": 0 }, "qom-path": "/machine/unattached/device[0]" },
  ],
};

const slot2 = { "socket-id": 0, "core-id": 2, "thread-id": 0 };
const ALLOWED: [string, Channel, string, Record<string, unknown>?][] = [
  ["negotiation", "qmp", "qmp_capabilities"],
  ["read: status", "qmp", "query-status"],
  ["read: uuid", "qmp", "query-uuid"],
  ["read: name", "qmp", "query-name"],
  ["read: version", "qmp", "query-version"],
  ["read: present CPUs", "qmp", "query-cpus-fast"],
  ["read: slots", "qmp", "query-hotpluggable-cpus"],
  ["preview: machines", "qmp", "query-machines"],
  ["read: -smp", "qmp", "qom-get", { path: "/machine", property: "smp" }],
  ["read: machine type", "qmp", "qom-get", { path: "/machine", property: "type" }],
  ["read: ACPI", "qmp", "qom-get", { path: "/machine", property: "acpi" }],
  ["hot-add into a free slot, as the provider sends it", "qmp", "device_add", { ...slot2, driver: CPU, id: "vcpu2" }],
  ["unplug by QOM path", "qmp", "device_del", { id: "/machine/peripheral/vcpu1" }],
  ["unplug by id", "qmp", "device_del", { id: "vcpu1" }],
  ["cpu-add (old QEMU)", "qmp", "cpu-add", { id: 2 }],
  ["agent resync", "agent", "guest-sync-delimited", { id: 12345 }],
  ["agent ping", "agent", "guest-ping"],
  ["agent info", "agent", "guest-info"],
  ["agent read", "agent", "guest-get-vcpus"],
  ["agent online", "agent", "guest-set-vcpus", { vcpus: [{ "logical-id": 1, online: true }, { "logical-id": 2, online: false }] }],
];

const REFUSED: [string, Channel, string, Record<string, unknown> | undefined, RegExp][] = [
  ["quit", "qmp", "quit", undefined, /'quit' is not on the gateway's allowlist for the qmp channel/],
  ["human-monitor-command", "qmp", "human-monitor-command", { "command-line": "info cpus" }, /not on the gateway's allowlist/],
  ["system_reset", "qmp", "system_reset", undefined, /not on the gateway's allowlist/],
  ["stop", "qmp", "stop", undefined, /not on the gateway's allowlist/],
  ["a query the provider does not send", "qmp", "query-block", undefined, /not on the gateway's allowlist/],
  ["a prototype key as a command", "qmp", "constructor", undefined, /not on the gateway's allowlist/],
  ["an agent command on the qmp channel", "qmp", "guest-get-vcpus", undefined, /not on the gateway's allowlist for the qmp channel/],
  ["a QMP command on the agent channel", "agent", "query-status", undefined, /not on the gateway's allowlist for the agent channel/],
  ["guest-exec", "agent", "guest-exec", { path: "/bin/sh" }, /not on the gateway's allowlist/],
  ["guest-file-open", "agent", "guest-file-open", { path: "/etc/shadow" }, /not on the gateway's allowlist/],
  ["guest-shutdown", "agent", "guest-shutdown", undefined, /not on the gateway's allowlist/],
  ["a query with arguments", "qmp", "query-status", { x: 1 }, /'query-status' with these arguments is not allowed/],
  ["qom-get of another path", "qmp", "qom-get", { path: "/machine/peripheral/vcpu1", property: "type" }, /path: /],
  ["qom-get of another property", "qmp", "qom-get", { path: "/machine", property: "memory-backend" }, /property: /],
  ["device_add of a NIC", "qmp", "device_add", { driver: "e1000", id: "nic9" }, /only for this VM's CPU types \(qemu64-x86_64-cpu\), not "e1000"/],
  ["device_add of a disk with a CPU-looking id", "qmp", "device_add", { driver: "virtio-blk-pci", id: "vcpu3", drive: "d0" }, /drive/],
  ["device_add of a CPU with extra props", "qmp", "device_add", { ...slot2, driver: CPU, id: "vcpu2", "hotplugged": true }, /hotplugged/],
  ["device_add into a plugged slot", "qmp", "device_add", { "socket-id": 0, "core-id": 1, "thread-id": 0, driver: CPU }, /must name a free CPU slot/],
  ["device_add with a slot's props missing", "qmp", "device_add", { "core-id": 2, driver: CPU }, /must name a free CPU slot/],
  ["device_add into a slot that does not exist", "qmp", "device_add", { "socket-id": 0, "core-id": 9, "thread-id": 0, driver: CPU }, /must name a free CPU slot/],
  ["device_del of a disk", "qmp", "device_del", { id: "virtio-disk0" }, /only for a plugged vCPU .*not "virtio-disk0"/],
  ["device_del of a free slot's would-be id", "qmp", "device_del", { id: "vcpu2" }, /only for a plugged vCPU/],
  ["device_del with extra arguments", "qmp", "device_del", { id: "vcpu1", force: true }, /force/],
  ["guest-set-vcpus with an empty list", "agent", "guest-set-vcpus", { vcpus: [] }, /vcpus/],
  ["guest-set-vcpus with another member", "agent", "guest-set-vcpus", { vcpus: [{ "logical-id": 1, online: true, x: 1 }] }, /vcpus/],
  ["capabilities with oob", "qmp", "qmp_capabilities", { enable: ["oob"] }, /enable/],
];

describe("allowed: what the provider sends", () => {
  // Every row with 4 cells: jest passes a done callback in place of a missing last parameter.
  test.each(ALLOWED.map(([a, b, c, d]) => [a, b, c, d] as const))("%s", async (_name, channel, execute, args) => {
    expect(await judge(channel, { execute, ...(args ? { arguments: args } : {}) }, vm)).toEqual({ allowed: true });
  });
});

describe("refused, with the reason", () => {
  test.each(REFUSED)("%s", async (_name, channel, execute, args, reason) => {
    const verdict = await judge(channel, { execute, ...(args ? { arguments: args } : {}) }, vm);
    expect(verdict).toEqual({ allowed: false, reason: expect.stringMatching(reason) });
  });
});

test("every row of the table says why it is there and is exercised above", () => {
  const covered = new Set(ALLOWED.map(([, ch, cmd]) => `${ch}:${cmd}`));
  for (const [key, rule] of Object.entries(ALLOWLIST)) {
    expect(rule.why.length).toBeGreaterThan(10);
    expect(key.startsWith(`${rule.channel}:`)).toBe(true);
    expect(covered.has(key)).toBe(true);
  }
});

describe("parseCommand", () => {
  test.each([
    ['{"execute":"query-status","id":7}', { command: { execute: "query-status", id: 7 } }],
    ['{"execute":"qom-get","arguments":{"path":"/machine","property":"smp"}}', { command: { execute: "qom-get", arguments: { path: "/machine", property: "smp" } } }],
    ["{not json", { error: "JSON parse error" }],
    ["[1]", { error: "Expected a JSON object" }],
    ['{"id":3}', { error: "a command needs 'execute' (a string)", id: 3 }],
    ['{"exec-oob":"migrate-recover","id":1}', { error: "only execute, arguments and id are accepted, not exec-oob", id: 1 }],
    ['{"execute":"quit","control":{"run-oob":true}}', { error: "only execute, arguments and id are accepted, not control" }],
    ['{"execute":"device_add","arguments":[1]}', { error: "'arguments' must be an object" }],
  ])("%s", (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });
});
