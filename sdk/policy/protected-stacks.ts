/**
 * `vmcpu-protected-stacks` (mandatory): in stacks whose name matches a configured pattern
 * (default `prod*`), `coldChanges` must stay "refuse", so a CPU change that would need a
 * restart fails at preview instead of restarting the VM ("restart") or waiting in the
 * definition for the next restart ("persist"). The stack name is read from the resource URN
 * (`stackOfUrn` in ./match: @pulumi/policy gives policies no other way to know it).
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { z } from "zod";
import { Patterns, type PolicyOptions } from "./config";
import { firstMatch } from "./match";
import { COMMON_CONFIG, vmCpuResourcePolicy, type RuleContext } from "./resource";

/** Policy name. */
export const PROTECTED_STACKS = "vmcpu-protected-stacks";

/** Config of {@link protectedStacks}. */
export const ProtectedStacksConfig = z.object({
  ...COMMON_CONFIG,
  stacks: Patterns("Stack names where coldChanges must be \"refuse\"").default(["prod*"]),
});
type Config = z.output<typeof ProtectedStacksConfig>;

const CONSEQUENCE = {
  restart: "restarting the VM during the update",
  persist: "being written to the VM definition and taking effect at whatever restart comes next",
} as const;

function validate({ vm, config, args, report }: RuleContext<Config>): void {
  const stack = vm.stack;
  const pattern = firstMatch(config.stacks, stack);
  if (pattern === undefined) args.notApplicable(`stack ${stack} matches none of ${config.stacks.join(", ")}`);
  const mode = vm.coldChanges;
  if (mode === "refuse") return;
  report(`stack ${stack} is protected (matches "${pattern}"): set coldChanges: "refuse" (now "${mode}") so a CPU change that needs a restart is refused at preview instead of ${CONSEQUENCE[mode]}; do such changes in a maintenance window with this policy lowered for that update`);
}

/** The protected-stacks policy; `options` set its enforcement level and config defaults (`stacks`). */
export function protectedStacks(options: PolicyOptions<typeof ProtectedStacksConfig> = {}): ResourceValidationPolicy {
  return vmCpuResourcePolicy(
    {
      name: PROTECTED_STACKS,
      description: "In protected stacks a VmCpu must keep coldChanges: \"refuse\", so restart-needing CPU changes are refused.",
      enforcementLevel: "mandatory",
      config: ProtectedStacksConfig,
      validate,
    },
    options,
  );
}
