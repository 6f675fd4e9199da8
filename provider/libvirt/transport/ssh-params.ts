/**
 * The URI parameters of the ssh transports (libvirt docs/uri.rst, "ssh", "libssh" and "libssh2"):
 * `keyfile`, `known_hosts`, `known_hosts_verify`, `no_verify`, `no_tty`, `sshauth`, `netcat`,
 * `socket`, `proxy`, `command`. Pure; no I/O.
 */
import { InvalidUriError } from "../errors";
import { DEFAULT_SYSTEM_SOCKET, type LibvirtUri } from "./uri";

/** Far-side proxy of qemu+ssh (libvirt `proxy=`): virt-ssh-helper when present, netcat, or virt-ssh-helper only. */
export type SshProxy = "auto" | "netcat" | "native";

/** libssh's `known_hosts_verify=`: reject unknown keys, accept and remember them, or skip the check. */
export type KnownHostsVerify = "normal" | "auto" | "ignore";

/** libssh's `sshauth=` methods this client implements. */
export type SshAuthMethod = "agent" | "privkey";

/** Everything the ssh dialers read from a URI. */
export interface SshParams {
  host: string;
  /** 22 unless the URI has `:port`. */
  port: number;
  /** Whether the URI gave the port (ssh then gets `-p`). */
  explicitPort: boolean;
  /** `user@` of the URI, or undefined (ssh's own default applies; libssh uses root like libvirt). */
  user: string | undefined;
  keyfile: string | undefined;
  knownHosts: string | undefined;
  knownHostsVerify: KnownHostsVerify;
  /** `no_verify=1`: ssh gets `-o StrictHostKeyChecking=no`. */
  noVerify: boolean;
  /** `no_tty` (default 1 here: a provider can never answer a prompt): `-T -o BatchMode=yes`. */
  noTty: boolean;
  sshauth: readonly SshAuthMethod[];
  /** `netcat=` as given (undefined: "nc"). Giving it selects proxy=netcat under auto, as libvirt does. */
  netcat: string | undefined;
  /** Remote libvirt socket: `socket=`, else the system daemon's socket. */
  socket: string;
  proxy: SshProxy;
  /** `command=`: the ssh client binary (default "ssh"). */
  command: string;
  /** The URI the far side connects to (virt-ssh-helper's argument), e.g. "qemu:///system". */
  serverName: string;
}

function flag(u: LibvirtUri, name: string, dflt: boolean): boolean {
  const v = u.params.get(name);
  if (v === undefined || v === "") return dflt;
  if (!/^\d+$/.test(v)) throw new InvalidUriError(`${u.uri}: ${name} must be 0 or 1, not "${v}"`);
  return Number(v) !== 0;
}

function oneOf<T extends string>(u: LibvirtUri, name: string, allowed: readonly T[], dflt: T): T {
  const v = u.params.get(name);
  if (v === undefined || v === "") return dflt;
  if (!(allowed as readonly string[]).includes(v)) throw new InvalidUriError(`${u.uri}: ${name} must be one of ${allowed.join(", ")}, not "${v}"`);
  return v as T;
}

function authMethods(u: LibvirtUri): readonly SshAuthMethod[] {
  const v = u.params.get("sshauth");
  if (v === undefined || v === "") return ["agent", "privkey"];
  const list = v.split(",").map((m) => m.trim()).filter((m) => m !== "");
  for (const m of list) {
    if (m !== "agent" && m !== "privkey") {
      throw new InvalidUriError(`${u.uri}: sshauth method "${m}" is not supported (supported: agent, privkey; a provider cannot answer password prompts)`);
    }
  }
  return list as SshAuthMethod[];
}

function nonEmpty(u: LibvirtUri, name: string): string | undefined {
  const v = u.params.get(name);
  return v === undefined || v === "" ? undefined : v;
}

function portOf(u: LibvirtUri): number {
  if (u.port === "") return 22;
  const port = Number(u.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidUriError(`${u.uri}: invalid port "${u.port}"`);
  return port;
}

/** The ssh parameters of a parsed qemu+ssh / qemu+libssh / qemu+libssh2 URI; InvalidUriError on bad values. */
export function sshParams(u: LibvirtUri): SshParams {
  if (u.host === "") throw new InvalidUriError(`${u.uri}: the ${u.transport} transport needs a host name`);
  const netcat = nonEmpty(u, "netcat");
  const proxy = oneOf<SshProxy>(u, "proxy", ["auto", "netcat", "native"], "auto");
  if (proxy === "native" && netcat !== undefined) throw new InvalidUriError(`${u.uri}: netcat= is not valid with proxy=native`);
  const socket = nonEmpty(u, "socket") ?? DEFAULT_SYSTEM_SOCKET;
  if (!socket.startsWith("/")) throw new InvalidUriError(`${u.uri}: socket must be an absolute path, not "${socket}"`);
  return {
    host: u.host,
    port: portOf(u),
    explicitPort: u.port !== "",
    user: u.user === "" ? undefined : u.user,
    keyfile: nonEmpty(u, "keyfile"),
    knownHosts: nonEmpty(u, "known_hosts"),
    knownHostsVerify: oneOf<KnownHostsVerify>(u, "known_hosts_verify", ["normal", "auto", "ignore"], "normal"),
    noVerify: flag(u, "no_verify", false),
    noTty: flag(u, "no_tty", true),
    sshauth: authMethods(u),
    netcat,
    socket,
    // libvirt: a netcat= path under proxy=auto means the user wants the netcat proxy.
    proxy: proxy === "auto" && netcat !== undefined ? "netcat" : proxy,
    command: nonEmpty(u, "command") ?? "ssh",
    serverName: u.serverName,
  };
}
