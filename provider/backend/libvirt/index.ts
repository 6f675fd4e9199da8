/** The libvirt backend: reads and changes a domain's vCPUs through libvirt's RPC protocol. */
export { LibvirtHypervisor, type LibvirtTarget } from "./hypervisor";
export type { Versions } from "./read";
export { readDomainCpu, rewriteCpuDefinition, type DomainCpuFacts, type CpuDefinition } from "./domain-xml";
