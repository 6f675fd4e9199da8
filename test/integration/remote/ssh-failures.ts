/**
 * Shared by the ssh transport tests: a paused test domain to aim vCPU changes at, an attempt to
 * change its vCPUs through a URI, and the checks every failure case makes (the typed SshError and
 * its reason, the host named, the time it took, and nothing applied).
 */
import { LibvirtClient } from "../../../provider/libvirt/client";
import { AFFECT_LIVE } from "../../../provider/libvirt/constants";
import { findSshError, type SshFailureReason } from "../../../provider/libvirt/errors";
import { startTestDomain, uniqueName, virsh, type TestDomain } from "../../guest/guest";
import { vcpucount } from "./scenario";

/** A test domain with 1 of 4 vCPUs, paused (nothing runs; vCPU changes would still apply). */
export async function pausedDomain(prefix: string): Promise<TestDomain> {
  const vm = await startTestDomain({ name: uniqueName(prefix), machine: "q35", maxVcpus: 4, vcpus: 1 });
  await virsh(["suspend", vm.name]);
  return vm;
}

/** How an attempt ended: the error (undefined if it worked) and the time it took. */
export interface Attempt {
  err: unknown;
  ms: number;
}

/** Connects through `uri` and sets `domain` to 2 live vCPUs; never throws. */
export async function attemptSetVcpus(uri: string, domain: string): Promise<Attempt> {
  const started = Date.now();
  let client: LibvirtClient | undefined;
  try {
    client = await LibvirtClient.connect({ uri, connectTimeoutMs: 15_000 });
    await client.domainSetVcpusFlags(await client.domainLookupByName(domain), 2, AFFECT_LIVE);
    return { err: undefined, ms: Date.now() - started };
  } catch (err) {
    return { err, ms: Date.now() - started };
  } finally {
    await client?.close().catch(() => undefined);
  }
}

/** Asserts: an SshError with `reason` in the cause chain, naming `host`, within `boundMs`. */
export function expectSshFailure(a: Attempt, reason: SshFailureReason, host: string, boundMs: number): void {
  const ssh = findSshError(a.err);
  if (ssh === undefined) throw new Error(`expected an SshError (${reason}), got: ${String(a.err)}`);
  expect(ssh).toMatchObject({ code: "SSH_FAILED", reason, host });
  expect((a.err as Error).message).toContain(host);
  expect(a.ms).toBeLessThan(boundMs);
}

/** Asserts the domain still has its one live and config vCPU. */
export async function expectUnchanged(vm: TestDomain): Promise<void> {
  expect(await vcpucount(vm.name)).toMatchObject({ "current live": 1, "current config": 1 });
}
