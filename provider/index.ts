/**
 * `pulumi-qemu-vcpu/provider`: the implementation loaded inside Pulumi's dynamic-provider
 * host (never imports `@pulumi/pulumi` at run time). Other tools can drive `provider`
 * directly; `spec` and `plan` are the pure core.
 */
export { provider } from "./dynamic";
export * as spec from "./spec";
export * as plan from "./plan";
export { ProviderError, ApplyError, type ProviderErrorCode } from "./errors";
