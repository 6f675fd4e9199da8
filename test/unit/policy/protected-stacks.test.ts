/** vmcpu-protected-stacks through @pulumi/policy's Analyze handler, in-process. */
import { protectedStacks } from "../../../sdk/policy";
import { checked, runResourceCase, UNKNOWN, type ResourceCase } from "./harness";

type Options = NonNullable<Parameters<typeof protectedStacks>[0]>;
const libvirt = { uri: "qemu+ssh://root@kvm1/system", domain: "web01" };
const vm = (over: Record<string, unknown> = {}) => checked({ libvirt, maxVcpus: 8, vcpus: 4, machine: "q35", ...over });

const cases: Record<string, ResourceCase<Options>> = {
  "prod stack, coldChanges defaulted by check to refuse: passes": { props: vm(), stack: "prod", expect: "pass" },
  "prod-eu with coldChanges restart: set refuse": {
    props: vm({ coldChanges: "restart" }),
    stack: "prod-eu",
    expect: {
      violation: [/stack prod-eu is protected \(matches "prod\*"\): set coldChanges: "refuse" \(now "restart"\) so a CPU change that needs a restart is refused at preview instead of restarting the VM during the update/],
      level: "mandatory",
    },
  },
  "production with persist: explains the pending restart": {
    props: vm({ coldChanges: "persist" }),
    stack: "production",
    expect: { violation: [/\(now "persist"\).*instead of being written to the VM definition and taking effect at whatever restart comes next/] },
  },
  "matching is case-insensitive": { props: vm({ coldChanges: "restart" }), stack: "PROD-us", expect: { violation: [/stack PROD-us is protected/] } },
  "dev stack is not applicable": {
    props: vm({ coldChanges: "restart" }),
    stack: "dev",
    expect: { notApplicable: /stack dev matches none of prod\*/ },
  },
  "a pattern must match the whole name": {
    props: vm({ coldChanges: "restart" }),
    stack: "preprod",
    expect: { notApplicable: /stack preprod matches none/ },
  },
  "patterns from Configure": {
    props: vm({ coldChanges: "restart" }),
    stack: "live-eu1",
    config: { stacks: ["live-??1", "prod*"] },
    expect: { violation: [/stack live-eu1 is protected \(matches "live-\?\?1"\)/] },
  },
  "patterns from pack options": {
    props: vm({ coldChanges: "restart" }),
    stack: "prod-eu",
    options: { stacks: ["live-*"] },
    expect: { notApplicable: /matches none of live-\*/ },
  },
  "regex characters in a pattern are literal": {
    props: vm({ coldChanges: "restart" }),
    stack: "prodXeu",
    config: { stacks: ["prod.eu"] },
    expect: { notApplicable: /matches none of prod\.eu/ },
  },
  "excluded resource names are skipped": {
    props: vm({ coldChanges: "restart" }),
    stack: "prod",
    name: "batch-runner-cpu",
    config: { exclude: ["batch-*"] },
    expect: { notApplicable: /matches exclude pattern "batch-\*"/ },
  },
  "unknown coldChanges at preview: not run": {
    props: vm({ coldChanges: UNKNOWN }),
    stack: "prod",
    expect: { notRun: /value at \.coldChanges can't be known/ },
  },
  "unknown vcpus doesn't stop the rule": {
    props: vm({ vcpus: UNKNOWN, coldChanges: "restart" }),
    stack: "prod",
    expect: { violation: [/set coldChanges: "refuse"/] },
  },
};

test.each(Object.entries(cases))("%s", async (_name, c) => {
  await runResourceCase(protectedStacks, c);
});
