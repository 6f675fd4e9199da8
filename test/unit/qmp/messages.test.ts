import {
  AgentReplies,
  QmpProtocolError,
  QmpReplies,
  QmpGreeting,
  parseReply,
  type HotpluggableCpu,
} from "../../../provider/qmp";

/** `return` members captured from QEMU 7.2.22 (-machine pc -smp 1,maxcpus=4,sockets=1,dies=1,cores=4,threads=1,
 * after one device_add) and from qemu-ga 7.2 (note test-guest §1.7). */
const REAL_72 = {
  "query-hotpluggable-cpus": [
    { props: { "core-id": 3, "thread-id": 0, "socket-id": 0 }, "vcpus-count": 1, type: "qemu64-x86_64-cpu" },
    { props: { "core-id": 2, "thread-id": 0, "socket-id": 0 }, "vcpus-count": 1, type: "qemu64-x86_64-cpu" },
    { props: { "core-id": 1, "thread-id": 0, "socket-id": 0 }, "vcpus-count": 1, "qom-path": "/machine/peripheral/cpu1", type: "qemu64-x86_64-cpu" },
    { props: { "core-id": 0, "thread-id": 0, "socket-id": 0 }, "vcpus-count": 1, "qom-path": "/machine/unattached/device[0]", type: "qemu64-x86_64-cpu" },
  ],
  "query-cpus-fast": [
    { "thread-id": 31121, props: { "core-id": 0, "thread-id": 0, "socket-id": 0 }, "qom-path": "/machine/unattached/device[0]", "cpu-index": 0, target: "x86_64" },
    { "thread-id": 31166, props: { "core-id": 1, "thread-id": 0, "socket-id": 0 }, "qom-path": "/machine/peripheral/cpu1", "cpu-index": 1, target: "x86_64" },
  ],
  "query-machines": [
    { "hotpluggable-cpus": true, name: "pc-q35-7.2", "numa-mem-supported": false, "default-cpu-type": "qemu64-x86_64-cpu", "cpu-max": 288, deprecated: false, "default-ram-id": "pc.ram", alias: "q35" },
    { "hotpluggable-cpus": true, name: "pc-i440fx-7.2", "numa-mem-supported": false, "default-cpu-type": "qemu64-x86_64-cpu", "is-default": true, "cpu-max": 255, deprecated: false, "default-ram-id": "pc.ram", alias: "pc" },
    { "hotpluggable-cpus": false, name: "none", "numa-mem-supported": false, "cpu-max": 1, deprecated: false, "default-ram-id": "ram" },
  ],
  "query-current-machine": { "wakeup-suspend-support": true },
  "query-version": { qemu: { micro: 22, minor: 2, major: 7 }, package: "Debian 1:7.2+dfsg-7+deb12u18+b3" },
  "query-name": {},
  "query-uuid": { UUID: "00000000-0000-0000-0000-000000000000" },
  "query-status": { status: "running", singlestep: false, running: true },
  qmp_capabilities: {},
  device_add: {},
  device_del: {},
} as const;

describe("QMP reply schemas against QEMU 7.2 output", () => {
  it.each(Object.keys(REAL_72) as (keyof typeof REAL_72)[])("%s parses", (cmd) => {
    expect(() => parseReply(cmd, QmpReplies[cmd], REAL_72[cmd])).not.toThrow();
  });

  it("query-hotpluggable-cpus: free slots have no qom-path; props keep unknown members verbatim", () => {
    const withFuture = [{ ...REAL_72["query-hotpluggable-cpus"][0], props: { "core-id": 3, "socket-id": 0, "future-id": 7 } }];
    const slots: HotpluggableCpu[] = parseReply("query-hotpluggable-cpus", QmpReplies["query-hotpluggable-cpus"], withFuture);
    expect(slots[0]!["qom-path"]).toBeUndefined();
    expect(slots[0]!.props).toEqual({ "core-id": 3, "socket-id": 0, "future-id": 7 });
  });

  const mismatches: Record<string, { command: keyof typeof QmpReplies; raw: unknown }> = {
    "slot without type": { command: "query-hotpluggable-cpus", raw: [{ "vcpus-count": 1, props: {} }] },
    "core-id not a number": { command: "query-hotpluggable-cpus", raw: [{ type: "t", "vcpus-count": 1, props: { "core-id": "1" } }] },
    "cpus-fast is an object": { command: "query-cpus-fast", raw: {} },
    "status without running": { command: "query-status", raw: { status: "running" } },
  };
  it.each(Object.entries(mismatches))("mismatch is a protocol error naming the command: %s", (_n, c) => {
    let caught: unknown;
    try {
      parseReply(c.command, QmpReplies[c.command], c.raw);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(QmpProtocolError);
    expect(caught).toMatchObject({ code: "QMP_PROTOCOL_ERROR", command: c.command });
    expect((caught as Error).message).toContain(c.command);
    expect((caught as Error).cause).toBeDefined();
  });

  it("greeting", () => {
    const g = QmpGreeting.parse({ QMP: { version: REAL_72["query-version"], capabilities: ["oob"] } });
    expect(g.QMP.version.qemu).toEqual({ major: 7, minor: 2, micro: 22 });
  });
});

describe("agent reply schemas", () => {
  const cases: Record<string, { command: keyof typeof AgentReplies; raw: unknown; ok: boolean }> = {
    "guest-get-vcpus (unsorted, as qemu-ga sends it)": {
      command: "guest-get-vcpus",
      raw: [
        { online: false, "can-offline": true, "logical-id": 1 },
        { online: false, "can-offline": true, "logical-id": 2 },
        { online: true, "can-offline": false, "logical-id": 0 },
      ],
      ok: true,
    },
    "guest-get-vcpus without can-offline": { command: "guest-get-vcpus", raw: [{ online: true, "logical-id": 0 }], ok: true },
    "guest-set-vcpus count": { command: "guest-set-vcpus", raw: 1, ok: true },
    "guest-set-vcpus not an integer": { command: "guest-set-vcpus", raw: 1.5, ok: false },
    "guest-info": {
      command: "guest-info",
      raw: { version: "7.2.22", supported_commands: [{ enabled: true, name: "guest-get-vcpus", "success-response": true }] },
      ok: true,
    },
    "guest-sync-delimited": { command: "guest-sync-delimited", raw: 12345, ok: true },
    "guest-get-vcpus missing online": { command: "guest-get-vcpus", raw: [{ "logical-id": 0 }], ok: false },
  };
  it.each(Object.entries(cases))("%s", (_n, c) => {
    const run = () => parseReply(c.command, AgentReplies[c.command], c.raw);
    if (c.ok) expect(run).not.toThrow();
    else expect(run).toThrow(expect.objectContaining({ command: c.command, code: "QMP_PROTOCOL_ERROR" }));
  });
});
