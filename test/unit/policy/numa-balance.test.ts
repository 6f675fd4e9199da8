/** vmcpu-numa-balance (a stack policy) through @pulumi/policy's AnalyzeStack handler, in-process. */
import { numaBalance } from "../../../sdk/policy";
import { checked, runStackCase, UNKNOWN, type AnalyzedResource, type StackCase } from "./harness";

type Options = NonNullable<Parameters<typeof numaBalance>[0]>;

/** A VmCpu as state holds it after an apply: `numaNodes` per node as [plugged, possible]. */
const applied = (name: string, nodes: [number, number][] | undefined, numaPlacement?: string): AnalyzedResource => ({
  name,
  props: {
    libvirt: { uri: "qemu:///system", domain: name }, declared: { maxVcpus: 4, vcpus: 2 }, maxVcpus: 4, vcpus: 2, machine: "pc-i440fx-7.2",
    ...(numaPlacement ? { numaPlacement } : {}),
    ...(nodes ? { numaNodes: nodes.map(([plugged, possible], node) => ({ node, possible, plugged })) } : {}),
  },
});

const cases: Record<string, StackCase<Options>> = {
  "balanced and even passes": { resources: [applied("web-cpu", [[1, 2], [1, 2]], "balanced")], expect: "pass" },
  "a NUMA VM on lowest-id: says to set balanced, and why": {
    resources: [applied("web-cpu", [[2, 2], [1, 2]], "lowest-id")],
    expect: { violation: [/web-cpu has vCPU slots on 2 NUMA nodes \(node 0: 2\/2, node 1: 1\/2 plugged\) and numaPlacement is "lowest-id": set numaPlacement: "balanced" so hot-adds go round-robin/] },
  },
  "a state from before numaPlacement reads as lowest-id": {
    resources: [applied("web-cpu", [[1, 2], [1, 2]])],
    expect: { violation: [/numaPlacement is "lowest-id"/] },
  },
  "uneven nodes beyond maxSkew: the counts and the way back": {
    resources: [applied("db-cpu", [[3, 4], [1, 4]], "balanced")],
    expect: { violation: [/db-cpu's NUMA nodes are uneven \(node 0: 3\/4, node 1: 1\/4 plugged; skew 2 > maxSkew 1\): with numaPlacement: "balanced" the next hot-adds fill the emptier nodes/] },
  },
  "skew within a configured maxSkew passes": { resources: [applied("db-cpu", [[3, 4], [1, 4]], "balanced")], config: { maxSkew: 2 }, expect: "pass" },
  "maxSkew from pack options": { resources: [applied("db-cpu", [[3, 4], [1, 4]], "balanced")], options: { maxSkew: 2 }, expect: "pass" },
  "a full node can't take more: its lead over an open node counts, not over another full one": {
    resources: [applied("db-cpu", [[2, 2], [2, 4], [1, 1]], "balanced")], expect: "pass",
  },
  "both findings on one VM": {
    resources: [applied("db-cpu", [[3, 4], [0, 4]], "lowest-id")],
    expect: { violation: [/numaPlacement is "lowest-id"/, /skew 3 > maxSkew 1/] },
  },
  "VMs without NUMA are left out": {
    resources: [applied("web-cpu", undefined), applied("db-cpu", [[1, 2], [1, 2]], "balanced")], expect: "pass",
  },
  "one node is not NUMA placement": { resources: [applied("web-cpu", [[2, 4]])], expect: { notApplicable: /no VmCpu in this stack has vCPU slots on two or more NUMA nodes/ } },
  "checked inputs only (no state yet): not applicable": {
    resources: [{ name: "web-cpu", props: checked({ libvirt: { uri: "qemu:///system", domain: "web" }, maxVcpus: 4, vcpus: 2 }) }],
    expect: { notApplicable: /no VmCpu in this stack has vCPU slots on two or more NUMA nodes/ },
  },
  "numaPlacement unknown at preview: not run": {
    resources: [applied("web-cpu", [[1, 2], [1, 2]], UNKNOWN)],
    expect: { notRun: /value at \.numaPlacement can't be known/ },
  },
  "invalid maxSkew is an error": {
    resources: [applied("web-cpu", [[1, 2], [1, 2]], "balanced")], config: { maxSkew: -1 },
    expect: { error: /policy vmcpu-numa-balance: invalid config: .*maxSkew/ },
  },
};

test.each(Object.entries(cases))("%s", async (_name, c) => {
  await runStackCase(numaBalance, c);
});
