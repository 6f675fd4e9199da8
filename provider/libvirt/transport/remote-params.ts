/**
 * URI → dialer parameters for the network transports (tcp, tls): host, port and the TLS
 * query parameters `pkipath=` and `no_verify=` (libvirt docs/uri.rst). Pure apart from the
 * process identity read by {@link tlsDialerParams} for the PKI paths.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { InvalidUriError } from "../errors";
import { resolvePkiPaths, type PkiEnv, type PkiPaths } from "./pki";
import { DEFAULT_TLS_PORT } from "./tls";
import type { LibvirtUri } from "./uri";

/** The host of a network URI; InvalidUriError without one. IPv6 brackets are removed. */
export function remoteHost(u: LibvirtUri): string {
  if (u.host === "") throw new InvalidUriError(`${u.uri}: the ${u.transport} transport needs a host name`);
  return u.host.replace(/^\[(.*)\]$/, "$1");
}

/** The port of a network URI, or `defaultPort`. */
export function remotePort(u: LibvirtUri, defaultPort: number): number {
  if (u.port === "") return defaultPort;
  const port = Number(u.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidUriError(`${u.uri}: invalid port "${u.port}"`);
  return port;
}

/** `no_verify=0|1` (libvirt reads an integer; anything else is refused here). */
export function parseNoVerify(u: LibvirtUri): boolean {
  const v = u.params.get("no_verify");
  if (v === undefined || v === "0") return false;
  if (v === "1") return true;
  throw new InvalidUriError(`${u.uri}: no_verify must be 0 or 1, not "${v}"`);
}

/** What the TLS dialer needs from a URI. */
export interface TlsParams {
  /** 16514 (LIBVIRTD_TLS_PORT). */
  defaultPort: number;
  /** The PKI file paths (pkipath= or libvirt's defaults). */
  pki: PkiPaths;
  /** `no_verify=1`. */
  noVerify: boolean;
}

/** The process's view for PKI defaults: euid, $HOME, the file system. */
export function processPkiEnv(): PkiEnv {
  return { euid: process.geteuid?.() ?? 0, home: process.env["HOME"] ?? homedir(), exists: existsSync };
}

/** The TLS dialer parameters of a URI (`pkipath=` must be an absolute directory). */
export function tlsDialerParams(u: LibvirtUri, env: PkiEnv = processPkiEnv()): TlsParams {
  const pkipath = u.params.get("pkipath");
  if (pkipath !== undefined && !pkipath.startsWith("/")) throw new InvalidUriError(`${u.uri}: pkipath must be an absolute directory, not "${pkipath}"`);
  return { defaultPort: DEFAULT_TLS_PORT, pki: resolvePkiPaths(pkipath, env), noVerify: parseNoVerify(u) };
}
