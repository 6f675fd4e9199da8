/**
 * OpenSSH known_hosts matching for the in-process ssh client (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"):
 * host patterns with `*`/`?` wildcards and `!` negation, `[host]:port` for non-22 ports, hashed
 * entries `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`. Pure except {@link knownHostLine}'s caller.
 */
import { createHmac } from "node:crypto";

/** One parsed known_hosts line. */
export interface KnownHostEntry {
  /** Comma-separated host patterns, or one hashed `|1|…|…` name. */
  hosts: string;
  /** Key type, e.g. "ssh-ed25519". */
  keyType: string;
  /** The public key blob (base64-decoded). */
  key: Buffer;
  /** `@revoked` entries never match as trusted. */
  revoked: boolean;
}

/** How a presented host key compares with known_hosts. */
export type HostKeyVerdict = "KNOWN" | "UNKNOWN" | "CHANGED" | "REVOKED";

/** The name known_hosts stores for a host: `host` on port 22, else `[host]:port`. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Parses known_hosts text; comments, blank lines, @cert-authority and malformed lines are skipped. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === "" || fields[0].startsWith("#")) continue;
    const marker = fields[0].startsWith("@") ? fields.shift() : undefined;
    if (marker === "@cert-authority") continue;
    const [hosts, keyType, b64] = fields;
    if (hosts === undefined || keyType === undefined || b64 === undefined) continue;
    out.push({ hosts, keyType, key: Buffer.from(b64, "base64"), revoked: marker === "@revoked" });
  }
  return out;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "i");
}

function hashedMatches(hashed: string, name: string): boolean {
  const [, magic, salt, hash] = hashed.split("|");
  if (magic !== "1" || salt === undefined || hash === undefined) return false;
  const mac = createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64");
  return mac === hash;
}

/** Whether an entry's host field names `name` (a negated pattern that matches excludes it). */
export function hostMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith("|")) return hashedMatches(hosts, name);
  let matched = false;
  for (const pattern of hosts.split(",")) {
    const negated = pattern.startsWith("!");
    if (!globToRegExp(negated ? pattern.slice(1) : pattern).test(name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** The key type named inside an SSH public key blob (its first string), e.g. "ssh-ed25519". */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return "";
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString("latin1");
}

/**
 * Compares the host key presented by `host:port` with the entries: KNOWN when an entry of the same
 * name has this key, REVOKED when it is revoked, CHANGED when entries of the same name and key type
 * hold another key, else UNKNOWN.
 */
export function verifyHostKey(entries: readonly KnownHostEntry[], host: string, port: number, key: Buffer): HostKeyVerdict {
  const name = knownHostName(host, port);
  const type = keyTypeOf(key);
  const mine = entries.filter((e) => hostMatches(e.hosts, name));
  if (mine.some((e) => e.revoked && e.key.equals(key))) return "REVOKED";
  if (mine.some((e) => !e.revoked && e.key.equals(key))) return "KNOWN";
  if (mine.some((e) => !e.revoked && e.keyType === type)) return "CHANGED";
  return "UNKNOWN";
}

/** The known_hosts line that records `key` for `host:port` (for known_hosts_verify=auto). */
export function knownHostLine(host: string, port: number, key: Buffer): string {
  return `${knownHostName(host, port)} ${keyTypeOf(key)} ${key.toString("base64")}\n`;
}
