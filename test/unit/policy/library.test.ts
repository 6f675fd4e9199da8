/** The policy library as a whole: names, levels, config schemas, helpers, and the spec table. */
import {
  allPolicies, headroom, hostOfUri, hotplugCapableMachine, POLICY_NAMES, stackOfUrn,
} from "../../../sdk/policy";
import { MACHINE_FAMILIES } from "../../../provider/spec";
import { analyze, checked, configure, outcome, UNKNOWN } from "./harness";

const libvirt = { uri: "qemu:///system", domain: "web01" };
/** The policies Analyze runs (vmcpu-host-capacity and vmcpu-numa-balance are stack policies: AnalyzeStack only). */
const RESOURCE_POLICIES = POLICY_NAMES.filter((n) => n !== "vmcpu-host-capacity" && n !== "vmcpu-numa-balance");

describe("allPolicies", () => {
  test("one policy per rule, with its default enforcement level", () => {
    expect(allPolicies().map((p) => [p.name, p.enforcementLevel])).toEqual([
      ["vmcpu-hotplug-capable-machine", "mandatory"],
      ["vmcpu-headroom", "advisory"],
      ["vmcpu-protected-stacks", "mandatory"],
      ["vmcpu-scale-down-safety", "advisory"],
      ["vmcpu-ceilings", "mandatory"],
      ["vmcpu-host-capacity", "mandatory"],
      ["vmcpu-numa-balance", "advisory"],
    ]);
    expect(allPolicies().map((p) => p.name)).toEqual([...POLICY_NAMES]);
  });

  test("options set levels and write config defaults into the JSON schema the CLI reads", () => {
    const [, room, stacks] = allPolicies({
      "vmcpu-headroom": { enforcementLevel: "mandatory", margin: 2 },
      "vmcpu-protected-stacks": { stacks: ["live-*"] },
    });
    expect(room).toMatchObject({ enforcementLevel: "mandatory", configSchema: { properties: { margin: { type: "integer", default: 2 } } } });
    expect(stacks?.configSchema?.properties["stacks"]).toMatchObject({ type: "array", default: ["live-*"] });
  });

  test("no config key is required (every one has a default or is optional)", () => {
    expect(allPolicies().filter((p) => p.configSchema?.required?.length)).toEqual([]);
  });

  test.each([
    ["a negative margin", () => headroom({ margin: -1 }), /policy vmcpu-headroom: invalid options: .*margin/],
    ["an unknown shrinkable", () => hotplugCapableMachine({ shrinkable: "sometimes" as "never" }), /invalid options: .*shrinkable/],
  ])("invalid pack options fail at pack start: %s", (_name, make, message) => {
    expect(make).toThrow(message);
  });
});

describe("the whole library on one resource", () => {
  test("a prod VM at its maximum with coldChanges restart: three policies report, the rest pass", async () => {
    const policies = allPolicies();
    await configure(policies);
    const props = checked({ libvirt, maxVcpus: 8, vcpus: 8, machine: "q35", coldChanges: "restart" });
    const analysis = await analyze(policies, { name: "web01-cpu", stack: "prod", props });
    expect(Object.fromEntries(RESOURCE_POLICIES.map((n) => [n, outcome(analysis, n).kind]))).toEqual({
      "vmcpu-hotplug-capable-machine": "pass",
      "vmcpu-headroom": "violation",
      "vmcpu-protected-stacks": "violation",
      "vmcpu-scale-down-safety": "violation",
      "vmcpu-ceilings": "pass",
    });
  });

  test("an unknown vcpus stops only the rules that need it", async () => {
    const policies = allPolicies();
    await configure(policies);
    const props = checked({ libvirt, maxVcpus: 8, vcpus: UNKNOWN, machine: "microvm", coldChanges: "restart" });
    const analysis = await analyze(policies, { name: "web01-cpu", stack: "prod", props });
    expect(Object.fromEntries(RESOURCE_POLICIES.map((n) => [n, outcome(analysis, n).kind]))).toEqual({
      "vmcpu-hotplug-capable-machine": "violation",
      "vmcpu-headroom": "not-applicable",
      "vmcpu-protected-stacks": "violation",
      "vmcpu-scale-down-safety": "not-applicable",
      "vmcpu-ceilings": "pass",
    });
  });
});

describe("rules come from the spec's MACHINE_FAMILIES table", () => {
  test.each(Object.values(MACHINE_FAMILIES))("$alias: hotplug-capable exactly when the table says hotAdd", async (family) => {
    const policy = hotplugCapableMachine();
    await configure([policy]);
    const props = checked({ libvirt, maxVcpus: 1, vcpus: 1, machine: family.alias });
    const kind = outcome(await analyze([policy], { name: "vm-cpu", props }), policy.name).kind;
    expect(kind).toBe(family.hotAdd ? "pass" : "violation");
  });
});

describe("helpers", () => {
  test.each([
    ["urn:pulumi:prod-eu::vmcpu::pulumi-nodejs:dynamic/qemu:VmCpu::web01-cpu", "prod-eu"],
    ["urn:pulumi:dev::p::a:b:C$pulumi-nodejs:dynamic/qemu:VmCpu::child", "dev"],
  ])("stackOfUrn(%s) = %s", (urn, stack) => {
    expect(stackOfUrn(urn)).toBe(stack);
  });

  test("stackOfUrn rejects what isn't a URN", () => {
    expect(() => stackOfUrn("web01-cpu")).toThrow("not a Pulumi URN: web01-cpu");
  });

  test.each([
    ["qemu:///system", "localhost"],
    ["qemu:///session", "localhost"],
    ["qemu+ssh://root@KVM1.example.com:2222/system", "kvm1.example.com"],
    ["qemu+tls://kvm1.example.com/system?pkipath=/etc/pki", "kvm1.example.com"],
    ["qemu+tcp://[fd00::1]:16509/system", "[fd00::1]"],
  ])("hostOfUri(%s) = %s", (uri, host) => {
    expect(hostOfUri(uri)).toBe(host);
  });
});
