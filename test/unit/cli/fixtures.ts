/**
 * Stack-export fixtures for the CLI tests, built from what the provider really stores:
 * `toOutputs` of a {@link runningVm} live state, wrapped in the `pulumi stack export` shape.
 */
import { VM_CPU_TYPE } from "../../../provider/cli/drift/stack-export";
import { toOutputs, type LiveState } from "../../../provider/spec";
import { desired, runningVm } from "../../support/live";

type Rec = Record<string, unknown>;

/** The outputs a `VmCpu` named `name` stores after applying `spec` to `live` (JSON round-tripped, as in state). */
export function storedOutputs(name: string, spec: Rec = {}, live: LiveState = runningVm({ plugged: 2 })): Rec {
  return JSON.parse(JSON.stringify(toOutputs(live, desired({ vcpus: 2, ...spec }), name))) as Rec;
}

/** A `VmCpu` resource entry as `pulumi stack export` writes it. */
export function vmCpuResource(name: string, outputs: Rec, extra: Rec = {}): Rec {
  const { __label: _label, ...rest } = outputs;
  return {
    urn: `urn:pulumi:dev::fleet::${VM_CPU_TYPE}::${name}`,
    custom: true,
    id: `qemu:///system#${String(outputs["domainUuid"] ?? "?")}`,
    type: VM_CPU_TYPE,
    inputs: { __label: name, libvirt: rest["libvirt"], maxVcpus: (rest["declared"] as Rec | undefined)?.["maxVcpus"], vcpus: (rest["declared"] as Rec | undefined)?.["vcpus"] },
    outputs: { ...outputs, __provider: "exports.handler = __f0;\nfunction __f0() { return require(\"pulumi-qemu-vcpu/provider\"); }" },
    parent: "urn:pulumi:dev::fleet::pulumi:pulumi:Stack::fleet-dev",
    ...extra,
  };
}

/** A whole stack export with the stack resource, a default provider and `resources`. */
export function stackExport(resources: Rec[]): Rec {
  return {
    version: 3,
    deployment: {
      manifest: { time: "2026-11-22T00:00:00Z", magic: "x", version: "v3.200.0" },
      secrets_providers: { type: "passphrase", state: { salt: "v1:x" } },
      resources: [
        { urn: "urn:pulumi:dev::fleet::pulumi:pulumi:Stack::fleet-dev", custom: false, type: "pulumi:pulumi:Stack", outputs: {} },
        { urn: "urn:pulumi:dev::fleet::pulumi:providers:pulumi-nodejs::default", custom: true, id: "x", type: "pulumi:providers:pulumi-nodejs" },
        ...resources,
      ],
    },
  };
}
