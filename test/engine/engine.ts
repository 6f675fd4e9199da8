/**
 * MiniEngine: plays the Pulumi engine for the resources of one Node dynamic provider.
 * Keeps a state (the "state file"), and for each command starts a fresh provider host — as
 * every `pulumi` command does — runs GetPluginInfo, Handshake and CheckConfig (both
 * unimplemented by the host, tolerated), Configure, then the steps of {@link ./steps}, and
 * stops the host. Only `pulumi-nodejs:dynamic…` resources are driven; others are ignored.
 */
import { namespacedConfig, type Registration } from "./capture";
import { FakeEngineService, type EngineLog } from "./engine-service";
import { ProviderHost, type Diagnostic } from "./plugin";
import { ProviderRpc } from "./rpc";
import { destroyStep, deleteResource, readStep, refreshStep, stepFor, type Call, type ResourceState, type StepContext, type StepReport } from "./steps";

/** Which command ran. */
export type Command = "up" | "preview" | "refresh" | "destroy";

/** What one command did: steps, RPCs, the host's output, errors, timings. */
export interface OperationReport {
  readonly command: Command;
  readonly steps: readonly StepReport[];
  readonly calls: readonly Call[];
  /** Lines the host printed (the CLI shows them as info diagnostics, not tied to a resource). */
  readonly diagnostics: readonly Diagnostic[];
  /** Errors not tied to a step (e.g. `--expect-no-changes`). */
  readonly errors: readonly string[];
  /** True when no step failed and `errors` is empty (the CLI's exit code 0). */
  readonly ok: boolean;
  /** Wall time of the command, and of the host start within it. */
  readonly ms: number;
  readonly hostStartMs: number;
  readonly pluginVersion: string;
}

/** Where the program lives and what config the stack has. */
export interface EngineOptions {
  /** The Pulumi project directory: the provider host's cwd. */
  readonly programDir: string;
  readonly project: string;
  readonly stack?: string;
  /** Stack config without namespace (`pulumi config set KEY VALUE`). */
  readonly config?: Readonly<Record<string, string>>;
  /**
   * Resource steps of `up` at once (`pulumi up --parallel`; the harness's resources never depend on
   * each other). Default 1, so tests read the calls in program order; Pulumi's own default is unbounded.
   */
  readonly parallel?: number;
}

/** Options of `preview`, like the CLI flags of the same names. */
export interface PreviewOptions {
  readonly refresh?: boolean;
  readonly expectNoChanges?: boolean;
}

/** The engine itself failed (the host died, an RPC broke): not a resource error. */
export class EngineError extends Error {
  override readonly name = "EngineError";
}

const isDynamic = (r: Registration) => r.type.startsWith("pulumi-nodejs:dynamic");

/**
 * The stand-in engine. Holds no process between commands: each command starts the engine
 * service and a provider host, and stops both before it returns.
 */
export class MiniEngine {
  /** The state: resources by URN, in creation order. */
  readonly state = new Map<string, ResourceState>();
  /** `Engine.Log` calls received over all commands (the Node host never makes any). */
  readonly engineLogs: EngineLog[] = [];

  constructor(private readonly opts: EngineOptions) {}

  /** `pulumi up`: creates, updates, replaces and deletes to match `regs`. */
  up(regs: readonly Registration[]): Promise<OperationReport> {
    return this.run("up", false, (ctx) => this.deploy(ctx, regs));
  }

  /** `pulumi preview [--refresh] [--expect-no-changes]`: Check and Diff only; the state is not changed. */
  preview(regs: readonly Registration[], opts: PreviewOptions = {}): Promise<OperationReport> {
    return this.run("preview", true, async (ctx, errors) => {
      const refreshed = opts.refresh ? await this.refreshAll(ctx) : [];
      const steps = refreshed.some((s) => s.error) ? refreshed : [...refreshed, ...(await this.deploy(ctx, regs))];
      const changes = steps.some((s) => s.op !== "same" && s.op !== "refresh");
      if (opts.expectNoChanges && changes) errors.push("error: no changes were expected but changes were proposed");
      return steps;
    });
  }

  /** `pulumi refresh`: Read every resource; drift becomes the new state and input baseline. */
  refresh(): Promise<OperationReport> {
    return this.run("refresh", false, (ctx) => this.refreshAll(ctx));
  }

  /** `pulumi destroy`: Delete every resource, newest first. */
  destroy(): Promise<OperationReport> {
    return this.run("destroy", false, async (ctx) => {
      const steps: StepReport[] = [];
      for (const old of [...ctx.state.values()].reverse()) {
        steps.push(await destroyStep(ctx, old));
        if (steps.at(-1)?.error) break;
      }
      return steps;
    });
  }

  private async deploy(ctx: StepContext, regs: readonly Registration[]): Promise<StepReport[]> {
    const wanted = regs.filter(isDynamic);
    const steps = await this.stepsFor(ctx, wanted);
    if (steps.some((s) => s.error)) return steps;
    const gone = [...ctx.state.values()].filter((s) => !wanted.some((r) => r.urn === s.urn)).reverse();
    for (const old of gone) {
      steps.push(await destroyStep(ctx, old));
      if (steps.at(-1)?.error) return steps;
    }
    for (const old of ctx.pendingDeletes.splice(0)) await deleteResource(ctx, old);
    return steps;
  }

  /**
   * One step per registration, `opts.parallel` at a time; after a failed step no new step starts
   * (the ones running finish), as the engine does. Steps are reported in program order.
   */
  private async stepsFor(ctx: StepContext, wanted: readonly Registration[]): Promise<StepReport[]> {
    const done: (StepReport | undefined)[] = [];
    let next = 0;
    let failed = false;
    const worker = async (): Promise<void> => {
      while (!failed && next < wanted.length) {
        const i = next++;
        const reg = wanted[i]!;
        done[i] = reg.readId === undefined ? await stepFor(ctx, reg) : await readStep(ctx, { ...reg, readId: reg.readId });
        if (done[i]!.error) failed = true;
      }
    };
    const width = Math.max(1, Math.min(this.opts.parallel ?? 1, wanted.length));
    await Promise.all(Array.from({ length: width }, worker));
    return done.filter((s): s is StepReport => s !== undefined);
  }

  private async refreshAll(ctx: StepContext): Promise<StepReport[]> {
    const steps: StepReport[] = [];
    for (const old of [...ctx.state.values()]) steps.push(await refreshStep(ctx, old));
    return steps;
  }

  private async run(
    command: Command,
    preview: boolean,
    body: (ctx: StepContext, errors: string[]) => Promise<StepReport[]>,
  ): Promise<OperationReport> {
    const t0 = Date.now();
    const stack = this.opts.stack ?? "dev";
    const config = namespacedConfig(this.opts.project, this.opts.config);
    const service = await FakeEngineService.start();
    const host = await ProviderHost.start({ ...this.opts, stack, config, engineAddress: service.address }).catch(async (err: unknown) => {
      await service.stop();
      throw err;
    });
    const rpc = new ProviderRpc(host.port);
    const ctx: StepContext = { rpc, preview, state: new Map(this.state), pendingDeletes: [], calls: [] };
    const errors: string[] = [];
    let result: Omit<OperationReport, "diagnostics" | "ms">;
    try {
      const pluginVersion = await rpc.pluginVersion();
      await rpc.probe("handshake");
      await rpc.probe("checkConfig");
      await rpc.configure(config);
      const steps = await body(ctx, errors);
      if (!preview) this.commit(ctx.state);
      const ok = errors.length === 0 && !steps.some((s) => s.error);
      result = { command, steps, calls: ctx.calls, errors, ok, hostStartMs: host.startMs, pluginVersion };
    } catch (err) {
      await host.stop();
      const output = host.diagnostics.map((d) => `  ${d.stream}: ${d.text}`).join("\n");
      throw new EngineError(`${command}: ${err instanceof Error ? err.message : String(err)}\nprovider host output:\n${output}`, { cause: err });
    } finally {
      rpc.close();
      await host.stop();
      await service.stop();
      this.engineLogs.push(...service.logs);
    }
    return { ...result, diagnostics: host.diagnostics, ms: Date.now() - t0 };
  }

  private commit(next: Map<string, ResourceState>): void {
    this.state.clear();
    for (const [urn, s] of next) this.state.set(urn, s);
  }
}
