/**
 * LibvirtHypervisor.restart over the wire: DOMAIN_SHUTDOWN_FLAGS, wait for the domain to
 * stop (lifecycle STOPPED event, proc 318, or DOMAIN_GET_STATE = SHUTOFF as a fallback),
 * DOMAIN_CREATE, then DOMAIN_LOOKUP_BY_UUID for the new domain id.
 */
import { RUNNING, SHUTOFF } from "../../../../provider/libvirt/constants";
import * as R from "../../../../provider/libvirt/protocol/remote-procedures";
import { deadlineIn, libvirtHarness } from "./harness";
import type { FakeDomain } from "./fake-domain";
import * as W from "./wire";

const h = libvirtHarness();

/** The calls that make up a restart, GET_STATE polls left out (their number depends on timing). */
const restartCalls = (d: FakeDomain) => d.names().filter((n) => n !== R.DomainGetState.name && n !== R.DomainLookupByName.name && !n.includes("VERSION"));

const FULL_RESTART = [
  R.DomainShutdownFlags.name,
  R.ConnectDomainEventCallbackRegisterAny.name,
  R.ConnectDomainEventCallbackDeregisterAny.name,
  R.DomainCreate.name,
  R.DomainLookupByUuid.name,
];

describe("restart", () => {
  test("graceful: SHUTDOWN_FLAGS → STOPPED event + SHUTOFF → CREATE → LOOKUP_BY_UUID (new id used afterwards)", async () => {
    const { hv, domain } = await h.start();
    await hv.restart(deadlineIn(2000));
    expect(restartCalls(domain)).toEqual(FULL_RESTART);
    expect(domain.argsOf(R.DomainShutdownFlags)).toEqual([{ dom: expect.objectContaining({ id: 7 }), flags: 0 }]);
    expect(domain.argsOf(R.ConnectDomainEventCallbackRegisterAny)).toEqual([{ eventId: 0, dom: expect.objectContaining({ uuid: domain.uuid }) }]);
    expect(domain.argsOf(R.ConnectDomainEventCallbackDeregisterAny)).toEqual([{ callbackId: 1 }]);
    expect(domain.argsOf(R.DomainLookupByUuid)).toEqual([{ uuid: domain.uuid }]);
    expect(domain.lifecycle.callbacks.size).toBe(0);
    await hv.read();
    expect(domain.argsOf(R.DomainGetState).at(-1)!.dom.id).toBe(8);
  });

  test("the STOPPED event alone ends the wait (GET_STATE still says running)", async () => {
    const { hv, domain } = await h.start();
    domain.on(R.DomainGetState, W.readDomFlags, () => W.stateRet(RUNNING, 1));
    await hv.restart(deadlineIn(2000));
    expect(restartCalls(domain)).toEqual(FULL_RESTART);
  });

  test("no event arrives: GET_STATE = SHUTOFF ends the wait", async () => {
    const { hv, domain } = await h.start({ shutdown: "ignored" });
    let polls = 0;
    domain.on(R.DomainGetState, W.readDomFlags, () => {
      if (++polls === 3) domain.running = false; // the guest powered off; its event got lost
      return domain.running ? W.stateRet(RUNNING, 1) : W.stateRet(SHUTOFF, 1);
    });
    await hv.restart(deadlineIn(2000));
    expect(polls).toBe(3);
    expect(restartCalls(domain)).toEqual(FULL_RESTART);
  });

  test("a shutdown that never completes → SHUTDOWN_TIMEOUT, no CREATE, callback deregistered", async () => {
    const { hv, domain } = await h.start({ shutdown: "ignored" });
    const err = await hv.restart(deadlineIn(100)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "SHUTDOWN_TIMEOUT" });
    expect(restartCalls(domain)).toEqual([R.DomainShutdownFlags.name, R.ConnectDomainEventCallbackRegisterAny.name, R.ConnectDomainEventCallbackDeregisterAny.name]);
    expect(domain.running).toBe(true);
  });
});
