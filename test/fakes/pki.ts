/**
 * Test certificates made with `openssl` at test time (installed by .ci/host-setup.sh): a CA,
 * and server or client certificates signed by a CA, in a directory laid out like libvirt's
 * `pkipath=` (cacert.pem, clientcert.pem, clientkey.pem). Directories are made with mkdtemp
 * under the prefix os.tmpdir()+"/qvt-pki-" and removed by the caller.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The host's test CA made by .ci/host-setup.sh phase 5 (libvirtd's ca_file). */
export const HOST_PKI_DIR = "/etc/pulumi-qemu-vcpu/pki";
/** The host CA as a signer. */
export const HOST_CA: Signer = { cert: join(HOST_PKI_DIR, "cacert.pem"), key: join(HOST_PKI_DIR, "cakey.pem") };

/** A CA certificate and its key (files). */
export interface Signer {
  cert: string;
  key: string;
}

function openssl(args: string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** A fresh directory `os.tmpdir()/qvt-pki-XXXXXX`. */
export function tempPkiDir(): string {
  return mkdtempSync(join(tmpdir(), "qvt-pki-"));
}

/** Makes a self-signed CA in `dir` as `<name>.pem` / `<name>-key.pem`. */
export function makeCa(dir: string, name = "ca", cn = "qvt test CA"): Signer {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}-key.pem`);
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2", "-keyout", key, "-out", cert, "-subj", `/CN=${cn}`,
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  return { cert, key };
}

/** What {@link signCert} makes. */
export interface CertRequest {
  /** Subject CN. */
  cn: string;
  /** "server" or "client" extended key usage. */
  usage: "server" | "client";
  /** subjectAltName, e.g. "DNS:localhost,IP:127.0.0.1" (server certificates). */
  san?: string;
  /** Validity in days; negative makes a certificate that has already expired. */
  days?: number;
}

/** Makes a key and a certificate signed by `ca`, written to `certPath` and `keyPath`. */
export function signCert(ca: Signer, req: CertRequest, certPath: string, keyPath: string): void {
  const csr = `${certPath}.csr`;
  const ext = `${certPath}.ext`;
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-sha256", "-keyout", keyPath, "-out", csr, "-subj", `/O=qvt/CN=${req.cn}`]);
  const lines = ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment",
    `extendedKeyUsage=${req.usage === "server" ? "serverAuth" : "clientAuth"}`];
  if (req.san !== undefined) lines.push(`subjectAltName=${req.san}`);
  writeFileSync(ext, `${lines.join("\n")}\n`);
  openssl(["x509", "-req", "-sha256", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial", "-CAserial", `${certPath}.srl`,
    "-days", String(req.days ?? 1), "-extfile", ext, "-out", certPath]);
}

/**
 * A `pkipath=` directory: cacert.pem (a copy of `trust`), and clientcert.pem + clientkey.pem
 * signed by `signer` (omitted when `signer` is null).
 */
export function clientPkiDir(trust: string, signer: Signer | null, req: Partial<CertRequest> = {}): string {
  const dir = tempPkiDir();
  copyFileSync(trust, join(dir, "cacert.pem"));
  if (signer !== null) signCert(signer, { cn: "qvt-client", usage: "client", ...req }, join(dir, "clientcert.pem"), join(dir, "clientkey.pem"));
  return dir;
}
