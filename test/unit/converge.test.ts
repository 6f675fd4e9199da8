/** converge: read → plan → refuse/block before any change → execute → read, against the fakes. */
import { QmpHypervisor } from "../../provider/backend/qmp/hypervisor";
import { converge } from "../../provider/converge";
import { ApplyError, ProviderError, VmBusyError } from "../../provider/errors";
import { QmpError } from "../../provider/qmp";
import { parseInputs } from "../../provider/spec";
import { FakeVm, type FakeVmOptions } from "../support/fake-hypervisor";
import { desired } from "../support/live";
import { startFakeQemu } from "./backend/qmp/fake-qemu";

interface Case { vm: FakeVmOptions; want: Record<string, unknown>; calls: string[]; vcpusAfter: number; logged: RegExp | undefined }

const cases: Record<string, Case> = {
  "already matching: reads only, no plan logged": { vm: { plugged: 2 }, want: { vcpus: 2 }, calls: ["read", "read", "read"], vcpusAfter: 2, logged: undefined },
  "scale up: lease, hot-add, online, write the definition, release": {
    vm: { plugged: 1 }, want: { vcpus: 2 }, calls: ["read", "lease", "hotAdd:1", "guest-set:1+", "config:2", "read", "release"], vcpusAfter: 2, logged: /plan: hot-add vCPU 1/,
  },
  "scale down: lease, offline in the guest, then unplug, release": {
    vm: { plugged: 3 }, want: { vcpus: 2 }, calls: ["read", "lease", "guest-set:2-", "unplug:2", "config:2", "read", "release"], vcpusAfter: 2, logged: /plan: .*unplug vCPU 2/,
  },
  "a lease other processes see: the plan is made again from a read under it": {
    vm: { plugged: 1, lease: "cross-process" }, want: { vcpus: 2 }, calls: ["read", "lease", "read", "hotAdd:1", "guest-set:1+", "config:2", "read", "release"], vcpusAfter: 2, logged: /plan: hot-add vCPU 1/,
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

  test("a step failing half-way: the lease is still released, after the read that records the state", async () => {
    const vm = new FakeVm({ plugged: 1, gate: async (call) => { if (call.startsWith("guest-set")) throw new Error("agent went away"); } });
    const err = await run(vm, { vcpus: 2, guestAgent: "required" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyError);
    expect(vm.calls).toEqual(["read", "waitForAgent", "lease", "hotAdd:1", "read", "release"]); // a required agent is pinged first
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

/** A promise and its resolve, to hold an operation mid-way. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  return { promise: new Promise<void>((r) => (resolve = r)), resolve };
}

/** Conditions re-checked on every notify; `until` rejects past its deadline, so a missing event fails the test. */
class Signals {
  private waiters = new Set<() => void>();
  notify(): void {
    for (const w of [...this.waiters]) w();
  }
  until(cond: () => boolean, what: string, ms = 2000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.waiters.delete(check); reject(new Error(`not within ${ms} ms: ${what}`)); }, ms);
      const check = () => {
        if (!cond()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
      check();
    });
  }
}

describe("converge: one changing operation per VM in this process", () => {
  test("4→2 and 4→3 on one VM at once: the second waits, then plans from a fresh read (2 vCPUs → hot-add one)", async () => {
    const signals = new Signals();
    const open = deferred();
    const gated: string[] = [];
    const vm = new FakeVm({ plugged: 4, gate: async (call) => { gated.push(call); signals.notify(); await open.promise; } });
    const logsB: string[] = [];
    try {
      const a = converge(vm, desired({ vcpus: 2 }), "VmCpu a", () => undefined);
      await signals.until(() => gated.length > 0, "a makes its first change");
      const b = converge(vm, desired({ vcpus: 3 }), "VmCpu b", (m) => { logsB.push(m); signals.notify(); });
      await signals.until(() => logsB.some((l) => /^VmCpu b: waiting for VmCpu a \(update\) on the same VM/.test(l)), "b says it waits for a");
      expect(vm.calls.filter((c) => c === "read")).toEqual(["read"]); // a's read only: b has not read yet
      open.resolve();
      const [ra, rb] = await Promise.all([a, b]);
      expect([ra.before.running?.vcpus, rb.before.running?.vcpus]).toEqual([4, 2]);
      expect(rb.plan.steps.map((s) => s.kind)).toEqual(["hotAdd", "onlineInGuest", "setConfigVcpus"]);
      expect(vm.calls.filter((c) => c === "lease" || c === "release")).toEqual(["lease", "release", "lease", "release"]);
      expect([vm.plugged.size, vm.config.vcpus]).toEqual([3, 3]);
    } finally {
      open.resolve();
    }
  });

  test("two different VMs: both are changed at the same time", async () => {
    const signals = new Signals();
    const open = deferred();
    const gated: string[] = [];
    const gate = (vm: string) => async (call: string) => { gated.push(`${vm} ${call}`); signals.notify(); await open.promise; };
    const [web01, web02] = [new FakeVm({ plugged: 1, gate: gate("web01") }), new FakeVm({ plugged: 1, gate: gate("web02") })];
    try {
      const a = converge(web01, desired({ vcpus: 2 }), "VmCpu a", () => undefined);
      const b = converge(web02, desired({ vcpus: 2, libvirt: { uri: "qemu:///system", domain: "web02" } }), "VmCpu b", () => undefined);
      await signals.until(() => gated.length === 2, "both VMs mid-change at once");
      expect(gated.sort()).toEqual(["web01 hotAdd:1", "web02 hotAdd:1"]);
      open.resolve();
      await Promise.all([a, b]);
    } finally {
      open.resolve();
    }
  });

  test("the lease held by another process: VM_BUSY before any change, and the VM is free again for the next operation", async () => {
    const vm = new FakeVm({ plugged: 1, lease: "busy" });
    const err = await run(vm, { vcpus: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VmBusyError);
    expect((err as VmBusyError).holder.owner).toBe("other:1:ab");
    expect(vm.calls).toEqual(["read", "lease"]);
    const next = new FakeVm({ plugged: 2 });
    await expect(run(next, { vcpus: 2 })).resolves.toBeDefined();
  });
});
