/**
 * `npm run example:fleet` as a test: examples/fleet through Pulumi's provider host against two
 * paused VMs, one over the local socket and one over qemu+ssh on loopback. Preview shows both
 * creates, up changes both VMs live over one connection each, and a second preview has nothing to do.
 */
import { cleanupLeftovers, uniqueName } from "../../guest/guest";
import { runFleetExample, type FleetRun } from "../../demo/fleet-run";

const RUN = uniqueName("qvt-fleet");
let run: FleetRun;
const printed: string[] = [];

beforeAll(async () => {
  run = await runFleetExample(`${RUN}-`, (t) => printed.push(t));
});
afterAll(async () => {
  expect(await cleanupLeftovers(RUN)).toEqual({ domains: [], rawQemus: [] });
});

test("preview plans both VMs, one per host, and changes nothing", () => {
  const [preview] = run.reports;
  expect(preview!.ok).toBe(true);
  expect(preview!.steps.map((s) => `${s.op} ${s.name}`).sort()).toEqual([`create 127-0-0-1-${run.domains[1]}-cpu`, `create local-${run.domains[0]}-cpu`]);
  expect(printed.join("\n")).toMatch(new RegExp(`VmCpu 127-0-0-1-${run.domains[1]}-cpu: will hot-add vCPU 1 \\(live\\)`));
});

test("up raises both VMs live: 1→3 over the local socket, 1→2 over ssh", () => {
  expect(run.reports[1]!.ok).toBe(true);
  expect(run.liveAfter).toEqual({ [run.domains[0]!]: 3, [run.domains[1]!]: 2 });
});

test("a second preview has nothing to do", () => {
  expect(run.reports[2]!.ok).toBe(true);
  expect(run.reports[2]!.steps.every((s) => s.op === "same")).toBe(true);
});
