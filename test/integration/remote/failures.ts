/**
 * Failure cases shared by the tcp and tls integration tests: a provider call through a bad
 * URI must fail with the expected typed error (found in the cause chain), within a time
 * bound, and leave the domain's vCPUs as they were. Also: a link cut while a call is in flight.
 */
import { provider } from "../../../provider/dynamic";
import { LibvirtClient } from "../../../provider/libvirt/client";
import { pollUntil, startTestDomain, uniqueName, virsh, type TestDomain } from "../../guest/guest";
import type { Relay } from "./relay";
import { vcpucount } from "./scenario";

/** One failure case: the URI to use, the error code expected somewhere in the cause chain, a bound. */
export interface FailureCase {
  uri: () => string;
  code: string;
  /** A regexp the message of the coded error matches. */
  says: RegExp;
  maxMs: number;
}

/** The `code`d error in `err`'s cause chain, or undefined. */
export function findCode(err: unknown, code: string): (Error & { code: string }) | undefined {
  let cur: unknown = err;
  for (let i = 0; i < 10 && cur; i++) {
    if ((cur as { code?: unknown }).code === code) return cur as Error & { code: string };
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Failure times measured by {@link describeFailures}, by case name (ms), for the report. */
export const failureTimes: Record<string, number> = {};

/**
 * Defines the failure cases as tests against one paused domain (1 of 4 vCPUs; paused so
 * it costs no CPU: nothing in these cases may reach it anyway).
 */
export function describeFailures(transport: string, cases: Record<string, FailureCase>): void {
  describe(`${transport}: failures are typed, bounded, and apply nothing`, () => {
    let vm: TestDomain;
    beforeAll(async () => {
      vm = await startTestDomain({ name: uniqueName(`qvt-${transport}-fail`), machine: "q35", maxVcpus: 4, vcpus: 1, agent: false });
      await virsh(["suspend", vm.name]);
    });
    afterAll(async () => vm?.destroy());

    test.each(Object.entries(cases))("%s", async (name, c) => {
      const news = { __label: `${transport}-fail`, libvirt: { uri: c.uri(), domain: vm.name }, maxVcpus: 4, vcpus: 3, guestAgent: "off" };
      const { inputs, failures } = await provider.check!({}, news);
      expect(failures ?? []).toEqual([]);
      const t0 = Date.now();
      const err = await provider.create!(inputs).then(() => undefined, (e: unknown) => e);
      const ms = Date.now() - t0;
      failureTimes[`${transport}: ${name}`] = ms;
      const coded = findCode(err, c.code);
      if (!coded) throw new Error(`expected ${c.code} in the cause chain, got: ${String((err as Error)?.message ?? err)}`);
      expect(coded.message).toMatch(c.says);
      expect(ms).toBeLessThan(c.maxMs);
      expect(await vcpucount(vm.name)).toMatchObject({ "current live": 1, "current config": 1 });
    });
  });
}

/**
 * Connects through `relay`, swallows the next call, cuts the link while it is in flight:
 * the call must fail fast with CONNECTION_CLOSED naming `target`. Returns ms from cut to failure.
 */
export async function cutMidCall(uri: string, relay: Relay, target: RegExp): Promise<number> {
  const client = await LibvirtClient.connect({ uri, connectTimeoutMs: 10_000, callTimeoutMs: 30_000 });
  try {
    await client.connectGetVersion();
    relay.hold();
    const call = client.connectGetVersion().then(() => undefined, (e: unknown) => e);
    await pollUntil("the call to reach the relay", () => relay.swallowed() > 0, { timeoutMs: 5000, intervalMs: 5 });
    const t0 = Date.now();
    relay.dropAll();
    const err = await call;
    const ms = Date.now() - t0;
    expect(err).toMatchObject({ code: "CONNECTION_CLOSED" });
    expect((err as Error).message).toMatch(target);
    return ms;
  } finally {
    await client.close();
  }
}
