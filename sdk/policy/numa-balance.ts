/**
 * `vmcpu-numa-balance` (advisory, stack policy): hot-adds keep NUMA nodes balanced. A `VmCpu` whose state shows
 * vCPU slots on two or more NUMA nodes (`numaNodes`, read at the last apply or refresh) should use
 * `numaPlacement: "balanced"`, so hot-adds go round-robin across the nodes and unplugs take from the fullest;
 * and its nodes' plugged vCPUs should differ by at most `maxSkew`. VMs without NUMA are left out.
 */
import { validateStackResourcesOfType, type PolicyResource, type StackValidationPolicy } from "@pulumi/policy";
import { z } from "zod";
import type { NumaNode } from "../../provider/spec";
import { VmCpu } from "../vmcpu";
import { resolveConfig, type PolicyOptions } from "./config";
import { VmCpuView } from "./view";

/** Policy name. */
export const NUMA_BALANCE = "vmcpu-numa-balance";

/** Config of {@link numaBalance}. */
export const NumaBalanceConfig = z.object({
  maxSkew: z
    .number().int().min(0).default(1)
    .describe("Largest allowed difference between the plugged vCPUs of two NUMA nodes of one VM (counting only nodes with a free slot or more plugged)"),
});
type Config = z.output<typeof NumaBalanceConfig>;

/**
 * The skew balanced placement could have avoided: the fullest node against the emptiest one that still has a
 * free slot (a node that is full can't take more).
 */
function skew(nodes: readonly NumaNode[]): number {
  const max = Math.max(...nodes.map((n) => n.plugged));
  const open = nodes.filter((n) => n.plugged < n.possible);
  return open.length ? max - Math.min(...open.map((n) => n.plugged)) : 0;
}

const shown = (nodes: readonly NumaNode[]) => nodes.map((n) => `node ${n.node}: ${n.plugged}/${n.possible}`).join(", ");

function checkVm(r: PolicyResource, config: Config, report: (m: string) => void): boolean {
  const vm = new VmCpuView(r.props, r.name, r.urn);
  const nodes = vm.numaNodes;
  if (!nodes || nodes.length < 2) return false;
  const placement = vm.numaPlacement;
  if (placement !== "balanced") {
    report(`${vm.name} has vCPU slots on ${nodes.length} NUMA nodes (${shown(nodes)} plugged) and numaPlacement is "${placement}": set numaPlacement: "balanced" so hot-adds go round-robin across the nodes (the node with the fewest plugged vCPUs first) and unplugs take from the fullest, instead of filling the lowest vCPU ids (node 0 first)`);
  }
  const s = skew(nodes);
  if (s > config.maxSkew) {
    report(`${vm.name}'s NUMA nodes are uneven (${shown(nodes)} plugged; skew ${s} > maxSkew ${config.maxSkew}): with numaPlacement: "balanced" the next hot-adds fill the emptier nodes and the next unplugs take from the fullest; to even them now, scale down and up again, or restart the VM`);
  }
  return true;
}

/** The NUMA-balance stack policy; `options` set its enforcement level and config defaults (`maxSkew`). */
export function numaBalance(options: PolicyOptions<typeof NumaBalanceConfig> = {}): StackValidationPolicy {
  const config = resolveConfig(NUMA_BALANCE, NumaBalanceConfig, options);
  return {
    name: NUMA_BALANCE,
    description: "Hot-adds keep NUMA nodes balanced: a VmCpu on several NUMA nodes uses numaPlacement \"balanced\" and its nodes stay even.",
    enforcementLevel: options.enforcementLevel ?? "advisory",
    configSchema: config.configSchema,
    validateStack: validateStackResourcesOfType(VmCpu, (_typed, args, report) => {
      const cfg = config.read(args.getConfig());
      let any = false;
      for (const r of args.resources) any = checkVm(r, cfg, (message) => report(message)) || any;
      if (!any) args.notApplicable("no VmCpu in this stack has vCPU slots on two or more NUMA nodes (numaNodes, read at the last apply or refresh)");
    }),
  };
}
