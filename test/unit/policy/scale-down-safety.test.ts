/** vmcpu-scale-down-safety through @pulumi/policy's Analyze handler, in-process. */
import { scaleDownSafety } from "../../../sdk/policy";
import { checked, runResourceCase, UNKNOWN, type ResourceCase } from "./harness";

type Options = NonNullable<Parameters<typeof scaleDownSafety>[0]>;
const libvirt = { uri: "qemu:///system", domain: "web01" };
const vm = (over: Record<string, unknown> = {}) => checked({ libvirt, maxVcpus: 8, vcpus: 4, machine: "q35", ...over });

const cases: Record<string, ResourceCase<Options>> = {
  "guestAgent required passes": { props: vm({ guestAgent: "required" }), expect: "pass" },
  "guestAgent defaulted by check to optional: set required": {
    props: vm(),
    expect: {
      violation: [/web01-cpu may scale down \(shrinkable: "always"\) and guestAgent is "optional": set guestAgent: "required" so a scale-down offlines the vCPUs in the guest/],
      level: "advisory",
    },
  },
  "guestAgent off: set required": { props: vm({ guestAgent: "off" }), expect: { violation: [/guestAgent is "off": set guestAgent: "required"/] } },
  "shrinkable when-below-max: a VM at its maximum is not applicable": {
    props: vm({ vcpus: 8 }),
    config: { shrinkable: "when-below-max" },
    expect: { notApplicable: /not a resource that may scale down \(shrinkable: "when-below-max"\)/ },
  },
  "shrinkable when-below-max: a VM below its maximum needs the agent": {
    props: vm({ vcpus: 6 }),
    config: { shrinkable: "when-below-max" },
    expect: { violation: [/may scale down \(shrinkable: "when-below-max"\)/] },
  },
  "shrinkable never from pack options": { props: vm(), options: { shrinkable: "never" }, expect: { notApplicable: /shrinkable: "never"/ } },
  "s390x can't unplug: a scale-down is a restart, not applicable": {
    props: vm({ machine: "s390-ccw-virtio-7.2" }),
    expect: { notApplicable: /machine s390-ccw-virtio-7\.2 can't unplug vCPUs, so a scale-down is a restart/ },
  },
  "pseries unplugs: the rule applies": {
    props: vm({ machine: "pseries", topology: { sockets: 1, cores: 4, threads: 2 } }),
    expect: { violation: [/set guestAgent: "required"/] },
  },
  "no machine declared: the rule applies": { props: checked({ libvirt, maxVcpus: 8, vcpus: 4 }), expect: { violation: [/guestAgent/] } },
  "invalid shrinkable is an error": {
    props: vm(),
    config: { shrinkable: "sometimes" },
    expect: { error: /policy vmcpu-scale-down-safety: invalid config: .*shrinkable/ },
  },
  "unknown guestAgent at preview: not run": {
    props: vm({ guestAgent: UNKNOWN }),
    expect: { notRun: /value at \.guestAgent can't be known/ },
  },
  "unknown vcpus with when-below-max: not run": {
    props: vm({ vcpus: UNKNOWN }),
    config: { shrinkable: "when-below-max" },
    expect: { notRun: /value at \.vcpus can't be known/ },
  },
  "unknown vcpus with always doesn't stop the rule": { props: vm({ vcpus: UNKNOWN }), expect: { violation: [/guestAgent/] } },
};

test.each(Object.entries(cases))("%s", async (_name, c) => {
  await runResourceCase(scaleDownSafety, c);
});
