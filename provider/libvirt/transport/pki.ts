/**
 * Where the TLS client's CA certificate, certificate and key come from, as libvirt's client
 * finds them (src/rpc/virnettlscontext.c, virNetTLSContextLocateCredentials):
 * - `?pkipath=/dir`: `/dir/cacert.pem`, `/dir/clientcert.pem`, `/dir/clientkey.pem`, whether they exist or not;
 * - root: `/etc/pki/CA/cacert.pem`, `/etc/pki/libvirt/clientcert.pem`, `/etc/pki/libvirt/private/clientkey.pem`;
 * - non-root: `$HOME/.pki/libvirt/cacert.pem` when it exists (else the root default), and
 *   `$HOME/.pki/libvirt/{clientcert,clientkey}.pem` when both exist (else the root defaults).
 * The CA is required; a missing certificate+key pair means no client certificate (libvirt's
 * client tolerates that; a default libvirtd then refuses the connection).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TlsPkiMissingError } from "../errors";

/** libvirt's system-wide defaults (LIBVIRT_CACERT, LIBVIRT_CLIENTCERT, LIBVIRT_CLIENTKEY). */
export const DEFAULT_PKI = {
  ca: "/etc/pki/CA/cacert.pem",
  cert: "/etc/pki/libvirt/clientcert.pem",
  key: "/etc/pki/libvirt/private/clientkey.pem",
} as const;

/** The three file paths the TLS client uses, and where each came from (for messages). */
export interface PkiPaths {
  /** CA certificate (cacert.pem). */
  ca: string;
  /** Client certificate (clientcert.pem). */
  cert: string;
  /** Client private key (clientkey.pem). */
  key: string;
  /** "pkipath=/dir", "$HOME/.pki/libvirt" or "libvirt's default path", per file. */
  source: { ca: string; cert: string; key: string };
}

/** What {@link resolvePkiPaths} looks at besides the URI (injectable for tests). */
export interface PkiEnv {
  /** Effective uid (libvirt tries the user's directory only when not root). */
  euid: number;
  /** The user's home directory. */
  home: string;
  /** Whether a file exists. */
  exists: (path: string) => boolean;
}

const DEFAULT_SOURCE = "libvirt's default path";

/** The PKI file paths for `pkipath` (undefined: not given) in `env`; pure apart from `env.exists`. */
export function resolvePkiPaths(pkipath: string | undefined, env: PkiEnv): PkiPaths {
  if (pkipath !== undefined && pkipath !== "") {
    const s = `pkipath=${pkipath}`;
    return { ca: join(pkipath, "cacert.pem"), cert: join(pkipath, "clientcert.pem"), key: join(pkipath, "clientkey.pem"), source: { ca: s, cert: s, key: s } };
  }
  const paths: PkiPaths = { ...DEFAULT_PKI, source: { ca: DEFAULT_SOURCE, cert: DEFAULT_SOURCE, key: DEFAULT_SOURCE } };
  if (env.euid === 0) return paths;
  const dir = join(env.home, ".pki", "libvirt");
  const user = { ca: join(dir, "cacert.pem"), cert: join(dir, "clientcert.pem"), key: join(dir, "clientkey.pem") };
  const src = "$HOME/.pki/libvirt";
  if (env.exists(user.ca)) {
    paths.ca = user.ca;
    paths.source.ca = src;
  }
  if (env.exists(user.cert) && env.exists(user.key)) {
    Object.assign(paths, { cert: user.cert, key: user.key });
    paths.source.cert = paths.source.key = src;
  }
  return paths;
}

/** The loaded PEM contents; `cert`/`key` undefined when neither file exists. */
export interface PkiMaterial {
  ca: Buffer;
  cert: Buffer | undefined;
  key: Buffer | undefined;
}

type FileReader = (path: string) => Buffer;

function read(path: string, what: string, source: string, readFile: FileReader): Buffer {
  try {
    return readFile(path);
  } catch (err) {
    throw new TlsPkiMissingError(path, what, source, { cause: err });
  }
}

/** Like {@link read}, but a file that does not exist is undefined. */
function readOptional(path: string, what: string, source: string, readFile: FileReader): Buffer | undefined {
  try {
    return readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new TlsPkiMissingError(path, what, source, { cause: err });
  }
}

/**
 * Reads the files of `paths`: TlsPkiMissingError for a missing CA, or for one half of the
 * certificate+key pair without the other (or any unreadable file).
 */
export function loadPki(paths: PkiPaths, readFile: FileReader = (p) => readFileSync(p)): PkiMaterial {
  const ca = read(paths.ca, "CA certificate", paths.source.ca, readFile);
  const cert = readOptional(paths.cert, "client certificate", paths.source.cert, readFile);
  const key = readOptional(paths.key, "client key", paths.source.key, readFile);
  if (cert === undefined && key !== undefined) return missing(paths.cert, "client certificate", paths.source.cert);
  if (key === undefined && cert !== undefined) return missing(paths.key, "client key", paths.source.key);
  return { ca, cert, key };
}

function missing(path: string, what: string, source: string): never {
  throw new TlsPkiMissingError(path, what, source);
}
