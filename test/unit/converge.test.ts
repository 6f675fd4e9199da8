/** converge: read → plan → refuse/block before any change → execute → read, against the fakes. */
import { QmpHypervisor } from "../../provider/backend/qmp/hypervisor";
import { converge } from "../../provider/converge";
import { ApplyError, ProviderError } from "../../provider/errors";
import { QmpError } from "../../provider/qmp";
import { parseInputs } from "../../provider/spec";
import { FakeVm, type FakeVmOptions } from "../support/fake-hypervisor";
import { desired } from "../support/live";
import { startFakeQemu } from "./backend/qmp/fake-qemu";

interface Case { vm: FakeVmOptions; want: Record<string, unknown>; calls: string[]; vcpusAfter: number; logged: RegExp | undefined }

const cases: Record<string, Case> = {
  "already matching: reads only, no plan logged": { vm: { plugged: 2 }, want: { vcpus: 2 }, calls: ["read", "read", "read"], vcpusAfter: 2, logged: undefined },
  "scale up: hot-add, online, write the definition": {
    vm: { plugged: 1 }, want: { vcpus: 2 }, calls: ["read", "hotAdd:1", "guest-set:1+", "config:2", "read"], vcpusAfter: 2, logged: /plan: hot-add vCPU 1/,
  },
  "scale down: offline in the guest, then unplug": {
    vm: { plugged: 3 }, want: { vcpus: 2 }, calls: ["read", "guest-set:2-", "unplug:2", "config:2", "read"], vcpusAfter: 2, logged: /plan: .*unplug vCPU 2/,
  },
};

async function run(vm: FakeVm, want: Record<string, unknown>) {
  const logs: string[] = [];
  const result = await converge(vm, desired(want), "VmCpu t", (m) => logs.push(m));
  return { result, logs };
}

describe("converge", () => {
  test.each(Object.entries(cases))("%s", async (_name, c) => {
    const vm = new FakeVm(c.vm);
    const { result, logs } = await run(vm, c.want);
    expect(vm.calls).toEqual(c.calls);
    expect(result.live.running?.vcpus).toBe(c.vcpusAfter);
    expect(result.before.running?.vcpus).toBe(c.vm.plugged);
    if (c.logged) expect(logs.join("\n")).toMatch(c.logged);
    else expect(logs.filter((l) => l.includes("plan:"))).toEqual([]);
  });

  test("a restart-needing change under coldChanges refuse: COLD_CHANGE_REFUSED, nothing changed", async () => {
    const vm = new FakeVm({ plugged: 1 });
    const err = await run(vm, { maxVcpus: 8, vcpus: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).code).toBe("COLD_CHANGE_REFUSED");
    expect((err as Error).message).toMatch(/maxVcpus/);
    expect(vm.calls.every((c) => c === "read")).toBe(true);
  });

  test("a required agent that never answers: waited for, then refused before any change", async () => {
    const vm = new FakeVm({ plugged: 1, agent: false });
    const err = await run(vm, { vcpus: 2, guestAgent: "required" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).code).toBe("PRECONDITION_FAILED");
    expect((err as Error).message).toMatch(/^VmCpu t: nothing was changed: /);
    expect(vm.calls).toEqual(["read", "waitForAgent"]); // no second read of an agent that stayed silent
  });

  test("a step failing on a QMP error reply: ApplyError with QMP_COMMAND_FAILED, live state read afterwards, QmpError kept", async () => {
    const { server } = await startFakeQemu(4, 2);
    server.handle("device_add", () => ({ error: { class: "GenericError", desc: "Not enough memory for a new vCPU" } }));
    const hv = await QmpHypervisor.open({ socket: server.path }, false);
    try {
      const want = parseInputs({ qmp: { socket: server.path }, maxVcpus: 4, vcpus: 3, guestAgent: "off" });
      const err = await converge(hv, want, "VmCpu q", () => undefined).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApplyError);
      const apply = err as ApplyError;
      expect({ code: apply.code, step: apply.step?.kind, liveVcpus: apply.live?.running?.vcpus }).toEqual({ code: "QMP_COMMAND_FAILED", step: "hotAdd", liveVcpus: 2 });
      expect(apply.message).toMatch(/hot-add vCPU 2 .*failed: hot-adding vCPU 2: QMP device_add failed: GenericError: Not enough memory/);
      expect((apply.cause as ProviderError).cause).toBeInstanceOf(QmpError);
    } finally {
      await hv.close();
      await server.close();
    }
  });
});
