/**
 * The `qemu-vcpu` policy pack: every `VmCpu` policy from `pulumi-qemu-vcpu/policy` with its
 * default enforcement level. Configure it per stack or organisation, e.g.
 * `pulumi policy enable <org>/qemu-vcpu latest --config config.json` with
 * `{ "vmcpu-protected-stacks": { "stacks": ["prod*", "live-*"] }, "vmcpu-host-capacity": { "hostCpus": 64, "overcommit": 2 } }`.
 * Try it locally: `pulumi preview --policy-pack examples/policy-pack` (after `npm run build`).
 */
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "pulumi-qemu-vcpu/policy";

new PolicyPack("qemu-vcpu", { policies: allPolicies() });
