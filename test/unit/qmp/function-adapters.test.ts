import {
  AgentError,
  AgentTimeoutError,
  FunctionGuestAgent,
  FunctionMonitor,
  QmpConnectionClosedError,
  QmpError,
  QmpProtocolError,
  QmpTimeoutError,
  deviceDeleted,
  plugCpu,
  query,
  type ExecJson,
} from "../../../provider/qmp";

/** A scripted stand-in for libvirt's monitor/agent command call: records requests, answers from a table. */
function scripted(answers: Record<string, string | (() => Promise<string>) | Error>): { exec: ExecJson; sent: unknown[] } {
  const sent: unknown[] = [];
  const exec: ExecJson = async (json) => {
    const msg = JSON.parse(json) as { execute: string };
    sent.push(msg);
    const a = answers[msg.execute];
    if (a === undefined) throw new Error(`unscripted ${msg.execute}`);
    if (a instanceof Error) throw a;
    return typeof a === "string" ? a : a();
  };
  return { exec, sent };
}

const SLOT = { props: { "core-id": 2, "thread-id": 0, "socket-id": 0 }, "vcpus-count": 1, type: "qemu64-x86_64-cpu" };

describe("FunctionMonitor (libvirt qemuDomainMonitorCommand shape)", () => {
  it("sends JSON without id and returns `return`, whatever id libvirt put on the reply", async () => {
    const { exec, sent } = scripted({ "query-hotpluggable-cpus": JSON.stringify({ return: [SLOT], id: "libvirt-42" }) });
    const m = new FunctionMonitor(exec);
    await expect(query(m, "query-hotpluggable-cpus")).resolves.toEqual([SLOT]);
    expect(sent).toEqual([{ execute: "query-hotpluggable-cpus" }]);
  });

  it("plugCpu passes the slot type as driver and every prop verbatim", async () => {
    const { exec, sent } = scripted({ device_add: '{"return": {}}' });
    await plugCpu(new FunctionMonitor(exec), SLOT, "vcpu2");
    expect(sent).toEqual([{ execute: "device_add", arguments: { "core-id": 2, "thread-id": 0, "socket-id": 0, driver: "qemu64-x86_64-cpu", id: "vcpu2" } }]);
  });

  const cases: Record<string, { answer: string | Error | (() => Promise<string>); check: (e: unknown) => void }> = {
    "error reply → QmpError with class": {
      answer: '{"id": "libvirt-7", "error": {"class": "DeviceNotFound", "desc": "Device \'x\' not found"}}',
      check: (e) => expect(e).toMatchObject({ code: "QMP_ERROR", class: "DeviceNotFound", command: "device_del" }),
    },
    "not JSON → protocol error naming the command": {
      answer: "<html>",
      check: (e) => expect(e).toMatchObject({ code: "QMP_PROTOCOL_ERROR", command: "device_del" }),
    },
    "an event instead of a reply → protocol error": {
      answer: '{"event": "STOP", "timestamp": {"seconds": 1, "microseconds": 0}}',
      check: (e) => expect(e).toBeInstanceOf(QmpProtocolError),
    },
    "backing call's own error passes through unchanged": {
      answer: Object.assign(new Error("Requested operation is not valid: domain is not running"), { code: 55 }),
      check: (e) => expect(e).toMatchObject({ code: 55 }),
    },
    "timeout → QmpTimeoutError": {
      answer: () => new Promise<string>(() => undefined),
      check: (e) => expect(e).toBeInstanceOf(QmpTimeoutError),
    },
  };
  it.each(Object.entries(cases))("%s", async (_n, c) => {
    const { exec } = scripted({ device_del: c.answer });
    const m = new FunctionMonitor(exec, { defaultTimeoutMs: 30 });
    c.check(await m.execute("device_del", { id: "x" }).catch((e: unknown) => e));
  });

  it("events from subscribe reach waiters (objects and JSON text); invalid ones are dropped; close unsubscribes", async () => {
    let deliver!: (e: unknown) => void;
    const unsubscribe = jest.fn();
    const m = new FunctionMonitor(scripted({}).exec, {
      subscribe: (d) => {
        deliver = d;
        return unsubscribe;
      },
    });
    const mark = m.mark();
    deliver({ event: "DEVICE_DELETED", data: { device: "vcpu1", path: "/machine/peripheral/vcpu1" }, timestamp: { seconds: 1, microseconds: 0 } });
    expect(m.deliverEvent("{not json")).toBe(false);
    expect(m.deliverEvent({ event: "X" })).toBe(false);
    const later = m.waitForEvent(deviceDeleted({ id: "vcpu2" }), 1000);
    deliver('{"event": "DEVICE_DELETED", "data": {"device": "vcpu2", "path": "/p"}, "timestamp": {"seconds": 2, "microseconds": 0}}');
    await expect(m.waitForEvent(deviceDeleted({ id: "vcpu1" }), 10, mark)).resolves.toMatchObject({ data: { device: "vcpu1" } });
    await expect(later).resolves.toMatchObject({ data: { device: "vcpu2" } });
    await m.close();
    expect(unsubscribe).toHaveBeenCalledTimes(1);
    await expect(m.execute("query-status")).rejects.toBeInstanceOf(QmpConnectionClosedError);
  });
});

describe("FunctionGuestAgent (libvirt qemuDomainAgentCommand shape)", () => {
  it("getVcpus sorted, setVcpus count, no ids sent", async () => {
    const { exec, sent } = scripted({
      "guest-get-vcpus": '{"return": [{"online": false, "can-offline": true, "logical-id": 1}, {"online": true, "can-offline": false, "logical-id": 0}]}',
      "guest-set-vcpus": '{"return": 1}',
    });
    const a = new FunctionGuestAgent(exec);
    await expect(a.getVcpus()).resolves.toEqual([
      { logicalId: 0, online: true, canOffline: false },
      { logicalId: 1, online: false, canOffline: true },
    ]);
    await expect(a.setVcpus([{ logicalId: 1, online: true }, { logicalId: 0, online: false }])).resolves.toBe(1);
    expect(sent).toEqual([
      { execute: "guest-get-vcpus" },
      { execute: "guest-set-vcpus", arguments: { vcpus: [{ "logical-id": 1, online: true }, { "logical-id": 0, online: false }] } },
    ]);
  });

  it("error reply → AgentError; timeout → AgentTimeoutError", async () => {
    const { exec } = scripted({
      "guest-set-vcpus": '{"error": {"class": "GenericError", "desc": "logical processor #0 can\'t be offlined"}}',
      "guest-get-vcpus": () => new Promise<string>(() => undefined),
    });
    const a = new FunctionGuestAgent(exec, { defaultTimeoutMs: 30 });
    await expect(a.setVcpus([{ logicalId: 0, online: false }])).rejects.toBeInstanceOf(AgentError);
    await expect(a.getVcpus()).rejects.toBeInstanceOf(AgentTimeoutError);
  });

  const pings: Record<string, { answer: string | Error | (() => Promise<string>); isUnavailable?: (e: unknown) => boolean; want: boolean | "throws" }> = {
    "answered": { answer: '{"return": {}}', want: true },
    "timeout": { answer: () => new Promise<string>(() => undefined), want: false },
    "libvirt 'agent not connected' marked unavailable": {
      answer: Object.assign(new Error("QEMU guest agent is not connected"), { code: 86 }),
      isUnavailable: (e) => (e as { code?: number }).code === 86,
      want: false,
    },
    "other backing errors are thrown": { answer: new Error("boom"), want: "throws" },
  };
  it.each(Object.entries(pings))("ping: %s", async (_n, c) => {
    const a = new FunctionGuestAgent(scripted({ "guest-ping": c.answer }).exec, { isUnavailable: c.isUnavailable });
    if (c.want === "throws") await expect(a.ping(30)).rejects.toThrow("boom");
    else await expect(a.ping(30)).resolves.toBe(c.want);
  });

  it("error classes survive as QmpError-like fields", async () => {
    const { exec } = scripted({ "guest-exec": '{"error": {"class": "CommandNotFound", "desc": "Command guest-exec has been disabled"}}' });
    const err = await new FunctionGuestAgent(exec).execute("guest-exec").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "AGENT_ERROR", class: "CommandNotFound", command: "guest-exec" });
    expect(err).not.toBeInstanceOf(QmpError);
  });
});
