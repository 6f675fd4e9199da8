/**
 * Picks the {@link Dialer} for a libvirt URI: one row per transport, keyed by the name after
 * `qemu+` (`unix` for `qemu:///…`, `tls` for `qemu://host/…`). Transports without a row
 * throw TransportUnsupportedError. provider/spec/libvirt-uri.ts holds the matching check table;
 * test/unit/spec/libvirt-uri.test.ts keeps the two in step.
 */
import { InvalidUriError, TransportUnsupportedError } from "../errors";
import type { Dialer, DialerOptions } from "./dialer";
import { UnixDialer } from "./unix";
import { SshDialer } from "./ssh";
import { LibsshDialer } from "./libssh";
import { sshParams } from "./ssh-params";
import { parseLibvirtUri, type LibvirtUri } from "./uri";

import { DEFAULT_TCP_PORT, TcpDialer } from "./tcp";
import { TlsDialer } from "./tls";
import { remoteHost, remotePort, tlsDialerParams } from "./remote-params";

/** Makes the dialer of one transport from a parsed URI. */
type DialerFactory = (u: LibvirtUri, opts: DialerOptions) => Dialer;

const DIALERS: Readonly<Record<string, DialerFactory>> = {
  unix: (u, opts) => {
    if (u.host !== "") throw new InvalidUriError(`${u.uri}: the unix transport takes no host name`);
    return new UnixDialer(u, opts); // socket=, mode=, /session and readOnly resolved at each dial (uri.ts)
  },
  ssh: (u, opts) => new SshDialer(sshParams(u), opts),
  libssh: (u, opts) => new LibsshDialer(sshParams(u), opts),
  libssh2: (u, opts) => new LibsshDialer(sshParams(u), opts),
  tls: (u, opts) => {
    const p = tlsDialerParams(u);
    return new TlsDialer(remoteHost(u), remotePort(u, p.defaultPort), p.pki, { ...opts, noVerify: p.noVerify });
  },
  tcp: (u, opts) => new TcpDialer(remoteHost(u), remotePort(u, DEFAULT_TCP_PORT), opts),
};

/** The transports {@link dialerForUri} can dial. */
export const DIALABLE_TRANSPORTS: readonly string[] = Object.keys(DIALERS);

/**
 * The Dialer for a libvirt URI (`qemu:///system`, `qemu+unix:///system?socket=/path`, …);
 * TransportUnsupportedError for a transport without a dialer.
 */
export function dialerForUri(uri: string, opts: DialerOptions = {}): Dialer {
  const u = parseLibvirtUri(uri);
  const make = Object.hasOwn(DIALERS, u.transport) ? DIALERS[u.transport] : undefined;
  if (!make) throw new TransportUnsupportedError(u.transport, uri, DIALABLE_TRANSPORTS);
  return make(u, opts);
}
