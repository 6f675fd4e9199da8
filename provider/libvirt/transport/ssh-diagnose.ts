/**
 * Classifies how an `ssh` child ended (exit code, signal, stderr) into an {@link SshFailureReason}.
 * One table of OpenSSH's stderr texts (openssh 9.x, as seen on Debian 12), first match wins; the
 * far side's shell and netcat say "not found" / "connect failed" in the same stream. Pure.
 */
import type { SshFailureReason } from "../errors";

/** How the ssh child ended. */
export interface SshExit {
  /** Exit status, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** What it wrote to stderr (the tail is enough). */
  stderr: string;
}

/** stderr patterns, in order: the first that matches names the reason. */
const STDERR_RULES: ReadonlyArray<readonly [RegExp, SshFailureReason]> = [
  [/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/i, "HOST_KEY_CHANGED"],
  [/Host key verification failed|No \S+ host key is known for|host key is not known/i, "HOST_KEY_UNKNOWN"],
  [/Permission denied \(|Too many authentication failures|no more authentication methods/i, "AUTH_REJECTED"],
  [/Connection refused/i, "REFUSED"],
  [/Connection timed out|Operation timed out|timed out during banner exchange/i, "TIMEOUT"],
  [/Could not resolve hostname|Name or service not known|No route to host|Network is unreachable/i, "UNREACHABLE"],
  [/virt-ssh-helper: .*(cannot connect|Failed to connect)|unix connect failed|\bnc: \S+: (No such file or directory|Connection refused|Permission denied)/i, "DAEMON_UNREACHABLE"],
  [/: not found|command not found|No such file or directory/i, "HELPER_MISSING"],
  [/Connection (closed|reset) by|Broken pipe|client_loop: send disconnect|Timeout, server .* not responding|packet_write_wait|Connection to .* closed/i, "LINK_LOST"],
];

/** The last non-empty lines of stderr, joined, for messages (ssh warnings first are dropped). */
export function stderrTail(stderr: string, lines = 3): string {
  return stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !/^Warning: Permanently added/.test(l))
    .slice(-lines)
    .join(" / ");
}

/**
 * Why the ssh child ended, or undefined for a clean end (exit 0). Exit 127 is the far side's
 * shell not finding the helper; a signal or an unexplained 255 means the link was lost.
 */
export function classifySshExit(exit: SshExit): SshFailureReason | undefined {
  if (exit.code === 0) return undefined;
  for (const [re, reason] of STDERR_RULES) if (re.test(exit.stderr)) return reason;
  if (exit.code === 127) return "HELPER_MISSING";
  if (exit.signal !== null || exit.code === 255) return "LINK_LOST";
  return "FAILED";
}
