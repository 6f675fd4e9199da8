/**
 * The libvirt backend's guest port over the wire: qemu-ga commands through
 * QEMU_PROC_DOMAIN_AGENT_COMMAND with libvirt's own per-call timeout taken from the step's
 * deadline, `guest-get-vcpus` mapped to GuestCpu rows, `guest-set-vcpus`' applied count, a hung
 * or absent agent as AGENT_UNAVAILABLE in bounded time, and waitForAgent.
 */
import type { GuestPort } from "../../../../provider/apply";
import { ProviderError } from "../../../../provider/errors";
import * as Q from "../../../../provider/libvirt/protocol/qemu-procedures";
import { fail } from "../../../fakes/libvirtd";
import { deadlineIn, libvirtHarness } from "./harness";
import * as W from "./wire";

const h = libvirtHarness();

/** Opens the hypervisor on the installed domain and returns its guest port, bounded by `ms`. */
async function openGuest(ms = 10_000): Promise<GuestPort> {
  const hv = await h.open();
  const guest = hv.guest(deadlineIn(ms));
  if (!guest) throw new Error("no guest port");
  return guest;
}

const commands = (domain: ReturnType<typeof h.install>) => domain.argsOf(Q.QemuDomainAgentCommand).map((a) => JSON.parse(a.cmd) as { execute: string; arguments?: unknown });

describe("guest port", () => {
  test("getVcpus maps guest-get-vcpus; libvirt gets the seconds left as the command's timeout", async () => {
    const domain = h.install({ plugged: [0, 1, 2, 3] });
    domain.guest.online.delete(2); // hot-added, not yet onlined in the guest
    const cpus = await (await openGuest(7_500)).getVcpus();
    expect(cpus).toEqual([
      { logicalId: 0, online: true, canOffline: false },
      { logicalId: 1, online: true, canOffline: true },
      { logicalId: 2, online: false, canOffline: true },
      { logicalId: 3, online: true, canOffline: true },
    ]);
    expect(domain.argsOf(Q.QemuDomainAgentCommand).map((a) => [JSON.parse(a.cmd).execute, a.timeout, a.flags])).toEqual([["guest-get-vcpus", 8, 0]]);
  });

  test("no guest port when the agent is not to be used", async () => {
    h.install();
    expect((await h.open({ useAgent: false })).guest(deadlineIn(1000))).toBeUndefined();
  });

  type Change = { logicalId: number; online: boolean };
  const on = (logicalId: number): Change => ({ logicalId, online: true });
  const off = (logicalId: number): Change => ({ logicalId, online: false });
  const setCases: Record<string, { offline: number[]; refuses: number[]; changes: Change[]; applied: number }> = {
    "all applied": { offline: [2, 3], refuses: [], changes: [on(2), on(3)], applied: 2 },
    "the guest stops at the first it refuses": { offline: [2], refuses: [1], changes: [on(2), off(1)], applied: 1 },
    "refused half-way": { offline: [], refuses: [2], changes: [off(1), off(2), off(3)], applied: 1 },
  };
  test.each(Object.entries(setCases))("setVcpus: %s", async (_name, c) => {
    const domain = h.install({ plugged: [0, 1, 2, 3] });
    c.offline.forEach((id) => domain.guest.online.delete(id));
    c.refuses.forEach((id) => domain.guest.refuses.add(id));
    expect(await (await openGuest()).setVcpus(c.changes)).toBe(c.applied);
    expect(commands(domain)).toEqual([{ execute: "guest-set-vcpus", arguments: { vcpus: c.changes.map((x) => ({ "logical-id": x.logicalId, online: x.online })) } }]);
  });

  const failures: Record<string, { agent: "hung" | "disconnected"; code: string }> = {
    "a hung agent (libvirt's per-call timeout ran out)": { agent: "hung", code: "AGENT_UNAVAILABLE" },
    "an agent that is not connected": { agent: "disconnected", code: "AGENT_UNAVAILABLE" },
  };
  test.each(Object.entries(failures))("%s is AGENT_UNAVAILABLE, cause kept", async (_name, c) => {
    h.install({ agent: c.agent });
    const err = await (await openGuest()).getVcpus().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ code: c.code, message: expect.stringMatching(/did not answer asking the guest for its CPUs in time/) });
    expect((err as Error).cause).toBeDefined();
  });

  test("past its deadline a call fails at once, without asking libvirt", async () => {
    const domain = h.install();
    const hv = await h.open();
    const guest = hv.guest(Date.now() - 1)!;
    const t0 = Date.now();
    await expect(guest.getVcpus()).rejects.toMatchObject({ code: "AGENT_UNAVAILABLE" });
    expect(Date.now() - t0).toBeLessThan(200);
    expect(commands(domain)).toEqual([]);
  });

  test("an error reply from the agent itself stays an agent error (not 'unavailable')", async () => {
    const domain = h.install();
    domain.on(Q.QemuDomainAgentCommand, W.readAgentCommand, () => W.remoteStringRet(JSON.stringify({ error: { class: "GenericError", desc: "boom" } })));
    await expect((await openGuest()).getVcpus()).rejects.toMatchObject({ code: "AGENT_ERROR" });
  });
});

describe("waitForAgent", () => {
  test("true once guest-ping answers", async () => {
    const domain = h.install({ agent: "disconnected" });
    const hv = await h.open();
    let asked = 0;
    domain.on(Q.QemuDomainAgentCommand, W.readAgentCommand, () => (++asked < 3 ? fail(W.LIBVIRT_ERRORS.agentNotConnected) : W.remoteStringRet('{"return":{}}')));
    expect(await hv.waitForAgent(deadlineIn(2000))).toBe(true);
    expect(asked).toBe(3);
  });

  test("false when the agent never answers before the deadline", async () => {
    h.install({ agent: "hung" });
    const hv = await h.open();
    const t0 = Date.now();
    expect(await hv.waitForAgent(deadlineIn(150))).toBe(false);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
