/** withVmLock: one holder per key, waiters bounded by the holder's expiry, always released. */
import { newOwnerId, vmKey, withVmLock } from "../../../provider/apply";
import { VmBusyError, type LeaseHolder } from "../../../provider/errors";

const holder = (resource: string, inMs: number): LeaseHolder => ({ owner: newOwnerId(), operation: "update", resource, expires: Date.now() + inMs });
const quiet = () => undefined;

/** A promise and its resolve. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  return { promise: new Promise<void>((r) => (resolve = r)), resolve };
}

describe("vmKey", () => {
  const cases: Record<string, { conn: Parameters<typeof vmKey>[0]; key: string }> = {
    "libvirt: URI and domain as given": { conn: { libvirt: { uri: "qemu:///system", domain: "web01" } }, key: "libvirt:qemu:///system#web01" },
    "QMP unix socket": { conn: { qmp: { socket: "/run/vm.qmp" } }, key: "qmp:/run/vm.qmp" },
    "QMP TCP endpoint": { conn: { qmp: { host: "10.0.0.2", port: 4444 } }, key: "qmp:10.0.0.2:4444" },
    "QMP over SSH: the same socket path on two hosts is two VMs": { conn: { qmp: { ssh: { host: "pve2" }, socket: "/var/run/qemu-server/101.qmp" } }, key: "qmp:ssh://pve2:22/var/run/qemu-server/101.qmp" },
  };
  test.each(Object.entries(cases))("%s", (_name, c) => {
    expect(vmKey(c.conn)).toBe(c.key);
  });
});

describe("newOwnerId", () => {
  test("HOST:PID:RANDOM, different per operation", () => {
    const [a, b] = [newOwnerId(), newOwnerId()];
    expect(a).toMatch(new RegExp(`^[^:]+:${process.pid}:[0-9a-f]{8}$`));
    expect(a).not.toBe(b);
  });
});

describe("withVmLock", () => {
  test("a holder past its expiry: the waiter fails with VM_BUSY naming it, without running", async () => {
    const stuck = deferred();
    const first = withVmLock("k-expiry", holder("VmCpu a", 40), quiet, () => stuck.promise);
    let ran = false;
    const err = await withVmLock("k-expiry", holder("VmCpu b", 1000), quiet, async () => void (ran = true)).catch((e: unknown) => e);
    stuck.resolve();
    await first;
    expect(err).toBeInstanceOf(VmBusyError);
    expect({ code: (err as VmBusyError).code, resource: (err as VmBusyError).holder.resource, ran }).toEqual({ code: "VM_BUSY", resource: "VmCpu a", ran: false });
    expect((err as Error).message).toMatch(/^VmCpu b: nothing was changed: VmCpu a \(update, [^)]+\) in this process still holds the VM past its expected end/);
  });

  test("a holder that extends its expiry is waited for, and the waiter runs once it is done", async () => {
    const done = deferred();
    const order: string[] = [];
    const first = withVmLock("k-extend", holder("VmCpu a", 30), quiet, async (hold) => {
      hold.extendTo(Date.now() + 5000);
      await done.promise;
      order.push("a");
    });
    const second = withVmLock("k-extend", holder("VmCpu b", 30), quiet, async () => void order.push("b"));
    setTimeout(done.resolve, 80); // past a's first expiry: only the extension keeps b waiting
    await Promise.all([first, second]);
    expect(order).toEqual(["a", "b"]);
  });

  test("a holder that throws still releases; waiters go in arrival order", async () => {
    const order: string[] = [];
    const logs: string[] = [];
    const failing = withVmLock("k-order", holder("VmCpu a", 1000), quiet, async () => { throw new Error("boom"); });
    const b = withVmLock("k-order", holder("VmCpu b", 1000), (m) => logs.push(m), async () => void order.push("b"));
    const c = withVmLock("k-order", holder("VmCpu c", 1000), quiet, async () => void order.push("c"));
    await expect(failing).rejects.toThrow("boom");
    await Promise.all([b, c]);
    expect(order).toEqual(["b", "c"]);
    expect(logs).toEqual(["VmCpu b: waiting for VmCpu a (update) on the same VM to finish"]);
  });
});
