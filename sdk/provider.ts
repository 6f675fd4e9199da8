/**
 * The provider object serialized into Pulumi state (`__provider`). Each method only
 * `require`s the implementation by package name, so state holds a few hundred bytes of
 * text, nothing local is captured by value, and `refresh`/`destroy` run the installed
 * package's code. Keep it that way: no imports used inside these functions.
 */
import type * as pulumi from "@pulumi/pulumi";

type Impl = { provider: Required<pulumi.dynamic.ResourceProvider> };

/** The `VmCpu` resource provider: delegates every call to `pulumi-qemu-vcpu/provider`. */
export const provider: pulumi.dynamic.ResourceProvider = {
  // An installed implementation without `configure` (older versions) is fine: it needs no config.
  configure: async (req) => (require("pulumi-qemu-vcpu/provider") as { provider: pulumi.dynamic.ResourceProvider }).provider.configure?.(req),
  check: (olds, news) => (require("pulumi-qemu-vcpu/provider") as Impl).provider.check(olds, news),
  diff: (id, olds, news) => (require("pulumi-qemu-vcpu/provider") as Impl).provider.diff(id, olds, news),
  create: (inputs) => (require("pulumi-qemu-vcpu/provider") as Impl).provider.create(inputs),
  read: (id, props) => (require("pulumi-qemu-vcpu/provider") as Impl).provider.read(id, props),
  update: (id, olds, news) => (require("pulumi-qemu-vcpu/provider") as Impl).provider.update(id, olds, news),
  delete: (id, props) => (require("pulumi-qemu-vcpu/provider") as Impl).provider.delete(id, props),
};
