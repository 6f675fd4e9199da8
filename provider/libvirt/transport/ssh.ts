/**
 * qemu+ssh: the system `ssh` client (so ~/.ssh/config, ProxyJump and ssh-agent apply) runs the
 * far side's virt-ssh-helper or `nc -U socket`; its stdin/stdout carry the RPC frames. Command
 * line as libvirt's own client (see ssh-command.ts); failures classified from stderr (ssh-diagnose.ts).
 */
import { spawn } from "node:child_process";
import type { Duplex } from "node:stream";
import { SshError, type SshFailureReason } from "../errors";
import { ChildStream } from "./child-stream";
import type { Dialer, DialerOptions } from "./dialer";
import { sshArgv } from "./ssh-command";
import { classifySshExit, stderrTail, type SshExit } from "./ssh-diagnose";
import type { SshParams } from "./ssh-params";

/** Environment passed to ssh, as libvirt passes it (agent, askpass, Kerberos, display). */
const PASSED_ENV = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "SSH_AUTH_SOCK", "SSH_ASKPASS", "KRB5CCNAME", "DISPLAY", "XAUTHORITY"];

function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { LC_ALL: "C" };
  for (const k of PASSED_ENV) if (env[k] !== undefined) out[k] = env[k];
  return out;
}

/** Dials qemu+ssh by spawning the ssh client (transport "ssh"). */
export class SshDialer implements Dialer {
  readonly remote = true;

  constructor(readonly params: SshParams, private readonly opts: DialerOptions = {}) {}

  /** "ssh:user@host:port". */
  get target(): string {
    const p = this.params;
    return `ssh:${p.user ? `${p.user}@` : ""}${p.host}:${p.port}`;
  }

  /** The ssh binary and its arguments. */
  get argv(): readonly string[] {
    return [this.params.command, ...sshArgv(this.params, this.opts.timeoutMs)];
  }

  /** The SshError for a reason (message names the host and what to do). */
  error(reason: SshFailureReason, detail: string, cause?: unknown): SshError {
    const p = this.params;
    const details = { port: p.port, user: p.user, knownHosts: p.knownHosts, netcat: p.netcat, socket: p.socket, command: p.command };
    return new SshError(reason, p.host, detail, details, cause === undefined ? undefined : { cause });
  }

  private exitError(exit: SshExit, afterEnd: boolean): SshError | undefined {
    const reason = classifySshExit(exit) ?? (afterEnd ? undefined : "LINK_LOST");
    if (reason === undefined) return undefined;
    const how = exit.signal !== null ? `ssh killed by ${exit.signal}` : exit.code === 0 ? "the far side closed the connection" : `ssh exited with ${exit.code}`;
    const said = stderrTail(exit.stderr);
    return this.error(reason, said === "" ? how : `${how}: ${said}`);
  }

  /** Spawns ssh; resolves once it runs (authentication errors surface on the stream, at once). */
  dial(signal?: AbortSignal): Promise<Duplex> {
    if (signal?.aborted) return Promise.reject(this.error("TIMEOUT", "gave up: the connect deadline passed"));
    const [bin, ...args] = this.argv;
    return new Promise((resolve, reject) => {
      const child = spawn(bin!, args, { stdio: ["pipe", "pipe", "pipe"], env: childEnv(process.env) });
      const stream = new ChildStream(child, (exit, afterEnd) => this.exitError(exit, afterEnd));
      const onAbort = (): void => void stream.destroy();
      signal?.addEventListener("abort", onAbort, { once: true });
      stream.once("close", () => signal?.removeEventListener("abort", onAbort));
      child.once("error", (err: NodeJS.ErrnoException) => {
        stream.destroy();
        reject(err.code === "ENOENT" ? this.error("COMMAND_MISSING", `cannot run ${bin}: ${err.message}`, err) : this.error("FAILED", err.message, err));
      });
      child.once("spawn", () => resolve(stream));
    });
  }
}
