/** vmcpu-ceilings through @pulumi/policy's Analyze handler, in-process. */
import { ceilings } from "../../../sdk/policy";
import { checked, runResourceCase, UNKNOWN, type ResourceCase } from "./harness";

type Options = NonNullable<Parameters<typeof ceilings>[0]>;
const libvirt = { uri: "qemu:///system", domain: "web01" };
const vm = (over: Record<string, unknown> = {}) => checked({ libvirt, maxVcpus: 8, vcpus: 4, machine: "q35", ...over });

const cases: Record<string, ResourceCase<Options>> = {
  "within the machine limit, no ceiling configured: passes": { props: vm({ maxVcpus: 288, vcpus: 4 }), expect: "pass" },
  "above q35's cpu-max (check rejects it too; the policy still says so)": {
    props: vm({ maxVcpus: 300, vcpus: 4 }),
    expect: { violation: [/maxVcpus \(300\) is above machine q35's limit of 288 vCPUs \(QEMU cpu-max\): lower maxVcpus to 288$/], level: "mandatory" },
  },
  "above the per-VM ceiling from Configure": {
    props: vm({ maxVcpus: 96, vcpus: 80, topology: { sockets: 2, cores: 24, threads: 2 } }),
    config: { maxVcpus: 64 },
    expect: { violation: [/maxVcpus \(96\) is above the per-VM ceiling of 64: lower maxVcpus to 64 \(topology\.cores: 16\) and vcpus to 64 or less, or spread the load over more VMs/] },
  },
  "ceiling with a topology that can't reach it exactly rounds down": {
    props: vm({ maxVcpus: 96, vcpus: 8, topology: { sockets: 2, cores: 8, threads: 6 } }),
    config: { maxVcpus: 64 },
    expect: { violation: [/lower maxVcpus to 60 \(topology\.cores: 5\), or spread/] },
  },
  "ceiling from pack options": {
    props: vm({ maxVcpus: 16, vcpus: 4 }),
    options: { maxVcpus: 8 },
    expect: { violation: [/above the per-VM ceiling of 8: lower maxVcpus to 8,/] },
  },
  "at the ceiling passes": { props: vm({ maxVcpus: 16, vcpus: 4 }), config: { maxVcpus: 16 }, expect: "pass" },
  "both limits broken: two violations": {
    props: vm({ machine: "isapc", maxVcpus: 2, vcpus: 2 }),
    config: { maxVcpus: 1 },
    expect: { violation: [/above machine isapc's limit of 1 vCPUs/, /above the per-VM ceiling of 1: lower maxVcpus to 1 and vcpus to 1 or less/] },
  },
  "no machine declared: only the ceiling applies": {
    props: checked({ libvirt, maxVcpus: 512, vcpus: 4 }),
    expect: "pass",
  },
  "a ceiling no declared topology fits": {
    props: vm({ maxVcpus: 16, vcpus: 4, topology: { sockets: 2, cores: 4, threads: 2 } }),
    config: { maxVcpus: 3 },
    expect: { violation: [/ceiling of 3: no topology with the declared sockets\/threads fits; declare a smaller topology/] },
  },
  "unknown maxVcpus at preview: not run": {
    props: vm({ maxVcpus: UNKNOWN }),
    config: { maxVcpus: 64 },
    expect: { notRun: /value at \.maxVcpus can't be known/ },
  },
};

test.each(Object.entries(cases))("%s", async (_name, c) => {
  await runResourceCase(ceilings, c);
});
