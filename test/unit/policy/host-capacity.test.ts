/** vmcpu-host-capacity (a stack policy) through @pulumi/policy's AnalyzeStack handler, in-process. */
import { hostCapacity } from "../../../sdk/policy";
import { checked, runStackCase, UNKNOWN, type AnalyzedResource, type StackCase } from "./harness";

type Options = NonNullable<Parameters<typeof hostCapacity>[0]>;

/** A VmCpu as preview shows it (checked inputs) on `uri`. */
const vm = (name: string, uri: string, vcpus: number | string, maxVcpus = 32): AnalyzedResource => ({
  name, props: checked({ libvirt: { uri, domain: name }, maxVcpus, vcpus, machine: "q35" }),
});
/** A VmCpu as state holds it after an update: `declared` is the spec, `vcpus` what runs. */
const applied = (name: string, uri: string, declared: number, live: number): AnalyzedResource => ({
  name,
  props: { libvirt: { uri, domain: name }, declared: { maxVcpus: 32, vcpus: declared }, maxVcpus: 32, vcpus: live, machine: "pc-q35-7.2" },
});
const viaQmp = (name: string, vcpus: number): AnalyzedResource => ({
  name, props: checked({ qmp: { socket: `/run/${name}.qmp` }, maxVcpus: 32, vcpus, machine: "q35" }),
});
const KVM1 = "qemu+ssh://root@kvm1/system";
const KVM2 = "qemu+ssh://kvm2/system";
const busyKvm1 = [vm("db-cpu", KVM1, 16), vm("web-cpu", KVM1, 8), vm("cache-cpu", KVM1, 4)];

const cases: Record<string, StackCase<Options>> = {
  "no capacity configured: not applicable": { resources: busyKvm1, expect: { notApplicable: /no host capacity configured: set hostCpus or hosts/ } },
  "within hostCpus passes": { resources: busyKvm1, config: { hostCpus: 28 }, expect: "pass" },
  "over hostCpus: says by how much and where": {
    resources: busyKvm1,
    config: { hostCpus: 16 },
    expect: {
      violation: [/libvirt host kvm1 \(qemu\+ssh:\/\/root@kvm1\/system\): 3 VmCpu resource\(s\) declare 28 vcpus, above 16 CPUs × overcommit 1 = 16: lower vcpus by 12 across db-cpu \(16\), web-cpu \(8\), cache-cpu \(4\), move a VM to another host/],
      level: "mandatory",
    },
  },
  "overcommit ratio": { resources: busyKvm1, config: { hostCpus: 16, overcommit: 2 }, expect: "pass" },
  "fractional overcommit rounds the allowance down": {
    resources: busyKvm1,
    config: { hostCpus: 15, overcommit: 1.5 },
    expect: { violation: [/above 15 CPUs × overcommit 1\.5 = 22: lower vcpus by 6/] },
  },
  "user, port and transport don't split a host": {
    resources: [vm("a-cpu", "qemu+ssh://root@KVM1:2222/system", 8), vm("b-cpu", "qemu+tls://kvm1/system", 8)],
    config: { hostCpus: 12 },
    expect: { violation: [/libvirt host kvm1 \(qemu\+ssh:\/\/root@KVM1:2222\/system, qemu\+tls:\/\/kvm1\/system\): 2 VmCpu/] },
  },
  "hosts are counted separately": {
    resources: [vm("a-cpu", KVM1, 12), vm("b-cpu", KVM2, 12)],
    config: { hostCpus: 16 },
    expect: "pass",
  },
  "hosts by name override hostCpus": {
    resources: [vm("a-cpu", KVM1, 12), vm("b-cpu", KVM2, 12)],
    config: { hostCpus: 16, hosts: { kvm2: 8 } },
    expect: { violation: [/libvirt host kvm2 .*declare 12 vcpus, above 8 CPUs/] },
  },
  "hosts by full URI": {
    resources: [vm("a-cpu", KVM2, 12)],
    config: { hosts: { [KVM2]: 8 } },
    expect: { violation: [/host kvm2 .*above 8 CPUs/] },
  },
  "a host with no capacity configured is skipped": {
    resources: [vm("a-cpu", KVM1, 30), vm("b-cpu", KVM2, 4)],
    config: { hosts: { kvm2: 8 } },
    expect: "pass",
  },
  "qemu:///system and qemu:///session are both localhost": {
    resources: [vm("a-cpu", "qemu:///system", 4), vm("b-cpu", "qemu:///session", 4)],
    config: { hosts: { localhost: 6 } },
    expect: { violation: [/libvirt host localhost \(qemu:\/\/\/system, qemu:\/\/\/session\): 2 VmCpu resource\(s\) declare 8 vcpus/] },
  },
  "count maxVcpus": {
    resources: [vm("a-cpu", KVM1, 2, 16), vm("b-cpu", KVM1, 2, 16)],
    config: { hostCpus: 24, count: "maxVcpus" },
    expect: { violation: [/declare 32 maxVcpus, above 24 CPUs × overcommit 1 = 24: lower maxVcpus by 8/] },
  },
  "after an update the declared count is used, not the live one": {
    resources: [applied("a-cpu", KVM1, 4, 12), applied("b-cpu", KVM1, 4, 12)],
    config: { hostCpus: 8 },
    expect: "pass",
  },
  "capacity from pack options": { resources: busyKvm1, options: { hostCpus: 16, overcommit: 2 }, expect: "pass" },
  "more than five VMs: the list is cut": {
    resources: Array.from({ length: 7 }, (_, i) => vm(`vm${i}-cpu`, KVM1, 10 - i)),
    config: { hostCpus: 8 },
    expect: { violation: [/across vm0-cpu \(10\), vm1-cpu \(9\), vm2-cpu \(8\), vm3-cpu \(7\), vm4-cpu \(6\) and 2 more,/] },
  },
  "raw QMP VMs name no host and are left out": {
    resources: [vm("a-cpu", KVM1, 4), viaQmp("b-cpu", 30)],
    config: { hostCpus: 8 },
    expect: "pass",
  },
  "only raw QMP VMs: not applicable": {
    resources: [viaQmp("b-cpu", 30)],
    config: { hostCpus: 8 },
    expect: { notApplicable: /no VmCpu in this stack uses a libvirt connection/ },
  },
  "no VmCpu in the stack: not applicable": {
    resources: [{ name: "other", type: "pulumi-nodejs:dynamic:Resource", props: {} }],
    config: { hostCpus: 8 },
    expect: { notApplicable: /only applies to resources of type 'pulumi-nodejs:dynamic\/qemu:VmCpu'/ },
  },
  "unknown vcpus at preview: not run": {
    resources: [vm("a-cpu", KVM1, 4), vm("b-cpu", KVM1, UNKNOWN)],
    config: { hostCpus: 8 },
    expect: { notRun: /value at \.vcpus can't be known/ },
  },
  "invalid overcommit is an error": {
    resources: busyKvm1,
    config: { hostCpus: 8, overcommit: 0 },
    expect: { error: /policy vmcpu-host-capacity: invalid config: .*overcommit/ },
  },
};

test.each(Object.entries(cases))("%s", async (_name, c) => {
  await runStackCase(hostCapacity, c);
});
