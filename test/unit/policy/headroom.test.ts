/** vmcpu-headroom through @pulumi/policy's Analyze handler, in-process. */
import { headroom } from "../../../sdk/policy";
import { checked, runResourceCase, UNKNOWN, type ResourceCase } from "./harness";

type Options = NonNullable<Parameters<typeof headroom>[0]>;
const libvirt = { uri: "qemu:///system", domain: "web01" };
const vm = (over: Record<string, unknown> = {}) => checked({ libvirt, maxVcpus: 8, vcpus: 4, machine: "q35", ...over });

const cases: Record<string, ResourceCase<Options>> = {
  "room for one more vCPU passes": { props: vm({ vcpus: 7 }), expect: "pass" },
  "at the maximum: raise maxVcpus or lower vcpus": {
    props: vm({ vcpus: 8 }),
    expect: { violation: [/maxVcpus \(8\) leaves 0 above vcpus \(8\), less than the margin of 1 vCPU, so the next scale-up needs a restart: raise maxVcpus to 9, which takes one planned restart now \(QEMU fixes maxcpus.*\), or lower vcpus to 7$/s], level: "advisory" },
  },
  "with a topology, the raise names topology.cores": {
    props: vm({ vcpus: 8, topology: { sockets: 2, cores: 4, threads: 1 } }),
    expect: { violation: [/raise maxVcpus to 10 \(topology\.cores: 5\)/] },
  },
  "margin from Configure": {
    props: vm({ vcpus: 6 }),
    config: { margin: 4 },
    expect: { violation: [/leaves 2 above vcpus \(6\), less than the margin of 4 vCPUs.*raise maxVcpus to 10.*or lower vcpus to 4$/s] },
  },
  "margin from pack options": {
    props: vm({ vcpus: 6 }),
    options: { margin: 2 },
    expect: "pass",
  },
  "margin 0 turns the rule off": { props: vm({ vcpus: 8 }), config: { margin: 0 }, expect: "pass" },
  "pseries rounds the margin up to a whole core": {
    props: vm({ machine: "pseries", maxVcpus: 8, vcpus: 8, topology: { sockets: 1, cores: 2, threads: 4 } }),
    expect: { violation: [/margin of 4 vCPUs \(1 core\(s\) of 4 threads\).*raise maxVcpus to 12 \(topology\.cores: 3\).*or lower vcpus to 4$/s] },
  },
  "pseries with a core to spare passes": {
    props: vm({ machine: "pseries", maxVcpus: 8, vcpus: 4, topology: { sockets: 1, cores: 2, threads: 4 } }),
    expect: "pass",
  },
  "a machine that can't hot-add is not applicable": {
    props: vm({ machine: "isapc", maxVcpus: 1, vcpus: 1 }),
    expect: { notApplicable: /machine isapc can't hot-add vCPUs, so headroom can't be used/ },
  },
  "at q35's cpu-max: lower vcpus": {
    props: vm({ maxVcpus: 288, vcpus: 288 }),
    expect: { violation: [/needs a restart: lower vcpus to 287$/s] },
  },
  "no machine declared still gets the rule": {
    props: checked({ libvirt, maxVcpus: 4, vcpus: 4 }),
    expect: { violation: [/raise maxVcpus to 5/] },
  },
  "invalid config is an error naming the key": {
    props: vm(),
    config: { margin: -1 },
    expect: { error: /policy vmcpu-headroom: invalid config: .*margin/ },
  },
  "unknown vcpus at preview: not run": {
    props: vm({ vcpus: UNKNOWN }),
    expect: { notRun: /value at \.vcpus can't be known during preview/ },
  },
  "unknown maxVcpus at preview: not run": {
    props: vm({ maxVcpus: UNKNOWN }),
    expect: { notRun: /value at \.maxVcpus can't be known/ },
  },
};

test.each(Object.entries(cases))("%s", async (_name, c) => {
  await runResourceCase(headroom, c);
});
