/**
 * The inputs a refresh records (`inputsFromOutputs`) must be what `check` makes of them: a key `check` fills in
 * with its default but the refresh leaves out shows up as a changed key in the CLI's next preview
 * (`[diff: ~numaPlacement, ~vcpus]` after a refresh, before this was kept).
 */
import { checkInputs, inputsFromOutputs, toOutputs } from "../../../provider/spec";
import { desired, runningVm } from "../../support/live";

const cases: Record<string, Record<string, unknown>> = {
  "every optional field left to its default": {},
  "numaPlacement balanced": { numaPlacement: "balanced" },
  "guestAgent required, coldChanges restart": { guestAgent: "required", coldChanges: "restart" },
  "timeouts given": { timeouts: { agentSeconds: 20 } },
};

describe("the refresh baseline is a fixed point of check", () => {
  test.each(Object.entries(cases))("%s", (_n, over) => {
    const recorded = inputsFromOutputs(toOutputs(runningVm({ plugged: 2 }), desired({ vcpus: 2, ...over }), "web01-cpu"));
    const { inputs, failures } = checkInputs(undefined, recorded);
    expect(failures).toEqual([]);
    expect(inputs).toEqual(recorded);
  });
});
