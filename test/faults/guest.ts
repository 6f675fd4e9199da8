/**
 * The guest every fault test starts from: a fresh q35 test domain (max 4 vCPUs, 1 plugged) with its agent
 * answering, one per test, destroyed after it; the run's leftovers checked at the end.
 */
import { cleanupLeftovers, startTestDomain, uniqueName, type TestDomain } from "../guest/guest";

/** Registers the hooks and returns a getter for the current test's domain. */
export function freshGuestPerTest(run: string): () => TestDomain {
  let vm: TestDomain | undefined;
  beforeEach(async () => {
    vm = await startTestDomain({ name: uniqueName(run), machine: "q35", maxVcpus: 4, vcpus: 1 });
    await vm.waitForAgent(60_000);
  });
  afterEach(async () => vm?.destroy());
  afterAll(async () => {
    expect(await cleanupLeftovers(run)).toEqual({ domains: [], rawQemus: [] });
  });
  return () => {
    if (!vm) throw new Error("no test guest: call inside a test");
    return vm;
  };
}
