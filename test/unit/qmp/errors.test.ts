import {
  AgentError,
  AgentTimeoutError,
  GuestSetVcpusPartialError,
  QmpConnectionClosedError,
  QmpDialError,
  QmpError,
  QmpProtocolError,
  QmpTimeoutError,
  findCause,
  hasErrorClass,
  isDeviceNotFound,
  isUnplugNotSupported,
} from "../../../provider/qmp";

describe("error codes are stable", () => {
  const cases: Record<string, { err: Error & { code: string }; code: string; name: string }> = {
    QmpError: { err: new QmpError("device_del", "DeviceNotFound", "Device 'x' not found"), code: "QMP_ERROR", name: "QmpError" },
    AgentError: { err: new AgentError("guest-set-vcpus", "GenericError", "x"), code: "AGENT_ERROR", name: "AgentError" },
    QmpConnectionClosedError: { err: new QmpConnectionClosedError("query-status"), code: "QMP_CONNECTION_CLOSED", name: "QmpConnectionClosedError" },
    QmpProtocolError: { err: new QmpProtocolError("x", { command: "c" }), code: "QMP_PROTOCOL_ERROR", name: "QmpProtocolError" },
    QmpTimeoutError: { err: new QmpTimeoutError("query-status", 5), code: "QMP_TIMEOUT", name: "QmpTimeoutError" },
    QmpDialError: { err: new QmpDialError("unix:/x", { cause: new Error("ENOENT") }), code: "QMP_DIAL_FAILED", name: "QmpDialError" },
    AgentTimeoutError: { err: new AgentTimeoutError("guest-ping", 5, "command"), code: "AGENT_TIMEOUT", name: "AgentTimeoutError" },
    GuestSetVcpusPartialError: { err: new GuestSetVcpusPartialError(3, 1, 0), code: "AGENT_PARTIAL_APPLY", name: "GuestSetVcpusPartialError" },
  };
  it.each(Object.entries(cases))("%s", (_n, c) => {
    expect(c.err.code).toBe(c.code);
    expect(c.err.name).toBe(c.name);
    expect(c.err).toBeInstanceOf(Error);
  });

  it("QmpError keeps class, desc and command", () => {
    const e = new QmpError("device_add", "GenericError", "Invalid CPU core-id: 9 must be in range 0:3");
    expect({ class: e.class, desc: e.desc, command: e.command }).toEqual({
      class: "GenericError",
      desc: "Invalid CPU core-id: 9 must be in range 0:3",
      command: "device_add",
    });
    expect(e.message).toBe("QMP device_add failed: GenericError: Invalid CPU core-id: 9 must be in range 0:3");
  });
});

describe("predicates walk the cause chain", () => {
  const wrapped = (e: Error) => new Error("while unplugging vcpu 2", { cause: e });
  const cases: Record<string, { err: unknown; pred: (e: unknown) => boolean; want: boolean }> = {
    "DeviceNotFound direct": { err: new QmpError("device_del", "DeviceNotFound", "Device 'nope' not found"), pred: isDeviceNotFound, want: true },
    "DeviceNotFound wrapped": { err: wrapped(new QmpError("device_del", "DeviceNotFound", "d")), pred: isDeviceNotFound, want: true },
    "GenericError is not DeviceNotFound": { err: new QmpError("x", "GenericError", "d"), pred: isDeviceNotFound, want: false },
    "plain Error": { err: new Error("DeviceNotFound"), pred: isDeviceNotFound, want: false },
    "not an error": { err: "DeviceNotFound", pred: isDeviceNotFound, want: false },
    "unplug before the guest OS switched ACPI CPU hotplug to modern mode": {
      err: new QmpError("device_del", "GenericError", "acpi: device unplug request for not supported device type: qemu64-x86_64-cpu"),
      pred: isUnplugNotSupported,
      want: true,
    },
  };
  it.each(Object.entries(cases))("%s", (_n, c) => {
    expect(c.pred(c.err)).toBe(c.want);
  });

  it("hasErrorClass and findCause", () => {
    const inner = new QmpError("device_add", "KVMMissingCap", "d");
    expect(hasErrorClass(wrapped(inner), "KVMMissingCap")).toBe(true);
    expect(findCause(wrapped(inner), (e): e is QmpError => e instanceof QmpError)).toBe(inner);
  });

  it("a cyclic cause chain terminates", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(isDeviceNotFound(a)).toBe(false);
  });

  it("dial error names the target and the errno", () => {
    const cause = Object.assign(new Error("connect ENOENT /x"), { code: "ENOENT" });
    const e = new QmpDialError("unix:/x", { cause });
    expect(e.message).toBe("cannot connect to unix:/x: ENOENT: connect ENOENT /x");
    expect(e.cause).toBe(cause);
  });
});
