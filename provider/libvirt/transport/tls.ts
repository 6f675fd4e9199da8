/**
 * `qemu+tls://host[:port]/system` and `qemu://host/system`: the RPC stream inside TLS
 * (libvirtd `listen_tls = 1`, port 16514), with libvirt's PKI files (pki.ts). After the
 * handshake libvirtd checks our client certificate and sends ONE byte, `\x01` when it is
 * accepted, before any RPC (virnetclient.c `virNetClientSetTLSSession`); otherwise it closes.
 * `no_verify=1` skips every check of the server certificate (trust, name, dates), as
 * libvirt's `requireValidCert = false` does; the CA file is still required, as in libvirt.
 */
import type { Socket } from "node:net";
import { isIP } from "node:net";
import type { Duplex } from "node:stream";
import * as tls from "node:tls";
import { DialError, TlsCertExpiredError, TlsClientRejectedError, TlsHostnameMismatchError, TlsServerUntrustedError } from "../errors";
import type { Dialer, DialerOptions } from "./dialer";
import { loadPki, type PkiPaths } from "./pki";
import { oneRecordPerWrite } from "./tls-records";
import { awaitStep, eventStep, tcpDialError, type DialStep } from "./socket-dial";

/** libvirtd's default TLS port (LIBVIRTD_TLS_PORT). */
export const DEFAULT_TLS_PORT = 16514;

/** The byte libvirtd sends once it accepted the client certificate. */
const CERT_ACCEPTED = 0x01;

const LISTEN_HINT = "is libvirtd running with --listen (or libvirtd-tls.socket) and listen_tls = 1?";

/** OpenSSL verify results meaning "not signed by a CA we trust". */
const UNTRUSTED = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN", "CERT_SIGNATURE_FAILURE", "CERT_UNTRUSTED",
  "CERT_REJECTED", "INVALID_CA",
]);
const EXPIRED = new Set(["CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID"]);

/** What {@link classifyTlsError} needs to name things. */
export interface TlsErrorContext {
  /** "tls:host:port". */
  target: string;
  /** The host name checked against the certificate. */
  host: string;
  /** The CA file in use. */
  caPath: string;
  /** The client certificate presented (undefined: none). */
  certPath: string | undefined;
  /** `handshake` (TLS being set up) or `confirm` (waiting for libvirtd's one byte). */
  stage: "handshake" | "confirm";
}

/** The typed error for a socket/TLS failure while dialing (pure; see the unit table). */
export function classifyTlsError(err: NodeJS.ErrnoException, c: TlsErrorContext): Error {
  if (c.stage === "confirm") return new TlsClientRejectedError(c.target, c.certPath, `the connection ended before it confirmed the certificate (${err.code ?? err.message})`, { cause: err });
  const code = err.code ?? "";
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return new TlsHostnameMismatchError(c.target, c.host, { cause: err });
  if (EXPIRED.has(code)) return new TlsCertExpiredError(c.target, { cause: err });
  if (UNTRUSTED.has(code)) return new TlsServerUntrustedError(c.target, c.caPath, { cause: err });
  const tcp = tcpDialError(err, c.target, LISTEN_HINT);
  if (tcp !== undefined) return tcp;
  return new DialError(`TLS handshake with ${c.target} failed (${code || err.message}); is that port libvirtd's TLS listener?`, { cause: err });
}

/** Options of {@link TlsDialer}. */
export interface TlsDialerOptions extends DialerOptions {
  /** `no_verify=1`: accept any server certificate (insecure; for labs). */
  noVerify?: boolean;
}

/** Dials libvirtd's TLS listener (transport "tls"), ending with the certificate-accepted byte. */
export class TlsDialer implements Dialer {
  readonly remote = true;

  constructor(
    readonly host: string,
    readonly port: number,
    readonly pki: PkiPaths,
    private readonly opts: TlsDialerOptions = {},
  ) {}

  /** "tls:host:port". */
  get target(): string {
    return `tls:${this.host}:${this.port}`;
  }

  /** Loads the PKI files, handshakes, then waits for libvirtd's `\x01`; destroys the socket on every failure. */
  async dial(signal?: AbortSignal): Promise<Duplex> {
    const material = loadPki(this.pki);
    const ctx: TlsErrorContext = {
      target: this.target, host: this.host, caPath: this.pki.ca, certPath: material.cert === undefined ? undefined : this.pki.cert, stage: "handshake",
    };
    const sock = tls.connect({
      host: this.host, port: this.port, ca: material.ca, cert: material.cert, key: material.key,
      servername: isIP(this.host) === 0 ? this.host : undefined, rejectUnauthorized: !this.opts.noVerify,
    });
    const ready = { target: this.target, timeoutMs: this.opts.timeoutMs, signal };
    await awaitStep(sock, eventStep(sock, "secureConnect"), { ...ready, classify: (err) => classifyTlsError(err, ctx) });
    await awaitStep(sock, confirmationStep(sock, ctx), { ...ready, classify: (err) => classifyTlsError(err, { ...ctx, stage: "confirm" }) });
    sock.setNoDelay(true);
    return oneRecordPerWrite(sock);
  }
}

/** Reads libvirtd's one confirmation byte (nothing else is consumed); fails unless it is `\x01`. */
function confirmationStep(sock: Socket, c: TlsErrorContext): DialStep {
  return (ok, fail) => {
    const onReadable = (): void => {
      const b = sock.read(1) as Buffer | null;
      if (b === null) return;
      if (b[0] === CERT_ACCEPTED) ok();
      else fail(new TlsClientRejectedError(c.target, c.certPath, `it answered 0x${b[0]!.toString(16).padStart(2, "0")} instead of 0x01`));
    };
    sock.on("readable", onReadable);
    return () => sock.off("readable", onReadable);
  };
}
