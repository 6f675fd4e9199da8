/**
 * `vmcpu-scale-down-safety` (advisory): a `VmCpu` that may scale down needs
 * `guestAgent: "required"`. With "required" a scale-down offlines the vCPUs inside the guest
 * (qemu-guest-agent) before unplugging them and is refused when the agent doesn't answer; with
 * "optional" or "off" the vCPUs are unplugged without the guest's help when no agent answers.
 * Machines that can't unplug at all (the spec's `MACHINE_FAMILIES[…].unplug`) are not applicable.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { z } from "zod";
import { Shrinkable, type PolicyOptions } from "./config";
import { COMMON_CONFIG, vmCpuResourcePolicy, type RuleContext } from "./resource";
import { mayShrink } from "./view";

/** Policy name. */
export const SCALE_DOWN_SAFETY = "vmcpu-scale-down-safety";

/** Config of {@link scaleDownSafety}. */
export const ScaleDownSafetyConfig = z.object({
  ...COMMON_CONFIG,
  shrinkable: Shrinkable.default("always"),
});
type Config = z.output<typeof ScaleDownSafetyConfig>;

function validate({ vm, config, args, report }: RuleContext<Config>): void {
  const family = vm.family;
  if (family && !family.unplug) {
    args.notApplicable(`machine ${vm.machine} can't unplug vCPUs, so a scale-down is a restart (${family.why})`);
  }
  if (!mayShrink(vm, config.shrinkable)) {
    args.notApplicable(`not a resource that may scale down (shrinkable: "${config.shrinkable}")`);
  }
  const agent = vm.guestAgent;
  if (agent === "required") return;
  report(`${vm.name} may scale down (shrinkable: "${config.shrinkable}") and guestAgent is "${agent}": set guestAgent: "required" so a scale-down offlines the vCPUs in the guest through qemu-guest-agent before unplugging them, and is refused when the agent doesn't answer instead of unplugging vCPUs the guest is still using`);
}

/** The scale-down-safety policy; `options` set its enforcement level and config defaults (`shrinkable`). */
export function scaleDownSafety(options: PolicyOptions<typeof ScaleDownSafetyConfig> = {}): ResourceValidationPolicy {
  return vmCpuResourcePolicy(
    {
      name: SCALE_DOWN_SAFETY,
      description: "A VmCpu that may scale down must require qemu-guest-agent, so vCPUs are offlined in the guest before unplug.",
      enforcementLevel: "advisory",
      config: ScaleDownSafetyConfig,
      validate,
    },
    options,
  );
}
