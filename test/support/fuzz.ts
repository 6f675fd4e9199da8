/**
 * Shared pieces of the property ("fuzz") tests: run settings that bound each property, a
 * check that code under fuzz fails only with the project's typed errors, and byte-level
 * mutations of valid encodings. fast-check's failure report prints the seed and the path
 * to replay a counterexample: `fc.assert(prop, { seed, path })`.
 */
import * as fc from "fast-check";

/**
 * The seed of every property: fixed, so a CI run is repeatable (a red run is red again with the same
 * code); set FUZZ_SEED to explore other inputs locally (`FUZZ_SEED=$RANDOM npx jest fuzz`).
 */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261204);

/** Settings of one property: an explicit number of runs and the seed, nothing else left to chance. */
export function runs(numRuns: number): fc.Parameters<unknown> {
  return { numRuns, seed: FUZZ_SEED };
}

/** A class of errors the code under test is allowed to throw. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Runs `f` and returns what it returned, or the error when it is an instance of one of
 * `allowed`. Any other exception (RangeError, TypeError, …) is rethrown, failing the property.
 */
export function typedOutcome<T>(f: () => T, ...allowed: ErrorClass[]): T | Error {
  try {
    return f();
  } catch (err) {
    if (allowed.some((c) => err instanceof c)) return err as Error;
    throw err;
  }
}

/** One way to damage a valid encoding. */
export type Mutation =
  | { readonly kind: "flip"; readonly at: number; readonly mask: number }
  | { readonly kind: "truncate"; readonly at: number }
  | { readonly kind: "extend"; readonly bytes: Uint8Array }
  | { readonly kind: "word"; readonly at: number; readonly value: number };

/** u32 values that exercise length and discriminant checks. */
export const EDGE_WORDS = [0, 1, 2, 3, 4, 5, 27, 28, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff, 0x00400000, 0x02000004];

/** Any {@link Mutation}; positions are taken modulo the input length when applied. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("extend" as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant("word" as const), at: fc.nat(), value: fc.constantFrom(...EDGE_WORDS) }),
);

/** `bytes` with `m` applied (a copy). */
export function mutate(bytes: Buffer, m: Mutation): Buffer {
  const out = Buffer.from(bytes);
  const at = m.kind === "extend" || !out.length ? 0 : m.at % out.length;
  switch (m.kind) {
    case "flip":
      if (out.length) out[at] = (out[at] as number) ^ m.mask;
      return out;
    case "truncate":
      return out.subarray(0, at);
    case "extend":
      return Buffer.concat([out, m.bytes]);
    case "word":
      if (out.length >= 4) out.writeUInt32BE(m.value, Math.min(at - (at % 4), out.length - 4));
      return out;
  }
}

/** Random bytes, half of them built from {@link EDGE_WORDS} so length checks are reached. */
export function noise(maxWords = 48): fc.Arbitrary<Buffer> {
  const word = fc.oneof(fc.constantFrom(...EDGE_WORDS), fc.integer({ min: 0, max: 0xffffffff }));
  const words = fc.array(word, { maxLength: maxWords }).map((ws) => Buffer.concat(ws.map(u32)));
  return fc.oneof(fc.uint8Array({ maxLength: maxWords * 4 }).map((b) => Buffer.from(b)), words);
}

/** Big-endian u32 as 4 bytes. */
export function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}

/** Every way to cut `bytes` into two chunks. */
export function allSplits(bytes: Buffer): Array<[Buffer, Buffer]> {
  return Array.from({ length: bytes.length + 1 }, (_, cut) => [bytes.subarray(0, cut), bytes.subarray(cut)]);
}

/** `bytes` cut into chunks at the given offsets (sorted, taken modulo length + 1). */
export function chunksAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  return [0, ...at].map((start, i) => bytes.subarray(start, at[i] ?? bytes.length));
}
