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
