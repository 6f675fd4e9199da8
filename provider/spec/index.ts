/**
 * The spec: zod schemas that are the single source of the `VmCpu` input, live-state and
 * output types, and the per-platform rule table. Pure: no sockets, no `@pulumi/*`.
 */
export * from "./platform";
export * from "./inputs";
export * from "./libvirt-uri";
export * from "./domain-name";
export * from "./validate";
export * from "./live";
export * from "./outputs";
export * from "./numa";
export * from "./versions";
