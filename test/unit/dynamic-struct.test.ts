/**
 * Every value the provider returns passes through the dynamic-provider host's
 * `Struct.fromJavaScript`, which rejects `undefined` ("Unexpected struct type."): the outputs
 * and the refresh baseline must convert, for every shape of live state.
 */
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { inputsFromOutputs, toOutputs, type LiveState } from "../../provider/spec";
import { desired, runningVm } from "../support/live";

const cases: Record<string, LiveState> = {
  "running, agent connected": runningVm({ plugged: 2 }),
  "no agent, no config (transient), no versions": { ...runningVm(), agent: "unavailable", guest: undefined, config: undefined, libvirtVersion: undefined, qemuVersion: undefined },
  "shut off": { ...runningVm(), state: "shutoff", running: undefined, guest: undefined },
  "raw QMP": { ...runningVm(), backend: "qmp", config: undefined },
};

describe("provider results convert to a protobuf Struct", () => {
  test.each(Object.entries(cases))("%s", (_n, live) => {
    const outs = toOutputs(live, desired({ vcpus: 2 }), "web01-cpu");
    expect(() => Struct.fromJavaScript(outs as never)).not.toThrow();
    expect(() => Struct.fromJavaScript(inputsFromOutputs(outs) as never)).not.toThrow();
    expect(Struct.fromJavaScript(outs as never).toJavaScript()).toEqual(JSON.parse(JSON.stringify(outs)));
  });
});
