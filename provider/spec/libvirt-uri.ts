/**
 * The `libvirt.uri` check: a libvirt connection URI (libvirt docs/uri.rst,
 * `qemu[+transport]://[host]/system|session[?params]`) parsed properly, and refused at
 * `check` when its transport is not one the client dials (only `qemu+ext://` and unknown names now). Pure: `URL` is the only parser used.
 */
import { shown } from "./shown";

/** One row of {@link LIBVIRT_TRANSPORTS}. */
export interface LibvirtTransport {
  /** The client can dial it (provider/libvirt/transport/dialers.ts `dialerForUri`). */
  readonly implemented: boolean;
  /** Whether the URI names a host: never for a local socket, always for a remote transport. */
  readonly host: "none" | "required";
  /** Query parameters the client reads for this transport. */
  readonly params: readonly string[];
  /** URIs shown as valid in error messages (implemented transports only). */
  readonly examples: readonly string[];
  /** Why a transport is refused on purpose (not merely not built yet). */
  readonly refusal?: string;
}

/**
 * The libvirt transports, keyed by the name after `qemu+` (`unix` for `qemu:///…`, `tls` for
 * `qemu://host/…`). The URI check reads this table only; the remote-transport feature turns
 * rows to `implemented: true` (with their params and examples) when the dialer can dial them.
 * test/unit/spec/libvirt-uri.test.ts keeps it in step with the dialer.
 */
export const LIBVIRT_TRANSPORTS: Readonly<Record<string, LibvirtTransport>> = {
  unix: {
    implemented: true, host: "none", params: ["socket", "mode"],
    examples: ["qemu:///system", "qemu:///session", "qemu+unix:///system?socket=/run/libvirt/libvirt-sock", "qemu:///system?mode=direct"],
  },
  ssh: {
    implemented: true, host: "required",
    params: ["keyfile", "known_hosts", "no_verify", "no_tty", "netcat", "socket", "proxy", "command"],
    examples: ["qemu+ssh://root@kvm1/system", "qemu+ssh://admin@kvm1:2222/system?keyfile=/home/admin/.ssh/id_ed25519&known_hosts=/home/admin/.ssh/known_hosts"],
  },
  libssh: {
    implemented: true, host: "required", params: ["keyfile", "known_hosts", "known_hosts_verify", "sshauth", "socket"],
    examples: ["qemu+libssh://root@kvm1/system?known_hosts_verify=normal"],
  },
  libssh2: {
    implemented: true, host: "required", params: ["keyfile", "known_hosts", "known_hosts_verify", "sshauth", "socket"],
    examples: ["qemu+libssh2://root@kvm1/system?keyfile=/root/.ssh/id_ed25519"],
  },
  tls: {
    implemented: true, host: "required", params: ["pkipath", "no_verify"],
    examples: ["qemu+tls://host.example/system", "qemu://host.example:16514/system?pkipath=/etc/pki/libvirt-client"],
  },
  tcp: { implemented: true, host: "required", params: [], examples: ["qemu+tcp://host.example/system"] },
  ext: {
    implemented: false, host: "required", params: [], examples: [],
    refusal: "it runs an arbitrary local command as the connection; use qemu+ssh:// (command= names a custom ssh client) or qemu+tls://",
  },
};

/** Longest unix socket path: Linux `sun_path` holds 108 bytes including the final NUL. */
const SOCKET_PATH_MAX_BYTES = 107;

/** The paths of the QEMU driver: the system daemon or the user's session daemon. */
const PATHS = ["/system", "/session"];

const implemented = () => Object.entries(LIBVIRT_TRANSPORTS).filter(([, t]) => t.implemented);

/** `valid: qemu:///system, …`: every example of an implemented transport. */
export function validLibvirtUris(): string {
  return `valid: ${implemented().flatMap(([, t]) => t.examples).join(", ")}`;
}

function parse(uri: string): URL | undefined {
  try {
    return new URL(uri);
  } catch {
    return undefined;
  }
}

/** The transport a URI selects: `+name`, else a local socket without a host and TLS with one. */
function transportOf(scheme: string, host: string): string {
  const plus = scheme.indexOf("+");
  if (plus >= 0) return scheme.slice(plus + 1);
  return host === "" ? "unix" : "tls";
}

function transportProblem(name: string, row: LibvirtTransport | undefined): string | undefined {
  const names = implemented().map(([n]) => n).join(", ");
  if (!row) return `transport ${shown(name)} is not a libvirt transport; implemented: ${names}`;
  if (!row.implemented) return `transport ${shown(name)} is not supported: ${row.refusal ?? "not implemented"} (implemented: ${names})`;
  return undefined;
}

function paramProblem(url: URL, name: string, row: LibvirtTransport): string | undefined {
  for (const [key, value] of url.searchParams) {
    if (!row.params.includes(key)) {
      return `parameter ${shown(key)} is not supported for transport ${name} (supported: ${row.params.join(", ") || "none"})`;
    }
    if (key === "mode" && !["auto", "legacy", "direct"].includes(value)) return `mode must be auto, legacy or direct, not ${shown(value)}`;
    if (key === "socket" && !value.startsWith("/")) return `socket must be an absolute path, not ${shown(value)}`;
    if (key === "socket" && Buffer.byteLength(value) > SOCKET_PATH_MAX_BYTES) {
      return `socket ${shown(value)} is too long: a unix socket path has at most ${SOCKET_PATH_MAX_BYTES} bytes (sun_path)`;
    }
    if (key === "pkipath" && !value.startsWith("/")) return `pkipath must be an absolute directory, not ${shown(value)}`;
    if (key === "no_verify" && value !== "0" && value !== "1") return `no_verify must be 0 or 1, not ${shown(value)}`;
  }
  return undefined;
}

function shapeProblem(url: URL, name: string, row: LibvirtTransport): string | undefined {
  if (url.username !== "" && row.host === "none") return `transport ${name} takes no user name`;
  if (row.host === "none" && url.host !== "") return `transport ${name} takes no host name (got ${shown(url.host)})`;
  if (row.host === "required" && url.hostname === "") return `transport ${name} needs a host name`;
  if (!PATHS.includes(url.pathname)) return `path must be /system or /session, not ${shown(url.pathname)}`;
  if (url.hash !== "") return "a libvirt URI has no #fragment";
  return paramProblem(url, name, row);
}

/**
 * What is wrong with a `libvirt.uri`, or undefined when the client can connect with it.
 * Every message says what would be valid, listing only implemented forms.
 */
export function libvirtUriProblem(uri: string): string | undefined {
  const url = parse(uri);
  if (!url) return `libvirt.uri ${shown(uri)} is not a URI; ${validLibvirtUris()}`;
  const scheme = url.protocol.replace(/:$/, "");
  const driver = scheme.split("+")[0];
  if (driver !== "qemu") return `libvirt.uri must use the QEMU driver (qemu:// or qemu+transport://), not ${shown(`${scheme}:`)}; ${validLibvirtUris()}`;
  const name = transportOf(scheme, url.host);
  const row = Object.hasOwn(LIBVIRT_TRANSPORTS, name) ? LIBVIRT_TRANSPORTS[name] : undefined;
  const problem = transportProblem(name, row) ?? shapeProblem(url, name, row!);
  return problem === undefined ? undefined : `libvirt.uri ${shown(uri)}: ${problem}; ${validLibvirtUris()}`;
}
