/**
 * `vmcpu-hotplug-capable-machine` (mandatory): the declared machine type must be able to
 * hot-add vCPUs, `vcpus` must move in whole hotpluggable entities (pseries: cores of
 * `threads`), and, for resources that may scale down, the machine must be able to unplug
 * (s390x can't). Every fact comes from the spec's `MACHINE_FAMILIES` table.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { z } from "zod";
import { MACHINE_FAMILIES, type MachineFamily } from "../../provider/spec";
import { Shrinkable, type PolicyOptions } from "./config";
import { COMMON_CONFIG, vmCpuResourcePolicy, type RuleContext } from "./resource";
import { mayShrink } from "./view";

/** Policy name. */
export const HOTPLUG_CAPABLE_MACHINE = "vmcpu-hotplug-capable-machine";

/** Config of {@link hotplugCapableMachine}. */
export const HotplugCapableMachineConfig = z.object({
  ...COMMON_CONFIG,
  requireMachine: z
    .boolean()
    .default(true)
    .describe("Report a VmCpu that doesn't declare machine (review can't tell whether it can hotplug)"),
  shrinkable: Shrinkable.default("never"),
});
type Config = z.output<typeof HotplugCapableMachineConfig>;

/** Machine aliases of the same architecture that can hot-add vCPUs. */
function hotplugAlternatives(family: MachineFamily): string[] {
  return Object.values(MACHINE_FAMILIES)
    .filter((f) => f.arch === family.arch && f.hotAdd)
    .map((f) => f.alias);
}

function cantHotAdd(machine: string, family: MachineFamily): string {
  const alternatives = hotplugAlternatives(family);
  const fix = alternatives.length
    ? `declare machine ${alternatives.map((a) => `"${a}"`).join(" or ")} instead (one restart to switch machine type)`
    : `QEMU has no ${family.arch} machine type with vCPU hotplug, so add this resource's name to the policy's exclude config and plan every vCPU change as a restart`;
  return `machine ${machine} can't hot-add vCPUs (${family.why}), so every vCPU change restarts the VM: ${fix}`;
}

function validate({ vm, config, report }: RuleContext<Config>): void {
  const family = vm.family;
  if (!family) {
    if (config.requireMachine) {
      report(`${vm.name} doesn't declare machine, so review can't tell whether its vCPUs can change without a restart: set machine to the VM's machine type (e.g. "q35" on x86_64, "pseries" on ppc64, "s390-ccw-virtio" on s390x)`);
    }
    return;
  }
  const machine = vm.machine ?? family.alias;
  if (!family.hotAdd) return report(cantHotAdd(machine, family));
  const entity = vm.entity;
  const vcpus = vm.vcpus;
  if (vcpus % entity !== 0) {
    const lower = Math.max(entity, vcpus - (vcpus % entity));
    report(`machine ${machine} hotplugs whole cores of ${entity} threads (${family.why}): set vcpus to a multiple of ${entity}, e.g. ${lower} or ${lower + entity}`);
  }
  if (!family.unplug && mayShrink(vm, config.shrinkable)) {
    report(`${vm.name} may scale down (shrinkable: "${config.shrinkable}") but machine ${machine} can't unplug vCPUs (${family.why}): a scale-down needs a restart there, so size vcpus for the smallest load and only scale up (or add this name to the policy's exclude config if it never shrinks)`);
  }
}

/** The hotplug-capable-machine policy; `options` set its enforcement level and config defaults. */
export function hotplugCapableMachine(options: PolicyOptions<typeof HotplugCapableMachineConfig> = {}): ResourceValidationPolicy {
  return vmCpuResourcePolicy(
    {
      name: HOTPLUG_CAPABLE_MACHINE,
      description: "A VmCpu's machine type must hot-add vCPUs, in whole hotpluggable entities, so CPU changes need no restart.",
      enforcementLevel: "mandatory",
      config: HotplugCapableMachineConfig,
      validate,
    },
    options,
  );
}
