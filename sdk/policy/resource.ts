/**
 * The shape every `VmCpu` resource policy shares: matches the `VmCpu` type token (through the
 * SDK class's static `__pulumiType`, so other resources are reported "not applicable" without
 * running the rule), resolves the policy's config, skips excluded resource names, and hands
 * the rule a {@link VmCpuView}.
 */
import {
  validateResourceOfType, type EnforcementLevel, type ResourceValidationArgs, type ResourceValidationPolicy,
} from "@pulumi/policy";
import { z } from "zod";
import { VmCpu } from "../vmcpu";
import { Patterns, resolveConfig, type PolicyOptions } from "./config";
import { firstMatch } from "./match";
import { VmCpuView } from "./view";

/** Config keys every resource policy has; spread into each policy's schema. */
export const COMMON_CONFIG = {
  exclude: Patterns("VmCpu resource names this policy skips").default([]),
};

/** What a rule gets for one resource. */
export interface RuleContext<C> {
  readonly vm: VmCpuView;
  readonly config: C;
  readonly args: ResourceValidationArgs;
  /** Reports a violation; the message says what to change. */
  readonly report: (message: string) => void;
}

/** Definition of one `VmCpu` resource policy. */
export interface VmCpuPolicyDefinition<S extends z.ZodObject> {
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
  /** Config schema; include {@link COMMON_CONFIG}. */
  readonly config: S;
  readonly validate: (ctx: RuleContext<z.output<S>>) => void;
}

/** Builds a CrossGuard `ResourceValidationPolicy` for `VmCpu` from a definition and pack options. */
export function vmCpuResourcePolicy<S extends z.ZodObject>(
  def: VmCpuPolicyDefinition<S>,
  options: PolicyOptions<S> = {},
): ResourceValidationPolicy {
  const config = resolveConfig(def.name, def.config, options);
  return {
    name: def.name,
    description: def.description,
    enforcementLevel: options.enforcementLevel ?? def.enforcementLevel,
    configSchema: config.configSchema,
    validateResource: validateResourceOfType(VmCpu, (_props, args, reportViolation) => {
      const cfg = config.read(args.getConfig());
      const excluded = firstMatch((cfg as { exclude?: string[] }).exclude ?? [], args.name);
      if (excluded !== undefined) args.notApplicable(`${args.name} matches exclude pattern "${excluded}"`);
      const vm = new VmCpuView(args.props, args.name, args.urn);
      def.validate({ vm, config: cfg, args, report: (message) => reportViolation(message) });
    }),
  };
}
