/**
 * The engine's step rules for one resource, after Pulumi's `step_generator.go` / `step.go`:
 * - new resource: Check(olds = {}) → Create (preview: Check only);
 * - existing: Check(olds = old inputs) → Diff(old outputs, checked news, old inputs) →
 *   DIFF_NONE: same (new inputs, old outputs kept) | DIFF_SOME: Update, or Replace when
 *   `replaces` is non-empty | DIFF_UNKNOWN: the engine diffs old vs new inputs itself
 *   (`__provider` included);
 * - replace: Check again with no olds, then create-before-delete (the old one is deleted at
 *   the end of the deployment) unless `deleteBeforeReplace`;
 * - refresh: Read(id, old outputs, old inputs); id "" drops the resource; `inputs` in the
 *   reply become the new input baseline;
 * - `Resource.get` (a read resource): Read(id, the state the program passed, no inputs), in
 *   preview too; an empty id is the error "does not exist"; the resource is external: never
 *   updated or deleted;
 * - preview never calls Create, Update or Delete.
 */
import type { Registration } from "./capture";
import { changedKeys, deepEqual, type Props } from "./props";
import { RpcError, type DiffReply, type ProviderRpc, type Target } from "./rpc";

/** One resource as the state file records it. */
export interface ResourceState extends Target {
  readonly id: string;
  readonly inputs: Props;
  readonly outputs: Props;
  /** Read with `get`, not managed: destroy forgets it without Delete. */
  readonly external?: boolean;
}

/** What the engine did (or, in preview, would do) to one resource. */
export type StepOp = "create" | "same" | "update" | "replace" | "delete" | "refresh" | "read";

/** One step in an operation's report. */
export interface StepReport extends Target {
  readonly op: StepOp;
  /** Keys whose values differ, `__*` ignored: inputs (create/update/replace) or outputs (refresh). */
  readonly diffKeys: readonly string[];
  readonly replaceKeys: readonly string[];
  readonly deleteBeforeReplace: boolean;
  /** Set when the step failed (the operation stops after it). */
  readonly error?: string;
}

/** One resource RPC, in call order. */
export interface Call {
  readonly method: "check" | "diff" | "create" | "read" | "update" | "delete";
  readonly name: string;
}

/** A step failed: the text the CLI would print as the resource's error. */
export class StepError extends Error {
  override readonly name = "StepError";
}

/** What the step functions share during one operation. */
export interface StepContext {
  readonly rpc: ProviderRpc;
  readonly preview: boolean;
  /** Working state (committed by the engine when the operation is not a preview). */
  readonly state: Map<string, ResourceState>;
  /** Old resources replaced create-before-delete, deleted at the end. */
  readonly pendingDeletes: ResourceState[];
  readonly calls: Call[];
}

const target = (r: Target): Target => ({ urn: r.urn, name: r.name, type: r.type });
const value = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

async function check(ctx: StepContext, t: Target, olds: Props, news: Props): Promise<Props> {
  ctx.calls.push({ method: "check", name: t.name });
  const { inputs, failures } = await ctx.rpc.check(t, olds, news);
  if (failures.length === 0) return inputs;
  throw new StepError(failures.map((f) => f.property
    ? `${t.type} resource '${t.name}': property ${f.property} value {${value(news[f.property])}} has a problem: ${f.reason}`
    : `${t.type} resource '${t.name}' has a problem: ${f.reason}`).join("\n"));
}

/** Runs `fn`; a failed RPC becomes a {@link StepError}, after `onPartial` saw any partial state. */
async function guarded<T>(fn: () => Promise<T>, onPartial: (p: Props, id: string) => void = () => undefined): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof RpcError)) throw err;
    if (err.initFailure) onPartial(err.initFailure.properties, err.initFailure.id);
    throw new StepError(err.details, { cause: err });
  }
}

async function create(ctx: StepContext, t: Target, inputs: Props): Promise<void> {
  if (ctx.preview) return;
  ctx.calls.push({ method: "create", name: t.name });
  const keep = (outputs: Props, id: string) => ctx.state.set(t.urn, { ...t, id, inputs, outputs });
  const { id, outputs } = await guarded(() => ctx.rpc.create(t, inputs), keep);
  keep(outputs, id);
}

/** Deletes one resource (Delete uses the stored outputs, hence the stored `__provider`). */
export async function deleteResource(ctx: StepContext, old: ResourceState): Promise<void> {
  if (ctx.preview) return;
  ctx.calls.push({ method: "delete", name: old.name });
  await guarded(() => ctx.rpc.delete(target(old), old.id, old.outputs, old.inputs));
}

function opOf(diff: DiffReply, oldInputs: Props, news: Props): StepOp {
  if (diff.changes === "DIFF_NONE") return "same";
  if (diff.changes === "DIFF_UNKNOWN") return changedKeys(oldInputs, news, { skipInternal: false }).length ? "update" : "same";
  return diff.replaces.length ? "replace" : "update";
}

async function replace(ctx: StepContext, reg: Registration, old: ResourceState, diff: DiffReply): Promise<void> {
  const t = target(reg);
  const inputs = await check(ctx, t, {}, reg.inputs);
  if (ctx.preview) return;
  if (diff.deleteBeforeReplace) {
    await deleteResource(ctx, old);
    ctx.state.delete(old.urn);
  } else {
    ctx.pendingDeletes.push(old);
  }
  await create(ctx, t, inputs);
}

async function update(ctx: StepContext, old: ResourceState, news: Props): Promise<void> {
  if (ctx.preview) return;
  ctx.calls.push({ method: "update", name: old.name });
  const keep = (outputs: Props) => ctx.state.set(old.urn, { ...old, inputs: news, outputs });
  keep(await guarded(() => ctx.rpc.update(target(old), old.id, old.outputs, news, old.inputs), keep));
}

type Draft = { -readonly [K in keyof StepReport]: StepReport[K] };

async function runStep(ctx: StepContext, reg: Registration, old: ResourceState | undefined, r: Draft): Promise<void> {
  const t = target(reg);
  const news = await check(ctx, t, old?.inputs ?? {}, reg.inputs);
  if (!old) return create(ctx, t, news);
  ctx.calls.push({ method: "diff", name: t.name });
  const diff = await guarded(() => ctx.rpc.diff(t, old.id, old.outputs, news, old.inputs));
  r.op = opOf(diff, old.inputs, news);
  if (r.op === "same") {
    if (!ctx.preview) ctx.state.set(t.urn, { ...old, inputs: news });
    return;
  }
  Object.assign(r, { diffKeys: changedKeys(old.inputs, news, { skipInternal: true }), replaceKeys: diff.replaces, deleteBeforeReplace: diff.deleteBeforeReplace });
  return r.op === "update" ? update(ctx, old, news) : replace(ctx, reg, old, diff);
}

/** The up/preview step for one registered resource; a failure is reported in `error`. */
export async function stepFor(ctx: StepContext, reg: Registration): Promise<StepReport> {
  const old = ctx.state.get(reg.urn);
  const r: Draft = { ...target(reg), op: old ? "update" : "create", diffKeys: [], replaceKeys: [], deleteBeforeReplace: false };
  try {
    await runStep(ctx, reg, old, r);
  } catch (err) {
    if (!(err instanceof StepError)) throw err;
    r.error = err.message;
  }
  return r;
}

/** The refresh step for one stored resource: Read, then record what came back. */
export async function refreshStep(ctx: StepContext, old: ResourceState): Promise<StepReport> {
  const t = target(old);
  const base = { ...t, replaceKeys: [], deleteBeforeReplace: false };
  ctx.calls.push({ method: "read", name: t.name });
  try {
    const read = await guarded(() => ctx.rpc.read(t, old.id, old.outputs, old.inputs));
    if (read.id === "") {
      ctx.state.delete(old.urn);
      return { ...base, op: "delete", diffKeys: [] };
    }
    ctx.state.set(old.urn, { ...old, id: read.id, outputs: read.outputs, inputs: read.inputs ?? old.inputs });
    const diffKeys = changedKeys(old.outputs, read.outputs, { skipInternal: true });
    return { ...base, op: deepEqual(old.outputs, read.outputs) ? "same" : "refresh", diffKeys };
  } catch (err) {
    if (!(err instanceof StepError)) throw err;
    return { ...base, op: "refresh", diffKeys: [], error: err.message };
  }
}

/** The step of a `Resource.get`: Read the id with the state the program passed, record it as external. */
export async function readStep(ctx: StepContext, reg: Registration & { readId: string }): Promise<StepReport> {
  const t = target(reg);
  const base = { ...t, op: "read" as const, diffKeys: [], replaceKeys: [], deleteBeforeReplace: false };
  ctx.calls.push({ method: "read", name: t.name });
  try {
    const read = await guarded(() => ctx.rpc.read(t, reg.readId, reg.inputs, {}));
    if (read.id === "") throw new StepError(`resource '${reg.readId}' does not exist`);
    ctx.state.set(reg.urn, { ...t, id: read.id, outputs: read.outputs, inputs: read.inputs ?? {}, external: true });
    return base;
  } catch (err) {
    if (!(err instanceof StepError)) throw err;
    return { ...base, error: err.message };
  }
}

/** The destroy step for one stored resource (an external one is only forgotten). */
export async function destroyStep(ctx: StepContext, old: ResourceState): Promise<StepReport> {
  const base = { ...target(old), op: "delete" as const, diffKeys: [], replaceKeys: [], deleteBeforeReplace: false };
  try {
    if (!old.external) await deleteResource(ctx, old);
    ctx.state.delete(old.urn);
    return base;
  } catch (err) {
    if (!(err instanceof StepError)) throw err;
    return { ...base, error: err.message };
  }
}
