/**
 * Reads the `VmCpu` resources of a `pulumi stack export` file
 * (`{"version": 3, "deployment": {"resources": [{urn, type, inputs, outputs, …}]}}`).
 * The declaration comes from `outputs.declared` (what the program declared at the last
 * apply; a refresh keeps it, while `inputs` then hold the refreshed live baseline), the
 * connection and settings from the other outputs. Secrets are unwrapped (see ./secrets).
 */
import { toTarget, type LoadedEntry } from "./target";
import { EncryptedSecret, unwrapSecrets } from "./secrets";

/** Type token of `VmCpu` resources (the SDK's `VM_CPU_TYPE`; not imported, to keep `@pulumi/pulumi` out of the CLI). */
export const VM_CPU_TYPE = "pulumi-nodejs:dynamic/qemu:VmCpu";

/** Output fields (besides `declared`) that the plan needs: the connection and the settings. */
const SETTING_FIELDS = ["libvirt", "qmp", "guestAgent", "coldChanges", "timeouts"] as const;
/** Fields of `declared` (and of the inputs) that make up the declared CPU spec. */
const DECLARED_FIELDS = ["maxVcpus", "vcpus", "topology", "machine"] as const;

type Rec = Record<string, unknown>;

const isRecord = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof EncryptedSecret);

function pick(from: Rec, keys: readonly string[]): Rec {
  return Object.fromEntries(keys.filter((k) => from[k] !== undefined).map((k) => [k, from[k]]));
}

/** True when `doc` looks like a stack export (has a `deployment` object). */
export function isStackExport(doc: unknown): doc is { deployment: Rec } {
  return isRecord(doc) && isRecord(doc["deployment"]);
}

/** The resource name is the URN's last `::` part (`urn:pulumi:dev::proj::type::web01-cpu`). */
export function nameFromUrn(urn: unknown): string | undefined {
  if (typeof urn !== "string" || !urn.includes("::")) return undefined;
  return urn.slice(urn.lastIndexOf("::") + 2) || undefined;
}

/** Where an input property sits in the outputs (the CPU fields under `declared`). */
function outputPath(property: string): string {
  if (!property) return "outputs";
  const top = property.split(".")[0] as string;
  return (DECLARED_FIELDS as readonly string[]).includes(top) ? `outputs.declared.${property}` : `outputs.${property}`;
}

function declaredFields(outputs: Rec): Rec | undefined {
  const declared = outputs["declared"];
  if (declared === undefined) return undefined;
  // An encrypted `declared` stays a marker (reported by name); a non-object fails the schema.
  return isRecord(declared) ? pick(declared, DECLARED_FIELDS) : { declared };
}

function resourceEntry(resource: Rec, index: number): LoadedEntry {
  const urn = typeof resource["urn"] === "string" ? resource["urn"] : undefined;
  const outputs = unwrapSecrets(resource["outputs"] ?? {}, "outputs");
  const inputs = unwrapSecrets(resource["inputs"] ?? {}, "inputs");
  const outs = isRecord(outputs) ? outputs : {};
  const ins = isRecord(inputs) ? inputs : {};
  const label = typeof outs["__label"] === "string" ? outs["__label"] : undefined;
  const name = nameFromUrn(urn) ?? label ?? `resource #${index}`;
  const declared = declaredFields(outs);
  if (declared) return toTarget({ name, urn }, { ...pick(outs, SETTING_FIELDS), ...declared }, outputPath);
  // No outputs yet (e.g. the first apply failed): the inputs are the program's declaration.
  const notes = ["declared spec taken from the inputs (the outputs hold no `declared`)"];
  return toTarget({ name, urn, notes }, pick(ins, [...SETTING_FIELDS, ...DECLARED_FIELDS]), (p) => (p ? `inputs.${p}` : "inputs"));
}

/** One entry per live `VmCpu` resource (pending deletes are skipped), in file order. */
export function entriesFromStackExport(doc: { deployment: Rec }): LoadedEntry[] {
  const resources = doc.deployment["resources"];
  const list = Array.isArray(resources) ? resources : [];
  return list
    .map((r, i) => ({ r: isRecord(r) ? r : {}, i }))
    .filter(({ r }) => r["type"] === VM_CPU_TYPE && r["delete"] !== true)
    .map(({ r, i }) => resourceEntry(r, i));
}
