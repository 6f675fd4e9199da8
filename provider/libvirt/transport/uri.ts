/**
 * Parser for libvirt connection URIs (libvirt docs/uri.rst):
 * `driver[+transport]://[user@][host][:port]/path[?params]`. Pure; no I/O.
 * With no `+transport`, an empty host means the local unix socket and a host means TLS.
 */
import { InvalidUriError } from "../errors";

/** Default read-write socket of the system daemon (go-libvirt uses /var/run, a symlink). */
export const DEFAULT_SYSTEM_SOCKET = "/run/libvirt/libvirt-sock";

/**
 * URI query parameters the client-side remote driver consumes itself (socket, ssh and
 * TLS options); they are removed from the name sent in REMOTE_PROC_CONNECT_OPEN.
 */
const TRANSPORT_PARAMS = new Set([
  "name", "command", "socket", "auth", "authfile", "netcat", "keyfile", "no_verify", "no_tty",
  "pkipath", "known_hosts", "known_hosts_verify", "sshauth", "tls_priority", "mode", "proxy", "tls",
]);

/** A parsed libvirt URI. */
export interface LibvirtUri {
  /** The original URI text. */
  uri: string;
  /** Hypervisor driver, e.g. "qemu". */
  driver: string;
  /** "unix", "ssh", "tls", "tcp", "libssh", "libssh2", "ext", … */
  transport: string;
  /** Host name ("" for local). */
  host: string;
  /** Port ("" when absent). */
  port: string;
  /** User name ("" when absent). */
  user: string;
  /** Path, e.g. "/system" or "/session". */
  path: string;
  /** Query parameters (decoded). */
  params: ReadonlyMap<string, string>;
  /** The name sent to the daemon in CONNECT_OPEN, e.g. "qemu:///system". */
  serverName: string;
}

function splitScheme(protocol: string, uri: string): { driver: string; transport: string | undefined } {
  const scheme = protocol.replace(/:$/, "");
  const plus = scheme.indexOf("+");
  const driver = plus < 0 ? scheme : scheme.slice(0, plus);
  const transport = plus < 0 ? undefined : scheme.slice(plus + 1);
  if (driver === "" || transport === "") throw new InvalidUriError(`invalid libvirt URI scheme in "${uri}"`);
  return { driver, transport };
}

function parseUrl(uri: string): URL {
  try {
    return new URL(uri);
  } catch (err) {
    throw new InvalidUriError(`invalid libvirt URI "${uri}"`, { cause: err });
  }
}

function serverNameOf(driver: string, path: string, params: Map<string, string>): string {
  const explicit = params.get("name");
  if (explicit !== undefined) return explicit;
  const rest = [...params].filter(([k]) => !TRANSPORT_PARAMS.has(k));
  const query = rest.length === 0 ? "" : `?${new URLSearchParams(rest).toString()}`;
  return `${driver}://${path}${query}`;
}

/** Parses a libvirt URI; throws InvalidUriError when it is not one. */
export function parseLibvirtUri(uri: string): LibvirtUri {
  const url = parseUrl(uri);
  const { driver, transport } = splitScheme(url.protocol, uri);
  const host = decodeURIComponent(url.hostname);
  const params = new Map<string, string>(url.searchParams);
  const path = decodeURIComponent(url.pathname);
  return {
    uri,
    driver,
    transport: transport ?? (host === "" ? "unix" : "tls"),
    host,
    port: url.port,
    user: decodeURIComponent(url.username),
    path,
    params,
    serverName: serverNameOf(driver, path, params),
  };
}

/**
 * The unix socket path for a local URI: `?socket=` if given, else the system daemon's
 * socket for `/system`, or `$XDG_RUNTIME_DIR/libvirt/libvirt-sock` for `/session`.
 */
export function unixSocketPath(u: LibvirtUri, env: NodeJS.ProcessEnv = process.env): string {
  const explicit = u.params.get("socket");
  if (explicit !== undefined && explicit !== "") return explicit;
  if (u.path === "/session") {
    const runtime = env["XDG_RUNTIME_DIR"];
    if (runtime === undefined || runtime === "") {
      throw new InvalidUriError(`${u.uri}: XDG_RUNTIME_DIR is unset; pass ?socket=/path`);
    }
    return `${runtime}/libvirt/libvirt-sock`;
  }
  return DEFAULT_SYSTEM_SOCKET;
}

/**
 * `?mode=` of a local URI (libvirt remote_sockets.c): `legacy` dials the monolithic libvirtd
 * (`libvirt-sock`), `direct` the driver's modular daemon (`virtqemud-sock`), `auto` (default)
 * picks by which socket exists.
 */
export type SocketMode = "auto" | "legacy" | "direct";

const SOCKET_MODES: readonly SocketMode[] = ["auto", "legacy", "direct"];

/** What socket resolution may look at: injected so tests need no real file system. */
export interface SocketProbe {
  /** Whether a file exists at `path` (virFileExists). */
  exists(path: string): boolean;
  /** Effective uid: `/session` means the user's own daemon only when it is not 0. */
  euid: number;
  /** Environment (XDG_RUNTIME_DIR, HOME). */
  env: NodeJS.ProcessEnv;
  /** Directory of the system daemons' sockets (default /run/libvirt; tests point it elsewhere). */
  systemDir?: string;
}

/** Where a local URI leads: the read-write and read-only socket, and the daemon behind them. */
export interface UnixSocketChoice {
  /** How the path was chosen: `socket` = `?socket=` given. */
  mode: "legacy" | "direct" | "socket";
  /** The daemon that listens there: "libvirtd", "virtqemud", … (for "start …" hints). */
  daemon: string;
  /** The read-write socket. */
  path: string;
  /** The read-only socket (`…-sock-ro`); undefined where there is none (session, `?socket=`). */
  readOnlyPath: string | undefined;
  /** Every socket `auto` looked at, in order (for SOCKET_NOT_FOUND). */
  considered: readonly string[];
}

/** The per-user runtime directory of libvirt (virGetUserRuntimeDirectory). */
function userRuntimeDir(u: LibvirtUri, env: NodeJS.ProcessEnv): string {
  const runtime = env["XDG_RUNTIME_DIR"];
  if (runtime !== undefined && runtime !== "") return `${runtime}/libvirt`;
  const home = env["HOME"];
  if (home !== undefined && home !== "") return `${home}/.cache/libvirt`;
  throw new InvalidUriError(`${u.uri}: neither XDG_RUNTIME_DIR nor HOME is set to find the session socket; pass ?socket=/path`);
}

function socketModeOf(u: LibvirtUri): SocketMode {
  const mode = u.params.get("mode") ?? "auto";
  if ((SOCKET_MODES as readonly string[]).includes(mode)) return mode as SocketMode;
  throw new InvalidUriError(`${u.uri}: mode must be one of ${SOCKET_MODES.join(", ")}, not "${mode}"`);
}

/** One daemon's sockets: `<dir>/<prefix>-sock` (+ `-sock-ro` for the system daemons). */
function socketsOf(dir: string, prefix: string, user: boolean): { path: string; readOnlyPath: string | undefined } {
  return { path: `${dir}/${prefix}-sock`, readOnlyPath: user ? undefined : `${dir}/${prefix}-sock-ro` };
}

/**
 * Resolves a local URI to its socket the way libvirt's client does (remoteGetUNIXSocket in
 * src/remote/remote_sockets.c): `?socket=` wins; `/session` as a non-root user means
 * `$XDG_RUNTIME_DIR/libvirt/` (else `$HOME/.cache/libvirt/`), otherwise `/run/libvirt/`
 * (root asking for `/session` gets the system daemon, as in libvirt); `mode=direct` takes
 * `virt<driver>d-sock`, `legacy` `libvirt-sock`, and `auto` the direct socket if it exists,
 * else the legacy one if it exists, else legacy (Debian's build default). The existence check
 * looks at the socket the caller will use (`-ro` when `readOnly`), like libvirt.
 */
export function resolveUnixSocket(u: LibvirtUri, probe: SocketProbe, readOnly = false): UnixSocketChoice {
  const explicit = u.params.get("socket");
  if (explicit !== undefined && explicit !== "") {
    return { mode: "socket", daemon: "the libvirt daemon", path: explicit, readOnlyPath: undefined, considered: [explicit] };
  }
  const mode = socketModeOf(u);
  const user = u.path === "/session" && probe.euid !== 0;
  const dir = user ? userRuntimeDir(u, probe.env) : probe.systemDir ?? "/run/libvirt";
  const directDaemon = `virt${u.driver}d`;
  const direct = { mode: "direct" as const, daemon: directDaemon, ...socketsOf(dir, directDaemon, user) };
  const legacy = { mode: "legacy" as const, daemon: "libvirtd", ...socketsOf(dir, "libvirt", user) };
  const used = (s: typeof direct | typeof legacy): string => (readOnly ? s.readOnlyPath ?? s.path : s.path);
  if (mode === "direct") return { ...direct, considered: [used(direct)] };
  if (mode === "legacy") return { ...legacy, considered: [used(legacy)] };
  const considered = [used(direct), used(legacy)];
  if (probe.exists(used(direct))) return { ...direct, considered };
  return { ...legacy, considered };
}
