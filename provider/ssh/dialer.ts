/**
 * A dialer for a unix socket on another host, reached through the process's pooled SSH
 * connection to that host (pool.ts): the stream is an SSH channel; closing it gives the
 * connection back. It has the shape of the QMP client's dialer seam (`QmpDialer`).
 */
import type { Duplex } from "node:stream";
import { sshPool } from "./pool";
import { resolveTarget, type SshTarget } from "./session";

/** Bound of the SSH handshake when the caller's signal gives none. */
const SSH_CONNECT_TIMEOUT_MS = 10_000;

/** Opens streams to `path` on `target`'s host. */
export interface StreamLocalDialer {
  /** "ssh:user@host:port:/path", for messages. */
  readonly target: string;
  dial(signal?: AbortSignal): Promise<Duplex>;
}

/** See the file comment. Every failure is an SshLinkError. */
export function streamLocalDialer(target: SshTarget, path: string, connectTimeoutMs = SSH_CONNECT_TIMEOUT_MS): StreamLocalDialer {
  const t = resolveTarget(target);
  return {
    target: `ssh:${t.user}@${t.host}:${t.port}:${path}`,
    async dial(signal?: AbortSignal): Promise<Duplex> {
      const lease = await sshPool.acquire(target, connectTimeoutMs, signal);
      try {
        const stream = await lease.session.openStreamLocal(path, signal);
        stream.once("close", () => lease.release());
        return stream;
      } catch (err) {
        lease.release();
        throw err;
      }
    },
  };
}
