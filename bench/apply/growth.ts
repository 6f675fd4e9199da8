/**
 * How the cost of a provider apply grows with N (1→N vCPUs, TCG allows up to 16 here) and
 * where the time goes: hot-add calls, waiting for the guest to see the CPUs, onlining them.
 */
import { converge } from "../../provider/converge";
import { withHypervisor } from "../../provider/connect";
import { parseInputs } from "../../provider/spec";
import { startTestDomain } from "../../test/guest/guest";

/** Breakdown of one apply. */
export interface Growth {
  readonly n: number;
  readonly totalMs: number;
  readonly hotAddMs: number;
  readonly guestSeesMs: number;
  readonly onlineMs: number;
  readonly otherMs: number;
}

/** Runs one 1→n apply on a fresh libvirt guest and splits its time. */
export async function measureGrowth(name: string, n: number): Promise<Growth> {
  const vm = await startTestDomain({ name, machine: "q35", maxVcpus: 16, vcpus: 1 });
  try {
    await vm.waitForAgent(90_000);
    const desired = parseInputs({ libvirt: { uri: "qemu:///system", domain: vm.name }, maxVcpus: 16, vcpus: n, guestAgent: "required" });
    const t0 = performance.now();
    const result = await withHypervisor(desired, (hv) => converge(hv, desired, name, () => undefined));
    const totalMs = performance.now() - t0;
    const sum = (kind: string) => result.timings.filter((t) => t.step.kind === kind).reduce((a, t) => a + t.ms, 0);
    const online = result.timings.find((t) => t.step.kind === "onlineInGuest")?.phases ?? {};
    const hotAddMs = sum("hotAdd");
    const guestSeesMs = online["guestSeesCpus"] ?? 0;
    const onlineMs = online["online"] ?? 0;
    return { n, totalMs, hotAddMs, guestSeesMs, onlineMs, otherMs: totalMs - hotAddMs - guestSeesMs - onlineMs };
  } finally {
    await vm.destroy();
  }
}
