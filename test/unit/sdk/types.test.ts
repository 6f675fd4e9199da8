/**
 * The SDK's hand-written public types (sdk/types.ts, sdk/vmcpu.ts) stay in step with the zod schemas that
 * validate them (provider/spec): checked by the compiler (ts-jest type-checks this file, and
 * `npm run typecheck` too), with a runtime table so a failing check names the type.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type * as spec from "../../../provider/spec";
import type * as sdk from "../../../sdk";
import type { VmCpu } from "../../../sdk";
import type * as policy from "../../../sdk/policy";
import type * as lib from "../../../sdk/policy/library";
import type { PolicyOptions } from "../../../sdk/policy/config";

/** true when A and B are assignable both ways. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Compiles only for `true`. */
const same = <T extends true>(name: string, _proof?: T) => name;

type OutputOf<T> = T extends pulumi.Output<infer U> ? U : never;
type OutKey = Exclude<keyof spec.VmCpuOutputs, `__${string}`>;
type Outs = { [K in OutKey]: spec.VmCpuOutputs[K] };
type ClassOuts = { [K in keyof Outs]: K extends keyof VmCpu ? OutputOf<VmCpu[K]> : never };

const CHECKS = [
  same<Same<sdk.Topology, z.input<typeof spec.Topology>>>("Topology"),
  same<Same<sdk.LibvirtConnection, z.input<typeof spec.LibvirtConnection>>>("LibvirtConnection"),
  same<Same<sdk.QmpConnection, z.input<typeof spec.QmpConnection>>>("QmpConnection"),
  same<Same<sdk.Timeouts, z.input<typeof spec.Timeouts>>>("Timeouts"),
  same<Same<sdk.GuestAgentMode, spec.GuestAgentMode>>("GuestAgentMode"),
  same<Same<sdk.ColdChanges, spec.ColdChanges>>("ColdChanges"),
  same<Same<sdk.RunState, spec.RunState>>("RunState"),
  same<Same<sdk.AgentStatus, spec.AgentStatus>>("AgentStatus"),
  same<Same<sdk.VcpuSlot, spec.VcpuSlot>>("VcpuSlot"),
  same<Same<sdk.ConfigCpus, spec.ConfigCpus>>("ConfigCpus"),
  same<Same<sdk.Declared, spec.Declared>>("Declared"),
  same<Same<sdk.NumaPlacement, spec.NumaPlacement>>("NumaPlacement"),
  same<Same<sdk.NumaNode, spec.NumaNode>>("NumaNode"),
  // VmCpuArgs, resolved as Pulumi resolves inputs, is exactly what the schema accepts.
  same<Same<pulumi.Unwrap<sdk.VmCpuArgs>, spec.VmCpuInputsIn>>("VmCpuArgs"),
  same<Same<keyof sdk.VmCpuArgs, keyof spec.VmCpuInputsIn>>("VmCpuArgs keys"),
  same<Same<keyof sdk.VmCpuState, keyof spec.VmCpuInputsIn>>("VmCpuState keys"),
  // Every output of the schema is an Output<T> property of the class with the same T.
  same<Same<ClassOuts, Outs>>("VmCpu outputs"),
  // Each policy factory's options are exactly its zod config schema's input, plus the enforcement level.
  same<Same<policy.HotplugCapableMachineOptions, PolicyOptions<typeof lib.HotplugCapableMachineConfig>>>("HotplugCapableMachineOptions"),
  same<Same<policy.HeadroomOptions, PolicyOptions<typeof lib.HeadroomConfig>>>("HeadroomOptions"),
  same<Same<policy.ProtectedStacksOptions, PolicyOptions<typeof lib.ProtectedStacksConfig>>>("ProtectedStacksOptions"),
  same<Same<policy.ScaleDownSafetyOptions, PolicyOptions<typeof lib.ScaleDownSafetyConfig>>>("ScaleDownSafetyOptions"),
  same<Same<policy.CeilingsOptions, PolicyOptions<typeof lib.CeilingsConfig>>>("CeilingsOptions"),
  same<Same<policy.HostCapacityOptions, PolicyOptions<typeof lib.HostCapacityConfig>>>("HostCapacityOptions"),
  same<Same<policy.NumaBalanceOptions, PolicyOptions<typeof lib.NumaBalanceConfig>>>("NumaBalanceOptions"),
  same<Same<policy.AllPolicyOptions, lib.AllPolicyOptions>>("AllPolicyOptions"),
];

test.each(CHECKS)("%s matches its zod schema (checked by the compiler)", (name) => {
  expect(typeof name).toBe("string");
});
