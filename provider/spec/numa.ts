/**
 * NUMA nodes of a VM as the outputs show them: per node, the possible, plugged and online vCPUs,
 * summed from the slots' `node` (fixed when QEMU starts: libvirt `<numa><cell cpus>`, `-numa cpu`).
 */
import { z } from "zod";
import type { VcpuSlot } from "./live";

/** One NUMA node's vCPUs. */
export const NumaNode = z.object({
  /** NUMA node id (libvirt cell id, QEMU `node-id`). */
  node: z.number().int(),
  /** vCPU slots of the node (every possible vCPU, plugged or not). */
  possible: z.number().int(),
  /** vCPUs of the node plugged in QEMU. */
  plugged: z.number().int(),
  /**
   * vCPUs of the node online in the guest. Known only when every plugged vCPU is online (the agent names
   * CPUs by the guest's logical id, which does not say their node); undefined otherwise or without an agent.
   */
  online: z.number().int().optional(),
});
export type NumaNode = z.infer<typeof NumaNode>;

/**
 * Per-node summary of `slots`, by node id; empty when no slot has a node (a VM without NUMA).
 * `guestOnline` is how many CPUs the guest has online (undefined without an answering agent).
 */
export function numaNodes(slots: readonly VcpuSlot[], guestOnline: number | undefined): NumaNode[] {
  if (!slots.some((s) => s.node !== undefined)) return [];
  const plugged = slots.filter((s) => s.enabled).length;
  const allOnline = guestOnline !== undefined && guestOnline === plugged;
  const ids = [...new Set(slots.map((s) => s.node ?? 0))].sort((a, b) => a - b);
  return ids.map((node) => {
    const mine = slots.filter((s) => (s.node ?? 0) === node);
    const on = mine.filter((s) => s.enabled).length;
    return { node, possible: mine.length, plugged: on, ...(allOnline ? { online: on } : {}) };
  });
}
