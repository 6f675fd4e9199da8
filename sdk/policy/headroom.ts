/**
 * `vmcpu-headroom` (advisory): `maxVcpus` ≥ `vcpus` + `margin`, so the next scale-up is a
 * hotplug, not a restart (QEMU fixes maxcpus at start: the spec's `FIELD_RULES.maxVcpus`).
 * The margin is rounded up to whole hotpluggable entities (a pseries core of `threads`).
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { z } from "zod";
import { FIELD_RULES } from "../../provider/plan/rules";
import type { PolicyOptions } from "./config";
import { COMMON_CONFIG, vmCpuResourcePolicy, type RuleContext } from "./resource";
import { formatHint, maxVcpusHint } from "./view";

/** Policy name. */
export const HEADROOM = "vmcpu-headroom";

/** Config of {@link headroom}. */
export const HeadroomConfig = z.object({
  ...COMMON_CONFIG,
  margin: z.number().int().min(0).max(1024).default(1).describe("vCPUs that must fit above vcpus without a restart"),
});
type Config = z.output<typeof HeadroomConfig>;

function validate({ vm, config, args, report }: RuleContext<Config>): void {
  const family = vm.family;
  if (family && !family.hotAdd) {
    args.notApplicable(`machine ${vm.machine} can't hot-add vCPUs, so headroom can't be used (see vmcpu-hotplug-capable-machine)`);
  }
  const entity = vm.entity;
  const step = Math.ceil(config.margin / entity) * entity;
  const vcpus = vm.vcpus;
  const max = vm.maxVcpus;
  if (max >= vcpus + step) return;
  const topology = vm.topology;
  const raise = maxVcpusHint(topology, vcpus + step, "up");
  const options: string[] = [];
  if (raise && (!family || raise.maxVcpus <= family.cpuMax)) {
    options.push(`raise maxVcpus to ${formatHint(raise)}, which takes one planned restart now (${FIELD_RULES.maxVcpus.why})`);
  }
  if (max - step >= entity) options.push(`lower vcpus to ${max - step}`);
  const unit = entity > 1 ? `vCPUs (${step / entity} core(s) of ${entity} threads)` : step === 1 ? "vCPU" : "vCPUs";
  report(`maxVcpus (${max}) leaves ${max - vcpus} above vcpus (${vcpus}), less than the margin of ${step} ${unit}, so the next scale-up needs a restart: ${options.join(", or ") || "choose a smaller vcpus or a machine type with a higher cpu-max"}`);
}

/** The headroom policy; `options` set its enforcement level and config defaults (`margin`). */
export function headroom(options: PolicyOptions<typeof HeadroomConfig> = {}): ResourceValidationPolicy {
  return vmCpuResourcePolicy(
    {
      name: HEADROOM,
      description: "A VmCpu's maxVcpus must leave room above vcpus, so the next scale-up is a hotplug, not a restart.",
      enforcementLevel: "advisory",
      config: HeadroomConfig,
      validate,
    },
    options,
  );
}
