/**
 * Policy configuration: each policy's config is one zod object schema. It is the single source
 * of the JSON schema the Pulumi CLI shows, validates and fills defaults from
 * (`Policy.configSchema`), and of the parser the policy runs on `args.getConfig()`.
 *
 * Defaults come from three places, later ones winning: the zod schema, the options a pack
 * passes to the policy factory (so a pack can set its own defaults in code), and the config
 * the engine sends through the Analyzer's `Configure` call (`pulumi policy enable --config`,
 * Pulumi Cloud). Without `Configure`, `getConfig()` returns `{}`, so the defaults are applied
 * here, not left to the CLI.
 */
import type { EnforcementLevel, PolicyConfigSchema } from "@pulumi/policy";
import { z } from "zod";

/** Options every policy factory takes: the enforcement level plus defaults for its config keys. */
export type PolicyOptions<S extends z.ZodObject> = Partial<z.input<S>> & {
  /** Overrides the policy's default enforcement level. */
  readonly enforcementLevel?: EnforcementLevel;
};

/** A policy's config, resolved for one pack: the JSON schema and the parser. */
export interface ResolvedConfig<S extends z.ZodObject> {
  /** `Policy.configSchema`, with the pack's defaults written in as JSON-schema defaults. */
  readonly configSchema: PolicyConfigSchema;
  /** Parses what `args.getConfig()` returned, over the pack's defaults; throws naming the key. */
  read(fromEngine: object): z.output<S>;
}

/** Which VmCpu resources a policy treats as ones that may be scaled down (see README). */
export const Shrinkable = z
  .enum(["always", "when-below-max", "never"])
  .describe('Which VmCpu resources count as ones that may scale down: "always", "when-below-max" (vcpus < maxVcpus) or "never"');
export type Shrinkable = z.infer<typeof Shrinkable>;

/** Glob patterns (`*` any run, `?` one character), matched case-insensitively. */
export const Patterns = (what: string) => z.array(z.string().min(1)).describe(`${what} (globs: * and ?, case-insensitive)`);

function withoutLevel<S extends z.ZodObject>(options: PolicyOptions<S>): Record<string, unknown> {
  const { enforcementLevel: _level, ...defaults } = options;
  return Object.fromEntries(Object.entries(defaults).filter(([, v]) => v !== undefined));
}

function describeIssues(policy: string, where: string, error: z.ZodError): Error {
  return new Error(`policy ${policy}: invalid ${where}: ${z.prettifyError(error).replace(/\n/g, "; ")}`);
}

/**
 * Resolves a policy's config schema against a pack's factory options. Throws at pack start
 * when the options themselves don't fit the schema.
 */
export function resolveConfig<S extends z.ZodObject>(policy: string, schema: S, options: PolicyOptions<S>): ResolvedConfig<S> {
  const defaults = withoutLevel(options);
  const checked = schema.safeParse(defaults);
  if (!checked.success) throw describeIssues(policy, "options", checked.error);
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as {
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  const properties = Object.fromEntries(
    Object.entries(json.properties ?? {}).map(([key, prop]) => [key, key in defaults ? { ...prop, default: defaults[key] } : prop]),
  );
  const configSchema = { properties, ...(json.required?.length ? { required: json.required } : {}) } as PolicyConfigSchema;
  return {
    configSchema,
    read(fromEngine) {
      const parsed = schema.safeParse({ ...defaults, ...fromEngine });
      if (!parsed.success) throw describeIssues(policy, "config", parsed.error);
      return parsed.data;
    },
  };
}
