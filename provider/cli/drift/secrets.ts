/**
 * Pulumi secret envelopes in a `pulumi stack export` file. A secret is stored as
 * `{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", …}` with either
 * `ciphertext` (plain `pulumi stack export`; only the stack's secrets provider can decrypt it)
 * or `plaintext` (`--show-secrets`; JSON text of the value). Plaintext envelopes are replaced
 * by their value; ciphertext ones by an {@link EncryptedSecret} marker, so a field the report
 * needs can be named precisely while secrets it does not need are ignored.
 */

/** The signature key Pulumi uses for special values (`sig.Key` in pulumi/sdk). */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
/** The signature value that marks a secret (`sig.Secret`). */
export const SIG_SECRET = "1b47061264138c4ac30d75fd1eb44270";

/** Stands in for a secret that is still encrypted; `path` is where it was found. */
export class EncryptedSecret {
  constructor(readonly path: string) {}
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const child = (path: string, key: string | number) => (typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key);

/** `plaintext` holds JSON text of the value; a hand-written non-JSON string is taken as is. */
function parsePlaintext(text: unknown): unknown {
  if (typeof text !== "string") return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Replaces every secret envelope under `value` (plaintext → value, ciphertext → marker). */
export function unwrapSecrets(value: unknown, path = ""): unknown {
  if (Array.isArray(value)) return value.map((v, i) => unwrapSecrets(v, child(path, i)));
  if (!isRecord(value)) return value;
  if (value[SIG_KEY] === SIG_SECRET) {
    if ("plaintext" in value) return unwrapSecrets(parsePlaintext(value["plaintext"]), path);
    return new EncryptedSecret(path);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v, child(path, k))]));
}

/** Paths of the still-encrypted secrets under `value` (after {@link unwrapSecrets}). */
export function encryptedPaths(value: unknown): string[] {
  if (value instanceof EncryptedSecret) return [value.path];
  if (Array.isArray(value)) return value.flatMap(encryptedPaths);
  if (isRecord(value)) return Object.values(value).flatMap(encryptedPaths);
  return [];
}
