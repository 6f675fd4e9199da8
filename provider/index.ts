/**
 * `pulumi-qemu-vcpu/provider`: the implementation loaded inside Pulumi's dynamic-provider
 * host (never imports `@pulumi/pulumi` at run time). Its public type is only Pulumi's own
 * `ResourceProvider`, so the package's `.d.ts` reaches no zod and no internals. Errors it
 * throws are `ProviderError`s with a stable `code` (provider/errors.ts).
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { provider as impl } from "./dynamic";

/** The `VmCpu` resource provider, as Pulumi's dynamic-provider host calls it. */
export const provider: dynamic.ResourceProvider = impl;
