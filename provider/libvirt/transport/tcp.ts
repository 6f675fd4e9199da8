/**
 * `qemu+tcp://host[:port]/system`: the RPC stream on a plain TCP socket (libvirtd
 * `listen_tcp = 1`, port 16509). Unencrypted; libvirtd asks for SASL there by default
 * (`auth_tcp = "sasl"`), which the client refuses with AuthUnsupportedError saying what to set.
 */
import * as net from "node:net";
import type { Duplex } from "node:stream";
import { DialError } from "../errors";
import type { Dialer, DialerOptions } from "./dialer";
import { awaitStep, eventStep, tcpDialError } from "./socket-dial";

/** libvirtd's default TCP port (LIBVIRTD_TCP_PORT). */
export const DEFAULT_TCP_PORT = 16509;

const LISTEN_HINT = "is libvirtd running with --listen (or libvirtd-tcp.socket) and listen_tcp = 1?";

/** Dials libvirtd's plain TCP listener (transport "tcp"). */
export class TcpDialer implements Dialer {
  readonly remote = true;

  constructor(readonly host: string, readonly port: number = DEFAULT_TCP_PORT, private readonly opts: DialerOptions = {}) {}

  /** "tcp:host:port". */
  get target(): string {
    return `tcp:${this.host}:${this.port}`;
  }

  /** Connects; the socket is destroyed on every failure. */
  async dial(signal?: AbortSignal): Promise<Duplex> {
    const sock = net.createConnection({ host: this.host, port: this.port });
    await awaitStep(sock, eventStep(sock, "connect"), {
      target: this.target, timeoutMs: this.opts.timeoutMs, signal,
      classify: (err) => tcpDialError(err, this.target, LISTEN_HINT) ?? new DialError(`cannot connect to ${this.target}: ${err.message}`, { cause: err }),
    });
    sock.setNoDelay(true);
    return sock;
  }
}
