/**
 * The `libvirt.domain` check: libvirt's own rules for a domain name, so a name libvirt could
 * never have is refused at `check` instead of surfacing as "domain not found" at apply.
 */
import { shown } from "./shown";

/** One row of {@link DOMAIN_NAME_RULES}. */
export interface DomainNameRule {
  /** The name breaks the rule. */
  readonly broken: (name: string) => boolean;
  /** What a valid name looks like, for the message. */
  readonly valid: string;
  /** Why libvirt (or the host) refuses such a name. */
  readonly why: string;
}

/** Longest name in bytes: the definition is stored as `<name>.xml`, which must fit NAME_MAX (255). */
export const DOMAIN_NAME_MAX_BYTES = 251;

/**
 * libvirt's domain-name rules, in the order they are reported. Shell metacharacters
 * (`;`, `$`, quotes, spaces) are valid libvirt names and stay allowed: the provider speaks
 * libvirt's RPC protocol and never passes the name through a shell.
 */
export const DOMAIN_NAME_RULES: Readonly<Record<string, DomainNameRule>> = {
  empty: {
    broken: (n) => n.length === 0,
    valid: "a non-empty name, as `virsh list --all` shows it",
    why: "every libvirt domain has a name",
  },
  tooLong: {
    broken: (n) => Buffer.byteLength(n, "utf8") > DOMAIN_NAME_MAX_BYTES,
    valid: `at most ${DOMAIN_NAME_MAX_BYTES} bytes`,
    why: "libvirt stores the definition as <name>.xml, and a file name has at most 255 bytes (NAME_MAX)",
  },
  slash: {
    broken: (n) => n.includes("/"),
    valid: "no '/'",
    why: "libvirt's QEMU driver refuses '/' in domain names (they name files and directories)",
  },
  control: {
    broken: (n) => /[\u0000-\u001f\u007f]/.test(n),
    valid: "no newline or other control character",
    why: "libvirt refuses newlines in names, and the domain XML that holds the name can't carry most control characters",
  },
};

/** The first broken rule's message for `libvirt.domain`, or undefined for a name libvirt accepts. */
export function domainNameProblem(name: string): string | undefined {
  const rule = Object.values(DOMAIN_NAME_RULES).find((r) => r.broken(name));
  if (!rule) return undefined;
  return `libvirt.domain ${shown(name)} is not a libvirt domain name: it must have ${rule.valid}; ${rule.why}`;
}
