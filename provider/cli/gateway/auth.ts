/**
 * Bearer tokens: the config holds only each token's SHA-256; a presented token is hashed and compared with
 * every stored hash in constant time (crypto.timingSafeEqual on equal-length digests, no early exit), so neither
 * a match's position nor a near miss shows in the time taken.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { GatewayToken } from "./config";

/** SHA-256 of a token, lowercase hex (what the config's `sha256` holds). */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** A new random token (32 bytes, base64url): what `gateway hash-token --new` hands out. */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

/** The bearer token of an `Authorization` header, or undefined when there is none of that form. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header ?? "");
  return m?.[1];
}

/** The token entry whose hash matches `presented`, or undefined. Every entry is compared. */
export function findToken(tokens: readonly GatewayToken[], presented: string | undefined): GatewayToken | undefined {
  const digest = createHash("sha256").update(presented ?? "", "utf8").digest();
  let found: GatewayToken | undefined;
  for (const t of tokens) {
    const equal = timingSafeEqual(digest, Buffer.from(t.sha256, "hex"));
    if (equal && presented !== undefined) found = t;
  }
  return found;
}
