/** The vCPU topology shared by libvirt domains and raw QEMU, with its defaulting and consistency check. */

/** Sockets × dies × cores × threads; the product must equal maxVcpus. */
export interface Topology {
  sockets: number;
  dies?: number;
  cores: number;
  threads: number;
}

/**
 * `t` with defaults filled in (1 socket, 1 die, maxVcpus cores, 1 thread); throws when the product is not
 * `maxVcpus`.
 */
export function defaultTopology(maxVcpus: number, t?: Topology): Required<Topology> {
  const topo = { sockets: t?.sockets ?? 1, dies: t?.dies ?? 1, cores: t?.cores ?? maxVcpus, threads: t?.threads ?? 1 };
  const product = topo.sockets * topo.dies * topo.cores * topo.threads;
  if (product !== maxVcpus) {
    throw new Error(`topology ${JSON.stringify(topo)} gives ${product} vCPUs, not maxVcpus=${maxVcpus}`);
  }
  return topo;
}
