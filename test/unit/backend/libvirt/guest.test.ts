/**
 * The libvirt backend's guest port over the wire: DOMAIN_GET_GUEST_VCPUS typed params
 * mapped to GuestCpu rows, DOMAIN_SET_GUEST_VCPUS per state, the count that really took
 * effect when libvirt fails half-way, and waitForAgent.
 */
import type { GuestPort } from "../../../../provider/apply";
import { LibvirtError } from "../../../../provider/libvirt";
import * as R from "../../../../provider/libvirt/protocol/remote-procedures";
import { fail } from "../../../fakes/libvirtd";
import { deadlineIn, libvirtHarness } from "./harness";
import * as W from "./wire";

const h = libvirtHarness();

/** Opens the hypervisor on the installed domain and returns its guest port. */
async function openGuest(): Promise<GuestPort> {
  const hv = await h.open();
  const guest = hv.guest();
  if (!guest) throw new Error("no guest port");
  return guest;
}

describe("guest port", () => {
  test("getVcpus maps the vcpus/online/offlinable typed params", async () => {
    const domain = h.install({ plugged: [0, 1, 2, 3] });
    domain.guest.online.delete(2); // hot-added, not yet onlined in the guest
    const cpus = await (await openGuest()).getVcpus();
    expect(cpus).toEqual([
      { logicalId: 0, online: true, canOffline: false },
      { logicalId: 1, online: true, canOffline: true },
      { logicalId: 2, online: false, canOffline: true },
      { logicalId: 3, online: true, canOffline: true },
    ]);
    expect(domain.argsOf(R.DomainGetGuestVcpus).map((a) => a.flags)).toEqual([0]);
  });

  test("no guest port when the agent is not to be used", async () => {
    h.install();
    expect((await h.open({ useAgent: false })).guest()).toBeUndefined();
  });

  type Change = { logicalId: number; online: boolean };
  const on = (logicalId: number): Change => ({ logicalId, online: true });
  const off = (logicalId: number): Change => ({ logicalId, online: false });
  const setCases: Record<string, { offline: number[]; refuses: number[]; changes: Change[]; applied: number; sent: Array<[string, number]> }> = {
    "all applied: one cpumap per state": { offline: [2, 3], refuses: [], changes: [on(2), on(3)], applied: 2, sent: [["2-3", 1]] },
    "onlines applied, the offline refused": { offline: [2], refuses: [1], changes: [on(2), off(1)], applied: 1, sent: [["2", 1], ["1", 0]] },
    "refused half-way through one cpumap": { offline: [], refuses: [2], changes: [off(1), off(2), off(3)], applied: 1, sent: [["1-3", 0]] },
  };
  test.each(Object.entries(setCases))("setVcpus: %s", async (_name, c) => {
    const domain = h.install({ plugged: [0, 1, 2, 3] });
    c.offline.forEach((id) => domain.guest.online.delete(id));
    c.refuses.forEach((id) => domain.guest.refuses.add(id));
    expect(await (await openGuest()).setVcpus(c.changes)).toBe(c.applied);
    expect(domain.argsOf(R.DomainSetGuestVcpus).map((a) => [a.cpumap, a.state])).toEqual(c.sent);
    expect(domain.argsOf(R.DomainSetGuestVcpus).every((a) => a.flags === 0)).toBe(true);
  });

  test("setVcpus: the agent is gone after the failure → 0 confirmed", async () => {
    const domain = h.install({ plugged: [0, 1, 2, 3] });
    domain.guest.refuses.add(3);
    const guest = await openGuest();
    domain.on(R.DomainGetGuestVcpus, W.readDomFlags, () => fail(W.LIBVIRT_ERRORS.agentNotConnected));
    expect(await guest.setVcpus([off(2), off(3)])).toBe(0);
  });

  test("setVcpus: an error although every change holds propagates the LibvirtError", async () => {
    const domain = h.install({ plugged: [0, 1, 2, 3] });
    const guest = await openGuest();
    domain.on(R.DomainSetGuestVcpus, W.readDomCpumap, () => {
      domain.guest.online.delete(3);
      return fail({ code: 1, domain: 10, message: "internal error: reply from the agent came too late" });
    });
    await expect(guest.setVcpus([off(3)])).rejects.toBeInstanceOf(LibvirtError);
  });
});

describe("waitForAgent", () => {
  test("true once GET_GUEST_VCPUS answers", async () => {
    const domain = h.install({ agent: "disconnected" });
    const hv = await h.open();
    let asked = 0;
    domain.on(R.DomainGetGuestVcpus, W.readDomFlags, () => (++asked < 3 ? fail(W.LIBVIRT_ERRORS.agentNotConnected) : W.typedParamsRet([])));
    expect(await hv.waitForAgent(deadlineIn(2000))).toBe(true);
    expect(asked).toBe(3);
  });

  test("false when the agent never answers before the deadline", async () => {
    h.install({ agent: "disconnected" });
    const hv = await h.open();
    expect(await hv.waitForAgent(deadlineIn(80))).toBe(false);
  });
});
