/** vmcpu-hotplug-capable-machine through @pulumi/policy's Analyze handler, in-process. */
import { hotplugCapableMachine } from "../../../sdk/policy";
import { checked, runResourceCase, UNKNOWN, type ResourceCase } from "./harness";

type Options = NonNullable<Parameters<typeof hotplugCapableMachine>[0]>;
const libvirt = { uri: "qemu:///system", domain: "web01" };
const vm = (over: Record<string, unknown> = {}) => checked({ libvirt, maxVcpus: 8, vcpus: 4, machine: "q35", ...over });
const pseries = (over: Record<string, unknown> = {}) =>
  vm({ machine: "pseries", topology: { sockets: 1, cores: 4, threads: 2 }, ...over });
const s390x = (over: Record<string, unknown> = {}) => vm({ machine: "s390-ccw-virtio", ...over });

const cases: Record<string, ResourceCase<Options>> = {
  "q35 below its maximum passes": { props: vm(), expect: "pass" },
  "a versioned pc machine passes": { props: vm({ machine: "pc-i440fx-7.2" }), expect: "pass" },
  "microvm can't hot-add: points to pc or q35": {
    props: vm({ machine: "microvm", vcpus: 8 }),
    expect: { violation: [/machine microvm can't hot-add vCPUs \(microvm has no ACPI CPU hotplug.*declare machine "pc" or "q35" instead/s] },
  },
  "isapc can't hot-add": {
    props: vm({ machine: "isapc", maxVcpus: 1, vcpus: 1 }),
    expect: { violation: [/machine isapc can't hot-add vCPUs .*declare machine "pc" or "q35"/s] },
  },
  "arm virt: no aarch64 machine hotplugs, so exclude it": {
    props: vm({ machine: "virt-9.0", vcpus: 8 }),
    expect: { violation: [/machine virt-9\.0 can't hot-add.*no aarch64 machine type with vCPU hotplug.*exclude config/s] },
  },
  "arm virt excluded by name through Configure": {
    props: vm({ machine: "virt", vcpus: 8 }),
    name: "arm-builder-cpu",
    config: { exclude: ["ARM-*"] },
    expect: { notApplicable: /arm-builder-cpu matches exclude pattern "ARM-\*"/ },
  },
  "pseries in whole cores passes": { props: pseries(), expect: "pass" },
  "pseries with half a core: names the multiples": {
    props: pseries({ vcpus: 5 }),
    expect: { violation: [/hotplugs whole cores of 2 threads .*set vcpus to a multiple of 2, e\.g\. 4 or 6/s] },
  },
  "s390x growing only passes (shrinkable defaults to never)": { props: s390x(), expect: "pass" },
  "s390x below max with shrinkable when-below-max (Configure): can't shrink": {
    props: s390x(),
    config: { shrinkable: "when-below-max" },
    expect: { violation: [/may scale down \(shrinkable: "when-below-max"\) but machine s390-ccw-virtio can't unplug vCPUs/] },
  },
  "s390x at its maximum with when-below-max passes": {
    props: s390x({ vcpus: 8 }),
    config: { shrinkable: "when-below-max" },
    expect: "pass",
  },
  "s390x with shrinkable always from pack options": {
    props: s390x({ vcpus: 8 }),
    options: { shrinkable: "always" },
    expect: { violation: [/s390x can hot-add CPUs but QEMU has no CPU unplug/] },
  },
  "Configure wins over pack options": {
    props: s390x({ vcpus: 8 }),
    options: { shrinkable: "always" },
    config: { shrinkable: "never" },
    expect: "pass",
  },
  "no machine declared: asks for one": {
    props: checked({ libvirt, maxVcpus: 8, vcpus: 4 }),
    expect: { violation: [/doesn't declare machine.*set machine to the VM's machine type \(e\.g\. "q35"/s] },
  },
  "no machine declared, requireMachine false (Configure)": {
    props: checked({ libvirt, maxVcpus: 8, vcpus: 4 }),
    config: { requireMachine: false },
    expect: "pass",
  },
  "enforcement level from Configure": {
    props: vm({ machine: "microvm", vcpus: 8 }),
    config: { enforcementLevel: "advisory" },
    expect: { violation: [/can't hot-add/], level: "advisory" },
  },
  "unknown machine at preview: not run": {
    props: vm({ machine: UNKNOWN }),
    expect: { notRun: /during preview: string value at \.machine can't be known during preview/ },
  },
  "unknown threads inside topology: not run": {
    props: pseries({ topology: { sockets: 1, cores: 4, threads: UNKNOWN } }),
    expect: { notRun: /value at \.topology\.threads can't be known/ },
  },
  "unknown libvirt domain doesn't stop the rule": {
    props: vm({ machine: "microvm", vcpus: 8, libvirt: { uri: "qemu:///system", domain: UNKNOWN } }),
    expect: { violation: [/can't hot-add/] },
  },
  "other resource types are not applicable": {
    props: { vcpus: 1 },
    type: "pulumi-nodejs:dynamic:Resource",
    expect: { notApplicable: /only applies to resources of type 'pulumi-nodejs:dynamic\/qemu:VmCpu'/ },
  },
};

test.each(Object.entries(cases))("%s", async (_name, c) => {
  await runResourceCase(hotplugCapableMachine, c);
});
