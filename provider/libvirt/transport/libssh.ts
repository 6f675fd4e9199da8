/**
 * qemu+libssh and qemu+libssh2: an in-process ssh client (the `ssh2` package) opens an OpenSSH
 * `direct-streamlocal@openssh.com` channel to the far side's libvirt socket (`socket=`), which
 * carries the RPC frames. The host key is checked against known_hosts (`known_hosts=`, default
 * ~/.ssh/known_hosts; `known_hosts_verify=normal|auto|ignore` as libvirt); authentication by
 * ssh-agent and private keys in `sshauth=` order (provider/ssh/auth.ts); ssh-level keepalive on.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import type { ClientChannel } from "ssh2";
import { SshError, type SshFailureReason } from "../errors";
import { ChannelStream } from "../../ssh/channel-stream";
import type { Dialer, DialerOptions } from "./dialer";
import { knownHostLine, parseKnownHosts, verifyHostKey, type HostKeyVerdict } from "../../ssh/known-hosts";
import { sshAuthAttempts } from "../../ssh/auth";
import type { SshParams } from "./ssh-params";

/** ssh-level keepalive: a probe every 5 s, the link declared lost after 3 unanswered (15–20 s). */
export const LIBSSH_KEEPALIVE_MS = 5_000;
const LIBSSH_KEEPALIVE_COUNT = 3;
/** Handshake bound when the dialer has no connect timeout, in ms. */
const DEFAULT_READY_TIMEOUT_MS = 20_000;

/** The ssh2 module, loaded on first dial: it takes ~100 ms to load, which local-socket users never pay. */
function ssh2(): typeof import("ssh2") {
  return require("ssh2") as typeof import("ssh2");
}

/** Reads known_hosts text, "" when the file does not exist. */
function readKnownHosts(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** Dials qemu+libssh / qemu+libssh2 in-process (transports "libssh", "libssh2"). */
export class LibsshDialer implements Dialer {
  readonly remote = true;

  constructor(readonly params: SshParams, private readonly opts: DialerOptions = {}) {}

  /** User name: the URI's, else root (libvirt's default for libssh). */
  get username(): string {
    return this.params.user ?? "root";
  }

  /** The known_hosts file consulted. */
  get knownHostsPath(): string {
    return this.params.knownHosts ?? join(homedir(), ".ssh", "known_hosts");
  }

  /** "libssh:user@host:port". */
  get target(): string {
    return `libssh:${this.username}@${this.params.host}:${this.params.port}`;
  }

  /** The SshError for a reason (message names the host and what to do). */
  error(reason: SshFailureReason, detail: string, cause?: unknown): SshError {
    const p = this.params;
    const details = { port: p.port, user: this.username, knownHosts: this.knownHostsPath, socket: p.socket };
    return new SshError(reason, p.host, detail, details, cause === undefined ? undefined : { cause });
  }

  /** Decides on the presented host key; records it under known_hosts_verify=auto when unknown. */
  checkHostKey(key: Buffer): HostKeyVerdict {
    const p = this.params;
    if (p.knownHostsVerify === "ignore") return "KNOWN";
    const verdict = verifyHostKey(parseKnownHosts(readKnownHosts(this.knownHostsPath)), p.host, p.port, key);
    if (verdict === "UNKNOWN" && p.knownHostsVerify === "auto") {
      appendFileSync(this.knownHostsPath, knownHostLine(p.host, p.port, key), { mode: 0o600 });
      return "KNOWN";
    }
    return verdict;
  }

  private classify(err: Error & { level?: string; code?: string }, verdict: HostKeyVerdict | undefined): SshError {
    const reason = ((): SshFailureReason => {
      if (verdict === "UNKNOWN") return "HOST_KEY_UNKNOWN";
      if (verdict === "CHANGED" || verdict === "REVOKED") return "HOST_KEY_CHANGED";
      if (err.level === "client-authentication") return "AUTH_REJECTED";
      if (err.code === "ECONNREFUSED") return "REFUSED";
      if (err.level === "client-timeout" || err.code === "ETIMEDOUT") return "TIMEOUT";
      if (err.level === "client-dns" || err.code === "EHOSTUNREACH" || err.code === "ENETUNREACH") return "UNREACHABLE";
      if (err.code === "ECONNRESET" || err.code === "EPIPE") return "LINK_LOST";
      return "FAILED";
    })();
    const detail = verdict === "UNKNOWN" || verdict === "CHANGED" || verdict === "REVOKED"
      ? `host key ${verdict.toLowerCase()} in ${this.knownHostsPath}` : err.message;
    return this.error(reason, detail, err);
  }

  /** Connects, authenticates and opens the channel to `socket=`; every failure is an SshError. */
  dial(signal?: AbortSignal): Promise<Duplex> {
    const p = this.params;
    if (signal?.aborted) return Promise.reject(this.error("TIMEOUT", "gave up: the connect deadline passed"));
    const attempts = sshAuthAttempts(p, this.username);
    if (attempts.length === 0) {
      const what = p.keyfile !== undefined ? `keyfile ${p.keyfile} cannot be read` : "no ssh-agent (SSH_AUTH_SOCK) and no default key in ~/.ssh";
      return Promise.reject(this.error("AUTH_REJECTED", `nothing to authenticate with: ${what}`));
    }
    return new Promise((resolve, reject) => {
      const client = new (ssh2().Client)();
      let verdict: HostKeyVerdict | undefined;
      let settled = false;
      const fail = (err: SshError): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener("abort", onAbort);
        client.end();
        reject(err);
      };
      const onAbort = (): void => fail(this.error("TIMEOUT", "gave up: the connect deadline passed"));
      signal?.addEventListener("abort", onAbort, { once: true });
      client.on("error", (err: Error) => fail(this.classify(err, verdict)));
      client.on("close", () => fail(this.error("LINK_LOST", "the ssh connection closed during setup")));
      client.on("ready", () => {
        // RPC calls are small request/reply frames: without this, Nagle + delayed ACK add ~40 ms each.
        client.setNoDelay(true);
        client.openssh_forwardOutStreamLocal(p.socket, (err: Error | undefined, channel: ClientChannel) => {
          if (err) return fail(this.error("FORWARD_REFUSED", `opening a channel to ${p.socket}: ${err.message}`, err));
          if (settled) return void channel.destroy();
          settled = true;
          signal?.removeEventListener("abort", onAbort);
          resolve(new ChannelStream(channel, client, (why, cause) => this.error("LINK_LOST", why, cause)));
        });
      });
      client.connect({
        host: p.host,
        port: p.port,
        username: this.username,
        hostVerifier: (key: Buffer) => (verdict = this.checkHostKey(key)) === "KNOWN",
        authHandler: attempts.map((a) => a.method),
        keepaliveInterval: LIBSSH_KEEPALIVE_MS,
        keepaliveCountMax: LIBSSH_KEEPALIVE_COUNT,
        readyTimeout: this.opts.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
      });
    });
  }
}
