/**
 * One SSH connection made in-process (the `ssh2` package), checked against known_hosts (hashed
 * entries too), authenticated by ssh-agent or private keys (never a prompt), with SSH-level
 * keepalive and TCP_NODELAY, that opens OpenSSH `direct-streamlocal@openssh.com` channels to unix
 * sockets on the far side: several channels (a QMP monitor and a guest agent) share the connection.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Client, ClientChannel } from "ssh2";
import { sshAuthAttempts } from "./auth";
import { ChannelStream } from "./channel-stream";
import { SshLinkError, type SshLinkDetails, type SshLinkFailureReason } from "./errors";
import { parseKnownHosts, verifyHostKey, type HostKeyVerdict } from "./known-hosts";

/** Where to connect and how to authenticate. */
export interface SshTarget {
  readonly host: string;
  /** Default 22. */
  readonly port?: number | undefined;
  /** Default root (a hypervisor's QMP sockets belong to root). */
  readonly user?: string | undefined;
  /** A private key; default: ssh-agent (SSH_AUTH_SOCK), then ~/.ssh/id_*. */
  readonly keyfile?: string | undefined;
  /** Default ~/.ssh/known_hosts. */
  readonly knownHosts?: string | undefined;
}

/** The target with its defaults filled in. */
export function resolveTarget(t: SshTarget): Required<Omit<SshTarget, "keyfile">> & { keyfile: string | undefined } {
  return {
    host: t.host,
    port: t.port ?? 22,
    user: t.user ?? "root",
    keyfile: t.keyfile,
    knownHosts: t.knownHosts ?? join(homedir(), ".ssh", "known_hosts"),
  };
}

/** ssh-level keepalive: a probe every 5 s, the link declared lost after 3 unanswered (15–20 s). */
export const SSH_KEEPALIVE_MS = 5_000;
const SSH_KEEPALIVE_COUNT = 3;

function ssh2(): typeof import("ssh2") {
  return require("ssh2") as typeof import("ssh2");
}

function readKnownHosts(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function reasonOf(err: Error & { level?: string; code?: string }, verdict: HostKeyVerdict | undefined): SshLinkFailureReason {
  if (verdict === "UNKNOWN") return "HOST_KEY_UNKNOWN";
  if (verdict === "CHANGED" || verdict === "REVOKED") return "HOST_KEY_CHANGED";
  if (err.level === "client-authentication") return "AUTH_REJECTED";
  if (err.code === "ECONNREFUSED") return "REFUSED";
  if (err.level === "client-timeout" || err.code === "ETIMEDOUT") return "TIMEOUT";
  if (err.level === "client-dns" || err.code === "EHOSTUNREACH" || err.code === "ENETUNREACH") return "UNREACHABLE";
  if (err.code === "ECONNRESET" || err.code === "EPIPE") return "LINK_LOST";
  return "FAILED";
}

/** An open SSH connection; see the file comment. */
export class SshSession {
  private closed = false;

  private constructor(private readonly client: Client, readonly details: SshLinkDetails) {
    const gone = (): void => void (this.closed = true);
    client.on("close", gone);
    client.on("error", gone);
  }

  /** The typed error for `reason` at this target (with the far-side socket, when one is named). */
  static error(details: SshLinkDetails, reason: SshLinkFailureReason, detail: string, cause?: unknown): SshLinkError {
    return new SshLinkError(reason, details, detail, cause === undefined ? undefined : { cause });
  }

  /** Connects and authenticates within `timeoutMs`; every failure is an {@link SshLinkError}. */
  static open(target: SshTarget, timeoutMs: number, signal?: AbortSignal): Promise<SshSession> {
    const t = resolveTarget(target);
    const details: SshLinkDetails = { host: t.host, port: t.port, user: t.user, knownHosts: t.knownHosts };
    const error = (reason: SshLinkFailureReason, detail: string, cause?: unknown) => SshSession.error(details, reason, detail, cause);
    if (signal?.aborted) return Promise.reject(error("TIMEOUT", "gave up: the connect deadline passed"));
    const attempts = sshAuthAttempts({ keyfile: t.keyfile, sshauth: ["agent", "privkey"] }, t.user);
    if (attempts.length === 0) {
      const what = t.keyfile !== undefined ? `keyfile ${t.keyfile} cannot be read` : "no ssh-agent (SSH_AUTH_SOCK) and no default key in ~/.ssh";
      return Promise.reject(error("AUTH_REJECTED", `nothing to authenticate with: ${what}`));
    }
    return new Promise((resolve, reject) => {
      const client = new (ssh2().Client)();
      let verdict: HostKeyVerdict | undefined;
      let settled = false;
      const fail = (err: SshLinkError): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener("abort", onAbort);
        client.end();
        reject(err);
      };
      const onAbort = (): void => fail(error("TIMEOUT", "gave up: the connect deadline passed"));
      signal?.addEventListener("abort", onAbort, { once: true });
      client.on("error", (err: Error) => {
        const reason = reasonOf(err, verdict);
        const keyProblem = reason === "HOST_KEY_UNKNOWN" || reason === "HOST_KEY_CHANGED";
        fail(error(reason, keyProblem ? `host key ${verdict!.toLowerCase()} in ${t.knownHosts}` : err.message, err));
      });
      client.on("close", () => fail(error("LINK_LOST", "the ssh connection closed during setup")));
      client.on("ready", () => {
        // QMP commands are small request/reply lines: without this, Nagle + delayed ACK add ~40 ms each.
        client.setNoDelay(true);
        if (settled) return void client.end();
        settled = true;
        signal?.removeEventListener("abort", onAbort);
        resolve(new SshSession(client, details));
      });
      client.connect({
        host: t.host,
        port: t.port,
        username: t.user,
        hostVerifier: (key: Buffer) => (verdict = verifyHostKey(parseKnownHosts(readKnownHosts(t.knownHosts)), t.host, t.port, key)) === "KNOWN",
        authHandler: attempts.map((a) => a.method),
        keepaliveInterval: SSH_KEEPALIVE_MS,
        keepaliveCountMax: SSH_KEEPALIVE_COUNT,
        readyTimeout: timeoutMs,
      });
    });
  }

  /** False once the connection closed or failed. */
  get alive(): boolean {
    return !this.closed;
  }

  /** The local TCP port of the connection (which sshd session serves it), undefined once closed. */
  get localPort(): number | undefined {
    return (this.client as unknown as { _sock?: { localPort?: number } })._sock?.localPort;
  }

  /** Calls `fn` once when the connection ends. */
  onClose(fn: () => void): void {
    if (this.closed) return void fn();
    this.client.once("close", fn);
  }

  /**
   * Opens a channel to the far side's unix socket `path`; FORWARD_REFUSED when sshd can't reach
   * it (no such socket, no permission, forwarding disabled), TIMEOUT when `signal` aborts first.
   * The stream fails with LINK_LOST when the channel or the connection ends before we end it.
   */
  openStreamLocal(path: string, signal?: AbortSignal): Promise<ChannelStream> {
    const details = { ...this.details, socket: path };
    const error = (reason: SshLinkFailureReason, detail: string, cause?: unknown) => SshSession.error(details, reason, detail, cause);
    if (!this.alive) return Promise.reject(error("LINK_LOST", "the ssh connection is closed"));
    if (signal?.aborted) return Promise.reject(error("TIMEOUT", `gave up opening a channel to ${path}: the deadline passed`));
    return new Promise((resolve, reject) => {
      let settled = false;
      const onAbort = (): void => {
        settled = true;
        reject(error("TIMEOUT", `gave up opening a channel to ${path}: the deadline passed`));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.client.openssh_forwardOutStreamLocal(path, (err: Error | undefined, channel: ClientChannel) => {
        signal?.removeEventListener("abort", onAbort);
        if (settled) return void channel?.destroy();
        settled = true;
        if (err) return reject(error(this.alive ? "FORWARD_REFUSED" : "LINK_LOST", `opening a channel to ${path}: ${err.message}`, err));
        resolve(new ChannelStream(channel, this.client, (why, cause) => error("LINK_LOST", why, cause), false));
      });
    });
  }

  /** Lets the process exit while the connection is idle (or keeps it alive again). */
  hold(alive: boolean): void {
    const sock = (this.client as unknown as { _sock?: { ref?: () => void; unref?: () => void } })._sock;
    if (alive) sock?.ref?.();
    else sock?.unref?.();
  }

  /** Ends the connection (its channels close). Idempotent. */
  close(): void {
    this.closed = true;
    this.client.end();
  }
}
