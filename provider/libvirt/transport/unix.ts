/**
 * The local transport: a unix socket such as /run/libvirt/libvirt-sock (`qemu:///system`,
 * `qemu:///session`, `qemu+unix:///system?socket=…&mode=direct`). Which socket is resolved at
 * each dial, as libvirt's client does (uri.ts `resolveUnixSocket`): the monolithic libvirtd's
 * `libvirt-sock` or a modular daemon's `virtqemud-sock`, the read-only `-sock-ro` for readers.
 * The only file of `provider/libvirt` that imports node:net for unix sockets.
 */
import { existsSync } from "node:fs";
import * as net from "node:net";
import type { Duplex } from "node:stream";
import { DialError, SocketAccessDeniedError, SocketNotFoundError } from "../errors";
import type { Dialer, DialerOptions } from "./dialer";
import { resolveUnixSocket, type LibvirtUri, type SocketProbe, type UnixSocketChoice } from "./uri";

/** Options of {@link UnixDialer}. */
export interface UnixDialerOptions extends DialerOptions {
  /** File-system view for socket resolution (default: the real one, process.geteuid, process.env). */
  probe?: SocketProbe;
}

/** The real file system, uid and environment. */
export function realSocketProbe(): SocketProbe {
  return { exists: existsSync, euid: process.geteuid?.() ?? 0, env: process.env };
}

/** One connect attempt's outcome: the socket, or the errno that refused it. */
type Attempt = { sock: net.Socket } | { errno: NodeJS.ErrnoException };

/**
 * Dials a local unix socket (transport "unix"): an explicit path, or a local URI resolved at
 * each dial (so a daemon started later is found). Refusals are typed: SocketNotFoundError
 * (nothing there: which daemon to start), SocketAccessDeniedError (EACCES), DialError.
 */
export class UnixDialer implements Dialer {
  private readonly uri: LibvirtUri | undefined;
  private readonly fixedPath: string | undefined;
  /** Whether the last successful dial went to a read-only socket. */
  usedReadOnly = false;
  /** The socket the last successful dial reached. */
  lastPath: string | undefined;

  constructor(source: string | LibvirtUri, private readonly opts: UnixDialerOptions = {}) {
    if (typeof source === "string") this.fixedPath = source;
    else this.uri = source;
  }

  /** Where the next dial goes (resolved now). */
  choice(): UnixSocketChoice {
    if (this.uri === undefined) {
      const p = this.fixedPath as string;
      return { mode: "socket", daemon: "the libvirt daemon", path: p, readOnlyPath: undefined, considered: [p] };
    }
    return resolveUnixSocket(this.uri, this.opts.probe ?? realSocketProbe(), this.opts.readOnly === true);
  }

  /** The socket the next dial tries first. */
  get path(): string {
    return this.firstPath(this.choice());
  }

  /** "unix:<path>". */
  get target(): string {
    return `unix:${this.path}`;
  }

  /** Connects; resolves once the socket is connected. The socket is destroyed on every failure. */
  async dial(signal?: AbortSignal): Promise<Duplex> {
    const c = this.choice();
    const first = this.firstPath(c);
    const tried = await this.attempt(first, signal);
    if ("sock" in tried) {
      this.usedReadOnly = first !== c.path;
      this.lastPath = first;
      return tried.sock;
    }
    const denied = tried.errno.code === "EACCES" || tried.errno.code === "EPERM";
    if (denied && this.opts.readOnly === "fallback" && c.readOnlyPath !== undefined) {
      const ro = await this.attempt(c.readOnlyPath, signal);
      if ("sock" in ro) {
        this.usedReadOnly = true;
        this.lastPath = c.readOnlyPath;
        return ro.sock;
      }
      throw this.refusal(c, c.readOnlyPath, ro.errno);
    }
    throw this.refusal(c, first, tried.errno);
  }

  private firstPath(c: UnixSocketChoice): string {
    return this.opts.readOnly === true ? c.readOnlyPath ?? c.path : c.path;
  }

  /** The typed error for a connect() refusal on `path`. */
  private refusal(c: UnixSocketChoice, path: string, err: NodeJS.ErrnoException): Error {
    if (err.code === "ENOENT") return new SocketNotFoundError(c.considered.includes(path) ? c.considered : [path], c.daemon, { cause: err });
    if (err.code === "EACCES" || err.code === "EPERM") {
      return new SocketAccessDeniedError(path, path === c.readOnlyPath ? undefined : c.readOnlyPath, { cause: err });
    }
    if (err.code === "ECONNREFUSED") {
      return new DialError(`${path} refuses connections (${err.code}): a stale socket; is ${c.daemon} running? start it`, { cause: err });
    }
    return new DialError(`cannot connect to libvirt socket ${path} (${err.code ?? err.message}); is ${c.daemon} running?`, { cause: err });
  }

  /** One connect(); abort and timeout reject with DialError, errno refusals resolve as data. */
  private attempt(path: string, signal?: AbortSignal): Promise<Attempt> {
    const gaveUp = (): DialError => new DialError(`gave up connecting to ${path}: the connect deadline passed`);
    if (signal?.aborted) return Promise.reject(gaveUp());
    return new Promise((resolve, reject) => {
      const sock = net.createConnection({ path });
      const settle = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        sock.removeAllListeners("error").removeAllListeners("connect");
      };
      const fail = (err: DialError): void => {
        settle();
        sock.destroy();
        reject(err);
      };
      const onAbort = (): void => fail(gaveUp());
      const timer = this.opts.timeoutMs === undefined ? undefined : setTimeout(() => {
        fail(new DialError(`timed out after ${this.opts.timeoutMs} ms connecting to ${path}`));
      }, this.opts.timeoutMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      sock.once("connect", () => {
        settle();
        resolve({ sock });
      });
      sock.once("error", (errno: NodeJS.ErrnoException) => {
        settle();
        sock.destroy();
        resolve({ errno });
      });
    });
  }
}
