/** The imperative shell: executes plan steps against a {@link Hypervisor}. */
export * from "./ports";
export * from "./execute";
export * from "./guest";
export * from "./poll";
export * from "./vm-lock";
export * from "./unconfirmed";
