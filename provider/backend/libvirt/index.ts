/** The libvirt backend: reads and changes a domain's vCPUs through libvirt's RPC protocol. */
export { LibvirtHypervisor, libvirtPool, type LibvirtTarget } from "./hypervisor";
export { LibvirtPool, type LibvirtPoolOptions, type PooledConnection, type PoolConnector } from "./pool";
export type { Versions } from "./read";
export { readDomainCpu, rewriteCpuDefinition, type DomainCpuFacts, type CpuDefinition } from "./domain-xml";
