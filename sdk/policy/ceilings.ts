/**
 * `vmcpu-ceilings` (mandatory): `maxVcpus` within the machine type's limit (QEMU `cpu-max`, the
 * spec's `MACHINE_FAMILIES[…].cpuMax`) and within a configured per-VM ceiling.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { z } from "zod";
import type { PolicyOptions } from "./config";
import { COMMON_CONFIG, vmCpuResourcePolicy, type RuleContext } from "./resource";
import { formatHint, maxVcpusHint, type VmCpuView } from "./view";

/** Policy name. */
export const CEILINGS = "vmcpu-ceilings";

/** Config of {@link ceilings}. */
export const CeilingsConfig = z.object({
  ...COMMON_CONFIG,
  maxVcpus: z.number().int().min(1).max(1024).optional().describe("Per-VM ceiling for maxVcpus (unset: only the machine limit)"),
});
type Config = z.output<typeof CeilingsConfig>;

function lowerTo(vm: VmCpuView, ceiling: number): string {
  const hint = maxVcpusHint(vm.topology, ceiling, "down");
  if (!hint) return "no topology with the declared sockets/threads fits; declare a smaller topology";
  const vcpus = vm.vcpus;
  return `lower maxVcpus to ${formatHint(hint)}${vcpus > hint.maxVcpus ? ` and vcpus to ${hint.maxVcpus} or less` : ""}`;
}

function validate({ vm, config, report }: RuleContext<Config>): void {
  const max = vm.maxVcpus;
  const family = vm.family;
  if (family && max > family.cpuMax) {
    report(`maxVcpus (${max}) is above machine ${vm.machine}'s limit of ${family.cpuMax} vCPUs (QEMU cpu-max): ${lowerTo(vm, family.cpuMax)}`);
  }
  if (config.maxVcpus !== undefined && max > config.maxVcpus) {
    report(`maxVcpus (${max}) is above the per-VM ceiling of ${config.maxVcpus}: ${lowerTo(vm, config.maxVcpus)}, or spread the load over more VMs`);
  }
}

/** The ceilings policy; `options` set its enforcement level and config defaults (`maxVcpus`). */
export function ceilings(options: PolicyOptions<typeof CeilingsConfig> = {}): ResourceValidationPolicy {
  return vmCpuResourcePolicy(
    {
      name: CEILINGS,
      description: "A VmCpu's maxVcpus must stay within its machine type's limit and the configured per-VM ceiling.",
      enforcementLevel: "mandatory",
      config: CeilingsConfig,
      validate,
    },
    options,
  );
}
