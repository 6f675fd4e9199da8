/**
 * Input validation for `check`: the per-field zod schema plus the cross-field rules, each
 * failure naming the field and what would be valid. Tolerates Pulumi's unknown values
 * (preview): a rule that needs an unknown field is not run.
 */
import { z } from "zod";
import { VmCpuInputFields } from "./inputs";
import { machineFamily } from "./platform";

/** The value Pulumi sends for an input that is not known yet (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Checked inputs: defaults applied, every rule passed. */
export type VmCpuInputs = z.output<typeof VmCpuInputFields>;
/** What a program passes (defaults optional). */
export type VmCpuInputsIn = z.input<typeof VmCpuInputFields>;

/** One validation failure, shaped like Pulumi's CheckFailure. */
export interface InputFailure {
  readonly property: string;
  readonly reason: string;
}

/** Result of {@link checkInputs}: inputs with defaults applied (unknowns kept) and failures. */
export interface CheckResult {
  readonly inputs: Record<string, unknown>;
  readonly failures: InputFailure[];
}

/** True when a value is, or contains, Pulumi's unknown sentinel. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

type Known = Partial<VmCpuInputs>;
type Rule = (v: Known, olds: Known) => InputFailure | undefined;

const fail = (property: string, reason: string): InputFailure => ({ property, reason });

function topologyProduct(t: NonNullable<Known["topology"]>): number {
  return t.sockets * (t.dies ?? 1) * (t.clusters ?? 1) * t.cores * t.threads;
}

/** Cross-field rules, in the order their failures are reported. */
const RULES: Readonly<Record<string, Rule>> = {
  oneConnection: (v) =>
    v.libvirt !== undefined && v.qmp !== undefined
      ? fail("libvirt", "set exactly one of libvirt or qmp, not both")
      : undefined,
  vcpusWithinMax: (v) =>
    v.vcpus !== undefined && v.maxVcpus !== undefined && v.vcpus > v.maxVcpus
      ? fail("vcpus", `vcpus (${v.vcpus}) must be between 1 and maxVcpus (${v.maxVcpus}); raise maxVcpus or lower vcpus`)
      : undefined,
  topologyProduct: (v) => {
    if (!v.topology || v.maxVcpus === undefined) return undefined;
    const t = v.topology;
    const product = topologyProduct(t);
    if (product === v.maxVcpus) return undefined;
    const cores = v.maxVcpus / (t.sockets * (t.dies ?? 1) * (t.clusters ?? 1) * t.threads);
    const hint = Number.isInteger(cores) ? `; e.g. cores: ${cores}` : "";
    return fail(
      "topology",
      `sockets×dies×clusters×cores×threads = ${t.sockets}×${t.dies ?? 1}×${t.clusters ?? 1}×${t.cores}×${t.threads} = ${product} must equal maxVcpus (${v.maxVcpus})${hint}`,
    );
  },
  machineHotplug: (v) => {
    const family = v.machine ? machineFamily(v.machine) : undefined;
    if (!family || family.hotAdd || v.vcpus === undefined || v.maxVcpus === undefined) return undefined;
    if (v.vcpus === v.maxVcpus) return undefined;
    return fail("vcpus", `machine ${v.machine} can't hot-add vCPUs (${family.why}), so vcpus must equal maxVcpus (${v.maxVcpus})`);
  },
  machineCpuMax: (v) => {
    const family = v.machine ? machineFamily(v.machine) : undefined;
    if (!family || v.maxVcpus === undefined || v.maxVcpus <= family.cpuMax) return undefined;
    return fail("maxVcpus", `maxVcpus (${v.maxVcpus}) is above machine ${v.machine}'s limit of ${family.cpuMax} vCPUs`);
  },
  coreGranularity: (v) => {
    const family = v.machine ? machineFamily(v.machine) : undefined;
    const threads = v.topology?.threads ?? 1;
    if (family?.granularity !== "core" || v.vcpus === undefined || v.vcpus % threads === 0) return undefined;
    const lower = Math.max(threads, v.vcpus - (v.vcpus % threads));
    return fail(
      "vcpus",
      `machine ${v.machine} hotplugs whole cores of ${threads} threads, so vcpus must be a multiple of ${threads} (e.g. ${lower} or ${lower + threads})`,
    );
  },
  noShrinkWithoutUnplug: (v, olds) => {
    const family = v.machine ? machineFamily(v.machine) : undefined;
    if (!family || family.unplug || v.vcpus === undefined || olds.vcpus === undefined) return undefined;
    if (v.vcpus >= olds.vcpus) return undefined;
    return fail("vcpus", `vcpus can't go down from ${olds.vcpus} to ${v.vcpus} on machine ${v.machine}: ${family.why}`);
  },
  qmpColdChanges: (v) => {
    if (v.qmp === undefined || v.coldChanges === undefined || v.coldChanges === "refuse") return undefined;
    return v.coldChanges === "persist"
      ? fail("coldChanges", 'coldChanges "persist" needs a persistent VM definition, which a raw QMP connection does not have; use "refuse"')
      : fail("coldChanges", 'coldChanges "restart" needs a VM definition to start from; the provider can\'t restart a QEMU it did not start; use "refuse" and restart QEMU with the new -smp/-machine yourself');
  },
  connectionRequired: (v) =>
    v.libvirt === undefined && v.qmp === undefined
      ? fail("libvirt", "set one connection: libvirt: { uri, domain } or qmp: { socket } / qmp: { host, port }")
      : undefined,
};

function stripInternal(news: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(news).filter(([k]) => !k.startsWith("__")));
}

const dotPath = (path: PropertyKey[]) => (path.length ? z.core.toDotPath(path).replace(/^\./, "") : "");

/** One failure per issue; an unknown field is named itself, with the fields valid there. */
function zodFailures(error: z.ZodError): InputFailure[] {
  return error.issues.flatMap((issue) => {
    if (issue.code !== "unrecognized_keys") return [fail(dotPath(issue.path), issue.message)];
    const where = dotPath(issue.path);
    return issue.keys.map((key) => fail(dotPath([...issue.path, key]), `unknown field "${key}"${where ? ` in ${where}` : ""}; valid: ${validFields(issue.path).join(", ")}`));
  });
}

/** The fields of an object schema, looking through optional and default wrappers. */
function objectShape(schema: z.core.$ZodType): Record<string, z.core.$ZodType> | undefined {
  const def = schema._zod.def as { type: string; innerType?: z.core.$ZodType; shape?: Record<string, z.core.$ZodType> };
  if (def.innerType) return objectShape(def.innerType);
  return def.type === "object" ? def.shape : undefined;
}

/** The field names valid at `path` of the inputs (walking the object schemas). */
function validFields(path: PropertyKey[]): string[] {
  let schema: z.core.$ZodType = VmCpuInputFields;
  for (const key of path) {
    const shape = objectShape(schema);
    const next = shape?.[String(key)];
    if (!next) return [];
    schema = next;
  }
  return Object.keys(objectShape(schema) ?? {});
}

/** Parses old inputs leniently, for rules that compare with the previous value. */
function knownOlds(olds: Record<string, unknown> | undefined): Known {
  const parsed = VmCpuInputFields.partial().safeParse(stripInternal(olds ?? {}));
  return parsed.success ? parsed.data : {};
}

/**
 * Validates new inputs (`check`): applies defaults, runs field and cross-field rules. Fields
 * that hold unknown values are left as they are and every rule that needs them is skipped.
 */
export function checkInputs(olds: Record<string, unknown> | undefined, news: Record<string, unknown>): CheckResult {
  const plain = stripInternal(news);
  // A key that is no field stays in `known` even with an unknown value, so it is reported.
  const unknownKeys = Object.keys(plain).filter((k) => Object.hasOwn(VmCpuInputFields.shape, k) && containsUnknown(plain[k]));
  const known = Object.fromEntries(Object.entries(plain).filter(([k]) => !unknownKeys.includes(k)));
  const mask = Object.fromEntries(unknownKeys.map((k) => [k, true]));
  const schema = VmCpuInputFields.partial(mask as Record<keyof VmCpuInputs, true>);
  const parsed = schema.safeParse(known);
  if (!parsed.success) return { inputs: news, failures: zodFailures(parsed.error) };
  const v = parsed.data as Known;
  const failures = Object.values(RULES)
    .map((rule) => rule(v, knownOlds(olds)))
    .filter((f): f is InputFailure => f !== undefined);
  const unknowns = Object.fromEntries(unknownKeys.map((k) => [k, plain[k]]));
  return { inputs: { ...news, ...v, ...unknowns }, failures };
}

/** Parses inputs that must be fully known and valid (create/update); throws a readable error. */
export function parseInputs(news: Record<string, unknown>): VmCpuInputs {
  const { inputs, failures } = checkInputs(undefined, news);
  if (failures.length) {
    throw new Error(`invalid VmCpu inputs:\n${failures.map((f) => `  ${f.property}: ${f.reason}`).join("\n")}`);
  }
  if (containsUnknown(inputs)) throw new Error("VmCpu inputs still hold unknown values at apply time");
  return VmCpuInputFields.parse(stripInternal(inputs));
}
