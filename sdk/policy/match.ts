/**
 * Name matching for policies: the stack name (from the resource URN), glob patterns, and the
 * libvirt host a connection URI points at.
 */

const URN_PREFIX = "urn:pulumi:";

/**
 * The stack name of a resource, from its URN (`urn:pulumi:<stack>::<project>::<type>::<name>`).
 * `@pulumi/policy` 1.21.0 gives policies no stack name of their own: `ResourceValidationArgs`
 * has `urn` and `stackTags` only, and its `ConfigureStack` handler keeps just the tags, so the
 * URN the engine sends with every resource is where the stack name is.
 */
export function stackOfUrn(urn: string): string {
  if (!urn.startsWith(URN_PREFIX)) throw new Error(`not a Pulumi URN: ${urn}`);
  const end = urn.indexOf("::", URN_PREFIX.length);
  return urn.slice(URN_PREFIX.length, end < 0 ? undefined : end);
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\/-]/g, "\\$&")))
    .join("");
  return new RegExp(`^${body}$`, "i");
}

/** The first pattern that matches `value` (globs: `*` any run, `?` one character, case-insensitive). */
export function firstMatch(patterns: readonly string[], value: string): string | undefined {
  return patterns.find((p) => globToRegExp(p).test(value));
}

const HOST = /^qemu(?:\+[a-z]+)?:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^/:?]*)/i;

/**
 * The host a libvirt URI points at, lower-cased, without user or port: `kvm1` for
 * `qemu+ssh://root@kvm1:22/system`; `localhost` for `qemu:///system` and `qemu:///session`
 * (system and session on one machine share its CPUs).
 */
export function hostOfUri(uri: string): string {
  const host = HOST.exec(uri)?.[1];
  return host ? host.toLowerCase() : "localhost";
}
