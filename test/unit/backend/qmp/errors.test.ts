/** Every QMP client error becomes a ProviderError with a provider code, the QMP error kept as cause. */
import { fromQmpError, qmpCall } from "../../../../provider/backend/qmp/errors";
import { ProviderError } from "../../../../provider/errors";
import * as qmp from "../../../../provider/qmp";

const cases: Record<string, { err: Error; code: string; says: string }> = {
  "QEMU error reply": { err: new qmp.QmpError("device_add", "GenericError", "Duplicate device ID 'vcpu2'"), code: "QMP_COMMAND_FAILED", says: "GenericError: Duplicate device ID" },
  "reply not of the command's type": { err: new qmp.QmpProtocolError("expected array", { command: "query-hotpluggable-cpus" }), code: "QMP_COMMAND_FAILED", says: "query-hotpluggable-cpus" },
  "connection closed mid-command": { err: new qmp.QmpConnectionClosedError("device_del"), code: "QMP_UNAVAILABLE", says: "closed while waiting for device_del" },
  "no reply in time": { err: new qmp.QmpTimeoutError("query-status", 5000), code: "QMP_UNAVAILABLE", says: "no reply within 5000 ms" },
  "socket missing": { err: new qmp.QmpDialError("unix:/run/q.sock", { cause: new Error("ENOENT") }), code: "CONNECTION_FAILED", says: "unix:/run/q.sock" },
  "agent error reply": { err: new qmp.AgentError("guest-set-vcpus", "GenericError", "CPU 3 can't be offlined"), code: "AGENT_COMMAND_FAILED", says: "can't be offlined" },
  "agent applied part of a change": { err: new qmp.GuestSetVcpusPartialError(2, 1, 3), code: "AGENT_COMMAND_FAILED", says: "applied 1 of 2" },
  "agent silent": { err: new qmp.AgentTimeoutError("guest-get-vcpus", 3000, "command"), code: "AGENT_UNAVAILABLE", says: "within 3000 ms" },
};

describe("fromQmpError", () => {
  test.each(Object.entries(cases))("%s", (_name, c) => {
    const wrapped = fromQmpError(c.err, "hot-adding vCPU 2") as ProviderError;
    expect(wrapped).toBeInstanceOf(ProviderError);
    expect({ code: wrapped.code, cause: wrapped.cause }).toEqual({ code: c.code, cause: c.err });
    expect(wrapped.message).toMatch(new RegExp(`^hot-adding vCPU 2: .*${c.says.replace(/[()]/g, "\\$&")}`));
  });

  test("an error that is not the QMP client's passes through as it is", () => {
    const own = new ProviderError("PRECONDITION_FAILED", "no slot");
    expect(fromQmpError(own, "x")).toBe(own);
  });

  test("qmpCall rethrows wrapped and returns the value otherwise", async () => {
    await expect(qmpCall("reading", async () => 7)).resolves.toBe(7);
    await expect(qmpCall("reading", () => Promise.reject(new qmp.QmpError("query-status", "GenericError", "d")))).rejects.toMatchObject({ code: "QMP_COMMAND_FAILED" });
  });
});
