/**
 * Running commands and waiting: {@link run} / {@link virsh} (rejecting with {@link CommandError}), {@link pollUntil}
 * (deadline-bounded polling; no fixed sleeps anywhere), and {@link uniqueName} with the pid helpers that let
 * cleanup recognise leftovers of dead test processes.
 */
import { execFile } from "node:child_process";
import { LIBVIRT_URI, POLL_MS } from "./paths";

/** Captured output of a command that exited 0. */
export interface ExecResult {
  stdout: string;
  stderr: string;
}

/** Error from a command: carries the exit code and both output streams. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly code: number | string | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`${command} failed (${code}): ${(stderr || stdout).trim()}`);
    this.name = "CommandError";
  }
}

/** Runs `file ARGS…` (no shell; default timeout 60 s); rejects with {@link CommandError} on failure. */
export function run(
  file: string,
  args: string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, env: opts.env ?? process.env, cwd: opts.cwd },
      (err, stdout, stderr) => {
        if (err) {
          const code = (err as NodeJS.ErrnoException & { code?: number | string }).code ?? null;
          const killed = (err as { killed?: boolean }).killed ? " (killed: timeout)" : "";
          reject(new CommandError(`${file} ${args.join(" ")}${killed}`, code, String(stdout), String(stderr)));
        } else {
          resolve({ stdout: String(stdout), stderr: String(stderr) });
        }
      },
    );
  });
}

/** Runs `virsh -c LIBVIRT_URI ARGS…`; rejects with {@link CommandError} (stderr has virsh's `error: …`). */
export function virsh(args: string[], timeoutMs = 60_000): Promise<ExecResult> {
  return run("virsh", ["-q", "-c", LIBVIRT_URI, ...args], { timeoutMs });
}

/** The stderr of a {@link CommandError}, or the stringified error otherwise: what virsh error matching looks at. */
export function stderrOf(e: unknown): string {
  return e instanceof CommandError ? e.stderr : String(e);
}

/**
 * Polls `probe` every `intervalMs` until it returns something other than `undefined`/`false`, or throws
 * `Timed out waiting for <what>` (with the last probe error, if any) after `timeoutMs`.
 * A probe that throws is retried unless the error has `fatal: true`.
 */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  opts: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? POLL_MS;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      if (isFatal(e)) throw e;
      lastErr = e;
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      const why = lastErr instanceof Error ? `: last error: ${lastErr.message}` : "";
      throw new Error(`Timed out after ${opts.timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, Math.min(interval, left)));
  }
}

/** An error marked `fatal: true`: {@link pollUntil} rethrows it at once instead of retrying. */
export function fatal(message: string): Error {
  return Object.assign(new Error(message), { fatal: true });
}

/** Whether `e` is marked `fatal: true` (see {@link fatal}). */
export function isFatal(e: unknown): boolean {
  return Boolean((e as { fatal?: boolean }).fatal);
}

let nameCounter = 0;
/**
 * `<prefix>-<pid>-<time36><n>`: unique across processes and runs; the embedded pid lets
 * cleanupLeftovers with `staleOnly` recognise leftovers of dead test processes.
 */
export function uniqueName(prefix: string): string {
  nameCounter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}${nameCounter.toString(36)}`;
}

/** The owning test process's pid embedded in a {@link uniqueName} name; undefined for other names. */
export function ownerPidOf(name: string): number | undefined {
  const m = /-(\d+)-[0-9a-z]+$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Whether a process with this pid exists (EPERM counts: it exists but belongs to someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
