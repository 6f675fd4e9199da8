/**
 * A Duplex over a child process's stdin/stdout (the RPC byte stream of qemu+ssh). The stream ends
 * only once the child has exited: a clean exit ends it, any other end destroys it with the error
 * `onExit` makes from the exit status and stderr, so pending calls fail at once with that cause.
 * Destroying the stream kills the child and completes once it has exited.
 */
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { Duplex } from "node:stream";
import type { SshExit } from "./ssh-diagnose";

/** Longest stderr tail kept for classification, in characters. */
const STDERR_KEEP = 8192;
/** How long a child may take to exit after SIGTERM before it gets SIGKILL, in ms. */
const KILL_GRACE_MS = 2_000;

/**
 * Maps how the child ended to the stream's error; undefined for a clean end. `afterEnd`: we had
 * ended our side first (a deliberate close), so an exit 0 is expected.
 */
export type ExitClassifier = (exit: SshExit, afterEnd: boolean) => Error | undefined;

/** The child's stdio as one Duplex; see the file comment. */
export class ChildStream extends Duplex {
  private stderr = "";
  private killedByUs = false;
  private ending = false;

  constructor(private readonly child: ChildProcessWithoutNullStreams, private readonly onExit: ExitClassifier) {
    super();
    child.stdout.on("data", (chunk: Buffer) => {
      if (!this.push(chunk)) child.stdout.pause();
    });
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      this.stderr = (this.stderr + text).slice(-STDERR_KEEP);
    });
    // A write to a child that died fails with EPIPE; the exit below reports why it died.
    child.stdin.on("error", () => undefined);
    child.once("close", (code, signal) => this.exited(code, signal));
  }

  /** What the child wrote to stderr so far (tail). */
  get stderrText(): string {
    return this.stderr;
  }

  /** The child's pid (for diagnostics and tests). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Keeps the process alive while the child runs (as net.Socket.ref). */
  ref(): this {
    this.child.ref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) (s as { ref?: () => void }).ref?.();
    return this;
  }

  /** Lets the process exit while the child runs (as net.Socket.unref; a pool's idle connection). */
  unref(): this {
    this.child.unref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) (s as { unref?: () => void }).unref?.();
    return this;
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.child.stdin.destroyed) return done();
    this.child.stdin.write(chunk, () => done());
  }

  override _final(done: (err?: Error | null) => void): void {
    this.ending = true;
    this.child.stdin.end();
    done();
  }

  /** Kills a running child and finishes once it has exited (SIGKILL if SIGTERM is ignored). */
  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return done(err);
    this.killedByUs = true;
    const hard = setTimeout(() => this.child.kill("SIGKILL"), KILL_GRACE_MS);
    this.child.once("exit", () => {
      clearTimeout(hard);
      done(err);
    });
    this.child.kill("SIGTERM");
  }

  private exited(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.destroyed) return;
    const err = this.killedByUs ? undefined : this.onExit({ code, signal, stderr: this.stderr }, this.ending);
    if (err) this.destroy(err);
    else this.push(null);
  }
}
