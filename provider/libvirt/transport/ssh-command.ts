/**
 * The `ssh` command line of qemu+ssh, built as libvirt's own client builds it (src/rpc/virnetsocket.c
 * virNetSocketNewConnectSSH; far side from src/rpc/virnetclient.c virNetClientSSHHelperCommand):
 * `ssh [-p port] [-l user] [-i keyfile] [-T -o BatchMode=yes] -e none [-o StrictHostKeyChecking=no]
 * [-o UserKnownHostsFile=…] [-o ConnectTimeout=…] -o ServerAlive… -- host sh -c '<far side>'`. Pure; no I/O.
 */
import type { SshParams } from "./ssh-params";

/** `s` as one single-quoted shell word (`'` becomes `'\''`), like libvirt's virBufferEscapeShell. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The netcat part of the far side: use `-q0` where nc has it (Debian's, so nc exits on EOF and the
 * tunnel goes away), then `nc [-q0] -U socket`.
 */
function netcatScript(netcat: string, socket: string): string {
  const nc = shellQuote(netcat);
  return `if ${nc} -q 2>&1 | grep "requires an argument" >/dev/null 2>&1; then ARG=-q0; else ARG=; fi; ${nc} $ARG -U ${shellQuote(socket)}`;
}

/** The script the far side's `sh -c` runs for `p.proxy` (virt-ssh-helper, netcat, or the first found). */
export function farSideScript(p: Pick<SshParams, "proxy" | "netcat" | "socket" | "serverName">): string {
  const helper = `virt-ssh-helper ${shellQuote(p.serverName)}`;
  const nc = netcatScript(p.netcat ?? "nc", p.socket);
  switch (p.proxy) {
    case "native":
      return helper;
    case "netcat":
      return nc;
    case "auto":
      return `if which virt-ssh-helper >/dev/null 2>&1; then ${helper}; else ${nc}; fi`;
  }
}

/** Extra `-o ConnectTimeout=` (whole seconds, at least 1) when the dialer has a connect timeout. */
function connectTimeoutArgs(timeoutMs: number | undefined): string[] {
  return timeoutMs === undefined ? [] : ["-o", `ConnectTimeout=${Math.max(1, Math.ceil(timeoutMs / 1000))}`];
}

/**
 * ssh-level keepalive (not in libvirt's command line): a silently dead link ends ssh after
 * 3 unanswered probes 5 s apart, so calls fail with LINK_LOST in 15–20 s, as with qemu+libssh.
 */
export const SSH_SERVER_ALIVE_ARGS = ["-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3"];

/** argv (without the binary, which is `p.command`) of the ssh child for qemu+ssh. */
export function sshArgv(p: SshParams, timeoutMs?: number): string[] {
  const args: string[] = [];
  if (p.explicitPort) args.push("-p", String(p.port));
  if (p.user !== undefined) args.push("-l", p.user);
  if (p.keyfile !== undefined) args.push("-i", p.keyfile);
  if (p.noTty) args.push("-T", "-o", "BatchMode=yes");
  args.push("-e", "none");
  if (p.noVerify) args.push("-o", "StrictHostKeyChecking=no");
  if (p.knownHosts !== undefined) args.push("-o", `UserKnownHostsFile=${p.knownHosts}`);
  args.push(...connectTimeoutArgs(timeoutMs), ...SSH_SERVER_ALIVE_ARGS);
  args.push("--", p.host, `sh -c ${shellQuote(farSideScript(p))}`);
  return args;
}
