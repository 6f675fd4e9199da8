/**
 * Starts Pulumi's real Node dynamic-provider host (`@pulumi/pulumi/cmd/dynamic-provider`,
 * what the engine's `pulumi-resource-pulumi-nodejs` plugin runs) — or another Node host of
 * the SDK that serves the same way, such as `cmd/run-policy-pack` — the way the engine does:
 * cwd = the program directory, the engine address as the last argument, the first stdout
 * line is the gRPC port, every later stdout/stderr line is a diagnostic. Stopped by killing
 * its process group (the engine kills the whole tree).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { processCpuMs, wallCapMs } from "../support/cpu-time";

/** How often a starting host's CPU time and wall time are checked against its budget. */
const START_CHECK_MS = 200;

/** How to start the host. */
export interface HostOptions {
  /** The Pulumi program's directory: the host's cwd; `__provider` requires resolve from here. */
  readonly programDir: string;
  /** Passed last on the command line, as the engine does (the Node host never dials it). */
  readonly engineAddress: string;
  readonly project: string;
  readonly stack: string;
  /** Namespaced stack config (`<project>:<key>` → value), exported as `PULUMI_CONFIG`. */
  readonly config: Readonly<Record<string, string>>;
  /**
   * How much CPU time the host may use before printing its port (default 30 s; it needs about 1 s): counted in
   * CPU, not wall time, so a host starved on a busy machine waits longer (up to the wall cap of
   * `test/support/cpu-time`), while one that spins or hangs still fails.
   */
  readonly startTimeoutMs?: number;
  /**
   * Which SDK host to run and its arguments (default: `@pulumi/pulumi/cmd/dynamic-provider`
   * with the engine address). E.g. `cmd/run-policy-pack` with `[engineAddress, "."]`.
   */
  readonly entry?: { readonly module: string; readonly args: readonly string[] };
}

/** One line the host printed after its port: the CLI shows these as info / info-error diagnostics. */
export interface Diagnostic {
  readonly stream: "stdout" | "stderr";
  readonly text: string;
}

/** The host exited or printed something other than a port before serving. */
export class HostStartError extends Error {
  override readonly name = "HostStartError";
}

/** The environment the engine gives a plugin: its own, plus project/config, minus the test runner's NODE_OPTIONS. */
function hostEnv(opts: HostOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env["NODE_OPTIONS"];
  env["PULUMI_NODEJS_PROJECT"] = opts.project;
  env["PULUMI_PROJECT"] = opts.project;
  env["PULUMI_NODEJS_STACK"] = opts.stack;
  env["PULUMI_CONFIG"] = JSON.stringify(opts.config);
  return env;
}

/** Splits a stream into lines and hands each to `onLine`. */
function eachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buf = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    buf += chunk;
    for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
      onLine(buf.slice(0, nl).replace(/\r$/, ""));
      buf = buf.slice(nl + 1);
    }
  });
  stream.on("end", () => buf && onLine(buf));
}

/** A running dynamic-provider host. */
export class ProviderHost {
  private readonly lines: Diagnostic[] = [];
  private exit: string | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    /** The port the host serves `pulumirpc.ResourceProvider` on. */
    readonly port: number,
    /** Milliseconds from spawn to the port line. */
    readonly startMs: number,
    pending: Diagnostic[],
  ) {
    this.lines.push(...pending);
    // "close", not "exit": it fires once the pipes are drained too, so no line is lost.
    this.exited = new Promise((resolve) => child.once("close", (code, signal) => {
      this.exit = signal ? `signal ${signal}` : `exit code ${code}`;
      resolve();
    }));
  }

  /** Spawns the host and resolves once it printed its port. */
  static start(opts: HostOptions): Promise<ProviderHost> {
    const entry = opts.entry ?? { module: "@pulumi/pulumi/cmd/dynamic-provider", args: [opts.engineAddress] };
    const script = require.resolve(entry.module, { paths: [opts.programDir] });
    const t0 = Date.now();
    const child = spawn(process.execPath, [script, ...entry.args], {
      cwd: path.resolve(opts.programDir),
      env: hostEnv(opts),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    return new Promise((resolve, reject) => {
      let host: ProviderHost | undefined;
      const early: Diagnostic[] = [];
      const fail = (why: string) => {
        clearInterval(timer);
        killGroup(child, "SIGKILL");
        reject(new HostStartError(`${script} ${why}; stderr:\n${early.map((d) => d.text).join("\n")}`));
      };
      const budgetMs = opts.startTimeoutMs ?? 30_000;
      const timer = setInterval(() => {
        const cpu = child.pid === undefined ? undefined : processCpuMs(child.pid);
        const wall = Date.now() - t0;
        const spent = (cpu ?? 0) > budgetMs || wall > wallCapMs(budgetMs);
        if (spent) fail(`printed no port after ${wall} ms, ${cpu ?? "?"} ms of its CPU time (budget ${budgetMs} ms of CPU, wall cap ${wallCapMs(budgetMs)} ms), host load ${os.loadavg()[0]!.toFixed(2)}`);
      }, START_CHECK_MS);
      const record = (stream: Diagnostic["stream"]) => (text: string) => {
        (host ? host.lines : early).push({ stream, text });
      };
      eachLine(child.stderr!, record("stderr"));
      let first = true;
      eachLine(child.stdout!, (line) => {
        if (!first) return record("stdout")(line);
        first = false;
        if (!/^\d+$/.test(line)) return fail(`printed ${JSON.stringify(line)} instead of its port`);
        clearInterval(timer);
        host = new ProviderHost(child, Number(line), Date.now() - t0, early);
        resolve(host);
      });
      child.once("exit", (code, signal) => host === undefined && fail(`exited (${signal ?? code}) before printing its port`));
      child.once("error", (e) => fail(`could not start: ${e.message}`));
    });
  }

  /** Process id of the host (also its process group id). */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Whether the host process is still running, or how it ended. */
  get status(): string {
    return this.exit ?? "running";
  }

  /** Every line the host printed after its port, in order (complete once {@link ProviderHost.stop} resolved). */
  get diagnostics(): readonly Diagnostic[] {
    return this.lines;
  }

  /** Kills the host's process group (SIGTERM, then SIGKILL after 5 s); resolves once it exited and its output is read. */
  async stop(): Promise<void> {
    if (this.exit) return;
    killGroup(this.child, "SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), 5000)));
    if ((await Promise.race([this.exited, deadline])) === "late") {
      killGroup(this.child, "SIGKILL");
      await this.exited;
    }
    clearTimeout(timer);
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}
