/**
 * What the drift report checks: one entry per `VmCpu` (from a stack export) or per spec-file
 * line. A valid entry carries the checked settings the plan runs with; an invalid one the
 * reason, and becomes a row with verdict `error` without stopping the others.
 */
import { checkInputs, parseInputs, type VmCpuInputs } from "../../spec";
import { CliError } from "../errors";
import { encryptedPaths } from "./secrets";

/** One VM to check. */
export interface DriftTarget {
  /** Row label: the Pulumi resource name, or the spec entry's `name`. */
  readonly name: string;
  /** The resource URN (stack export only). */
  readonly urn?: string;
  /** The declared spec with its connection and settings, as the provider would apply it. */
  readonly desired: VmCpuInputs;
  /** Facts about where the declaration came from, shown with the row (e.g. a fallback). */
  readonly notes: readonly string[];
}

/** An entry that could not be turned into a {@link DriftTarget}. */
export interface InvalidEntry {
  readonly name: string;
  readonly urn?: string;
  /** The libvirt URI and domain, when the entry names them readably. */
  readonly host?: string;
  readonly domain?: string;
  readonly error: CliError;
}

/** Result of reading one entry of the input. */
export type LoadedEntry = { readonly kind: "target"; readonly target: DriftTarget } | ({ readonly kind: "invalid" } & InvalidEntry);

/** Where a target is read from: a libvirt URI (shared per host) or a raw QMP endpoint. */
export function hostOf(desired: VmCpuInputs): string {
  if (desired.libvirt) return desired.libvirt.uri;
  const q = desired.qmp;
  return `qmp:${q?.socket ?? `${q?.host}:${q?.port}`}`;
}

/** The VM's name on its host: the libvirt domain; undefined for raw QMP (QEMU's `-name` is only known once read). */
export function domainOf(desired: VmCpuInputs): string | undefined {
  return desired.libvirt?.domain;
}

/** The libvirt URI and domain of raw fields, where they are plain strings. */
function placeOf(fields: Record<string, unknown>): { host?: string; domain?: string } {
  const lv = fields["libvirt"] as { uri?: unknown; domain?: unknown } | undefined;
  if (typeof lv !== "object" || lv === null) return {};
  return {
    ...(typeof lv.uri === "string" ? { host: lv.uri } : {}),
    ...(typeof lv.domain === "string" ? { domain: lv.domain } : {}),
  };
}

/**
 * Checks `fields` (VmCpu inputs, possibly with encrypted-secret markers, whose paths name
 * where they were found) into a target; `where` maps an input property (e.g. "vcpus", or ""
 * for the whole entry) to where it is in the file (e.g. "outputs.declared.vcpus").
 * SECRET_ENCRYPTED names each encrypted field; INPUT_INVALID lists the schema failures.
 */
export function toTarget(entry: { name: string; urn?: string; notes?: string[] }, fields: Record<string, unknown>, where: (property: string) => string): LoadedEntry {
  const invalid = (error: CliError): LoadedEntry => ({ kind: "invalid", name: entry.name, urn: entry.urn, ...placeOf(fields), error });
  const encrypted = encryptedPaths(fields);
  if (encrypted.length) {
    const list = encrypted.join(", ");
    const error = new CliError(
      "SECRET_ENCRYPTED",
      `${list} ${encrypted.length === 1 ? "is an encrypted secret" : "are encrypted secrets"}; export with \`pulumi stack export --show-secrets\` to check this VM`,
    );
    return invalid(error);
  }
  const { failures } = checkInputs(undefined, fields);
  if (failures.length) {
    const list = failures.map((f) => `${where(f.property)}: ${f.reason}`).join("; ");
    return invalid(new CliError("INPUT_INVALID", list));
  }
  const desired = parseInputs(fields);
  return { kind: "target", target: { name: entry.name, urn: entry.urn, desired, notes: entry.notes ?? [] } };
}
