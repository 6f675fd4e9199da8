/**
 * The plan: pure functions from (live state, desired spec) to classified changes, Pulumi
 * diff decisions and ordered steps. No sockets, no `@pulumi/*`.
 */
export * from "./rules";
export * from "./steps";
export * from "./slots";
export * from "./plan";
export * from "./diff";
export * from "./bounds";
export * from "./machines";
