/**
 * The Pulumi dynamic provider for `VmCpu`: thin, stateless glue between Pulumi's
 * check/diff/create/read/update/delete and the spec, plan and backends. Opens one
 * connection per operation. Runs inside Pulumi's dynamic-provider host, so it logs to
 * stdout (shown by `pulumi up` as info diagnostics) with the resource name in each line.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { connectionFromId, rereadAfterLoss, within, withHypervisor, resourceId } from "./connect";
import { markUnconfirmed, unconfirmedOf, type Hypervisor, type Unconfirmed } from "./apply";
import { converge } from "./converge";
import { setStackConfig } from "./gateway-token";
import { ApplyError, ProviderError, describeCause, hasCode } from "./errors";
import { decide, describeStep, machineNotOffered, plan, refusalMessage } from "./plan";
import {
  VmCpuOutputs,
  checkInputs,
  containsUnknown,
  inputsFromOutputs,
  parseInputs,
  toOutputs,
  type LiveState,
  type VmCpuInputs,
} from "./spec";

type Props = Record<string, unknown>;

/** The resource name the SDK class passes as `__label`, when there is one. */
function nameOf(props: Props): string | undefined {
  return typeof props["__label"] === "string" ? props["__label"] : undefined;
}

/** `VmCpu <name>` for log lines and messages. */
function labelOf(props: Props): string {
  const name = nameOf(props);
  const lv = props["libvirt"] as { domain?: string } | undefined;
  const qmp = props["qmp"] as { socket?: string; host?: string; port?: number; ssh?: { host?: string }; url?: string } | undefined;
  if (!name && !lv && qmp?.ssh) return `VmCpu ${qmp.ssh.host}:${qmp.socket}`;
  return `VmCpu ${name ?? lv?.domain ?? qmp?.url ?? qmp?.socket ?? (qmp ? `${qmp.host}:${qmp.port}` : "?")}`;
}

const log = (message: string) => console.log(message);

/** Rethrows an apply failure so Pulumi records the state read afterwards (partial update). */
function partial(err: ApplyError & { live: LiveState }, id: string, desired: VmCpuInputs, name: string | undefined): never {
  const failure = err as ApplyError & { id?: string; properties?: Props; reasons?: string[] };
  failure.id = id;
  failure.properties = toOutputs(err.live, desired, name);
  failure.reasons = [err.message];
  throw failure;
}

async function apply(props: Props, id: string | undefined, known?: Unconfirmed): Promise<{ id: string; outs: VmCpuOutputs }> {
  const desired = parseInputs(props);
  const name = nameOf(props);
  const result = await withHypervisor(desired, async (hv) => {
    try {
      const { live, warnings } = await converge(hv, desired, labelOf(props), log, id === undefined ? "create" : "update", known);
      return { id: id ?? resourceId(desired, live.uuid), outs: toOutputs(live, desired, name, warnings) };
    } catch (err) {
      if (err instanceof ApplyError) return err;
      throw err;
    }
  });
  if (!(result instanceof ApplyError)) return result;
  // Read again only after the connection was given back: a shared one may be the one that dropped.
  const live = result.live ?? (await readAfterLoss(desired, labelOf(props)));
  if (!live) throw unreadable(result);
  const seen = markUnconfirmed(live, known ?? { instance: undefined, vcpuIds: [] });
  return partial(Object.assign(result, { live: seen }), id ?? resourceId(desired, live.uuid), desired, name);
}

/** How long an apply that lost its connection tries to connect again and read what the VM has now. */
const REREAD_AFTER_LOSS_MS = 15_000;

/** A failed step whose state could not be read afterwards: connect again (bounded) and read. */
async function readAfterLoss(desired: VmCpuInputs, label: string): Promise<LiveState | undefined> {
  log(`${label}: the state after the failure could not be read; connecting again to read it (up to ${REREAD_AFTER_LOSS_MS / 1000} s)`);
  return rereadAfterLoss(desired, REREAD_AFTER_LOSS_MS);
}

/** The failure, saying that the VM may have changed and its state could not be read. */
function unreadable(err: ApplyError): ApplyError {
  err.message = `${err.message}; the VM may have changed, and its state could not be read afterwards (not within ${REREAD_AFTER_LOSS_MS / 1000} s): run \`pulumi refresh\` before the next \`up\``;
  return err;
}

/** How long the read-only preview of an adoption may take before it gives up quietly. */
const PREVIEW_READ_MS = 5000;

/**
 * Preview of a create (adoption): Pulumi calls only `check` for a new resource, so the plan is
 * shown here — read-only, best effort. A restart-needing change under `coldChanges: "refuse"`
 * fails the preview naming the field; an unreachable VM (e.g. created by the same program)
 * only logs that the plan is made at apply time. A VM that does not answer within
 * PREVIEW_READ_MS leaves no connection open behind the preview ({@link readWithin}).
 */
async function previewAdoption(inputs: Props, label: string): Promise<dynamic.CheckFailure[]> {
  const desired = parseInputs(inputs);
  try {
    const seen = await within(desired, PREVIEW_READ_MS, async (hv) => {
      const live = await hv.read();
      return { live, machine: desired.machine ? await machineFailure(hv, desired.machine, live.arch) : undefined };
    });
    if (!seen) {
      log(`${label}: the VM did not answer within ${PREVIEW_READ_MS / 1000} s; the plan is made at apply`);
      return [];
    }
    const { live, machine } = seen;
    if (machine) return [machine];
    const p = plan(live, desired);
    if (p.refused.length) return [{ property: p.refused[0]!.field, reason: refusalMessage(label, p.refused) }];
    for (const line of [...p.steps.map(describeStep), ...p.blockers.map((b) => `fail unless fixed: ${b}`)]) log(`${label}: will ${line}`);
    if (!p.steps.length && !p.blockers.length) log(`${label}: will adopt ${live.name}; it already matches`);
    return [];
  } catch (err) {
    // A component older than a version gate allows is not "not there yet": preview fails naming it.
    if (hasCode(err, "VERSION_TOO_OLD")) return [{ property: desired.qmp ? "qmp" : "libvirt", reason: (err as Error).message }];
    log(`${label}: can't read the VM yet (${describeCause(err)}); the plan is made at apply`);
    return [];
  }
}

/** A check failure when the host's QEMU does not offer `machine` for `arch` (unknown when the backend can't tell). */
async function machineFailure(hv: Hypervisor, machine: string, arch: string): Promise<dynamic.CheckFailure | undefined> {
  const offer = await hv.machines?.(arch);
  const reason = offer && machineNotOffered(machine, offer.machines, offer.where);
  return reason ? { property: "machine", reason } : undefined;
}

/**
 * Preview of an update that changes `machine`: the host must offer it. Checked here, not at
 * diff, because diff must not connect; a VM that does not answer leaves it to apply.
 */
async function previewMachine(olds: Props, inputs: Props, label: string): Promise<dynamic.CheckFailure[]> {
  const desired = parseInputs(inputs);
  if (!desired.machine || olds["machine"] === desired.machine) return [];
  const machine = desired.machine;
  try {
    const failure = await within(desired, PREVIEW_READ_MS, async (hv) => machineFailure(hv, machine, (await hv.read({ guest: false })).arch));
    return failure ? [failure] : [];
  } catch (err) {
    log(`${label}: can't ask the host which machine types it offers (${describeCause(err)}); checked at apply`);
    return [];
  }
}

const SETTINGS = ["guestAgent", "coldChanges", "timeouts"] as const;

/** The connection a `get` names: the state's `libvirt`/`qmp` when given, else the id's. */
function connectionOf(id: string, props: Props): Pick<VmCpuInputs, "libvirt" | "qmp"> {
  const given = { libvirt: props["libvirt"], qmp: props["qmp"] } as Pick<VmCpuInputs, "libvirt" | "qmp">;
  return given.libvirt || given.qmp ? given : connectionFromId(id);
}

/**
 * `VmCpu.get(name, id, state?)`: the engine calls Read with the id and only what the program
 * passed. The VM is read live and recorded as it is (declared = what it has now), so nothing
 * is ever planned from it; the settings the state names (agent mode, timeouts) are kept.
 */
async function readExisting(id: string, props: Props): Promise<dynamic.ReadResult> {
  const conn = connectionOf(id, props);
  const given = Object.fromEntries(SETTINGS.filter((k) => props[k] !== undefined).map((k) => [k, props[k]]));
  const guestAgent = (given["guestAgent"] ?? "optional") as VmCpuInputs["guestAgent"];
  return withHypervisor({ ...conn, guestAgent }, async (hv) => {
    const live = await hv.read();
    const now = live.running ?? live.config;
    const libvirt = conn.libvirt ? { ...conn.libvirt, domain: live.name } : undefined;
    const settings = parseInputs({ ...given, libvirt, qmp: conn.qmp, maxVcpus: now?.maxVcpus, vcpus: live.running?.vcpus ?? live.config?.vcpus });
    const outs = toOutputs(live, settings, nameOf(props));
    return { id: resourceId(settings, live.uuid), props: outs, inputs: inputsFromOutputs(outs) };
  });
}

/** The `VmCpu` resource provider (the object Pulumi's dynamic-provider host calls). */
export const provider: dynamic.ResourceProvider = {
  /** The stack's config, for a gateway connection's token (kept in this module, never in state). */
  async configure(req: dynamic.ConfigureRequest): Promise<void> {
    setStackConfig((key) => req.config.get(key));
  },

  async check(olds: Props, news: Props): Promise<dynamic.CheckResult> {
    const { inputs, failures } = checkInputs(olds, news);
    const creating = Object.keys(olds ?? {}).filter((k) => !k.startsWith("__")).length === 0;
    if (failures.length || containsUnknown(inputs)) return { inputs, failures };
    if (!creating) return { inputs, failures: await previewMachine(olds, inputs, labelOf(inputs)) };
    return { inputs, failures: await previewAdoption(inputs, labelOf(inputs)) };
  },

  async diff(_id: string, olds: Props, news: Props): Promise<dynamic.DiffResult> {
    const stored = VmCpuOutputs.safeParse(olds);
    if (!stored.success || containsUnknown(news)) return { changes: true };
    const decision = decide(stored.data, parseInputs(news));
    const label = labelOf(news);
    if (decision.refusal) {
      const refusal = new ProviderError("COLD_CHANGE_REFUSED", decision.refusal);
      refusal.stack = "(the host prints the stack too; the message above is the whole story)";
      throw refusal;
    }
    for (const line of decision.summary) log(`${label}: will ${line}`);
    return { changes: decision.changes, replaces: [...decision.replaces], deleteBeforeReplace: false };
  },

  async create(inputs: Props): Promise<dynamic.CreateResult> {
    return apply(inputs, undefined);
  },

  async update(id: string, olds: Props, news: Props): Promise<dynamic.UpdateResult> {
    const stored = VmCpuOutputs.safeParse(olds);
    const { outs } = await apply(news, id, stored.success ? unconfirmedOf(stored.data) : undefined);
    return { outs };
  },

  async read(id: string, props?: Props): Promise<dynamic.ReadResult> {
    const parsed = VmCpuOutputs.safeParse(props ?? {});
    try {
      if (!parsed.success) return await readExisting(id, props ?? {});
      const stored = parsed.data;
      const settings = parseInputs(inputsFromOutputs(stored));
      return await withHypervisor(settings, async (hv) => {
        // A refresh keeps what earlier applies learned of this QEMU process (unplugs it never confirmed).
        const outs = toOutputs(markUnconfirmed(await hv.read(), unconfirmedOf(stored)), settings, stored.__label);
        return { id, props: { ...outs, declared: stored.declared }, inputs: inputsFromOutputs(outs) };
      });
    } catch (err) {
      if (hasCode(err, "VM_NOT_FOUND")) return { id: "", props: {} };
      throw err;
    }
  },

  async delete(): Promise<void> {
    // Deleting a VmCpu leaves the VM as it is: the resource only manages its CPUs.
  },
};
