/** planBoundMs: the hold expiry of an operation, from its steps and the timeouts. */
import { CALL_SECONDS, STEP_BOUNDS, planBoundMs, readBoundSeconds, type Step } from "../../../provider/plan";
import type { Timeouts } from "../../../provider/spec";

const T: Timeouts = { unplugSeconds: 30, agentSeconds: 20, shutdownSeconds: 120 };
const hotAdd: Step = { kind: "hotAdd", entity: 1, vcpuIds: [1] };
const unplug: Step = { kind: "unplug", entity: 3, vcpuIds: [3] };
const reads = readBoundSeconds(T);

const cases: Record<string, { steps: Step[]; seconds: number }> = {
  "no steps: the reads only (agentSeconds + two calls)": { steps: [], seconds: 20 + 2 * CALL_SECONDS },
  "one hot-add: one call more": { steps: [hotAdd], seconds: reads + CALL_SECONDS },
  "two unplugs: each the call plus unplugSeconds": { steps: [unplug, unplug], seconds: reads + 2 * (CALL_SECONDS + 30) },
  "restart: shutdownSeconds plus the start": { steps: [{ kind: "restart" }, { kind: "waitForAgent", required: true }], seconds: reads + 120 + 60 + 20 },
};

describe("planBoundMs", () => {
  test.each(Object.entries(cases))("%s", (_name, c) => {
    expect(planBoundMs(c.steps, T)).toBe(c.seconds * 1000);
  });

  test("every step kind has a bound of at least one second and a reason", () => {
    for (const [kind, b] of Object.entries(STEP_BOUNDS)) {
      expect([kind, b.seconds({ unplugSeconds: 1, agentSeconds: 1, shutdownSeconds: 1 }) >= 1, b.why.length > 10]).toEqual([kind, true, true]);
    }
  });
});
