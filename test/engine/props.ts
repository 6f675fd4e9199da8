/**
 * Property values as they travel between engine and provider: the unknown sentinel, secret
 * envelopes, `__*` internal keys, and the comparisons the engine and its display make.
 * Pure; no gRPC, no processes.
 */

/** The string Pulumi sends for a value that is not known yet (preview). `runtime/rpc.js` `unknownValue`. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Key and value that mark a secret envelope on the wire (`runtime/rpc.js` `specialSigKey`/`specialSecretSig`). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** A property bag (inputs, outputs, state). */
export type Props = Record<string, unknown>;

/** True when `v` is a secret envelope `{4dabf…: 1b47…, value}`. */
export function isSecret(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Props)[SIG_KEY] === SECRET_SIG;
}

/**
 * What the engine sends a provider that answered `acceptSecrets=false` (the dynamic-provider
 * host does): secret envelopes replaced by their values, `undefined` members dropped (a
 * protobuf Struct has no `undefined`).
 */
export function toWire(v: unknown): unknown {
  if (isSecret(v)) return toWire(v.value);
  if (Array.isArray(v)) return v.map(toWire);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, toWire(x)]));
  }
  return v;
}

/** Deep equality of JSON-like values (key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (!a || !b || typeof a !== "object" || typeof b !== "object") return false;
  const ka = Object.keys(a as Props).filter((k) => (a as Props)[k] !== undefined);
  const kb = Object.keys(b as Props).filter((k) => (b as Props)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Props)[k], (b as Props)[k]));
}

/** True for the engine-internal keys (`__provider`, `__label`, …) that displays and policies hide. */
export const isInternalKey = (key: string): boolean => key.startsWith("__");

/**
 * Top-level keys whose values differ between two property bags, sorted. With
 * `skipInternal` (what the CLI display does) `__*` keys are ignored; without it (the
 * engine's own diff when a provider answers DIFF_UNKNOWN) they count.
 */
export function changedKeys(olds: Props, news: Props, opts: { skipInternal: boolean }): string[] {
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
  return [...keys]
    .filter((k) => !(opts.skipInternal && isInternalKey(k)))
    .filter((k) => !deepEqual(olds[k], news[k]))
    .sort();
}
