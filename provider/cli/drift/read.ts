/**
 * Reads the live state of every target: one libvirt connection per host (targets grouped
 * by URI), hosts in parallel up to a bound, the VMs of one host concurrently over that one
 * connection up to a bound, each host within a deadline. A raw-QMP VM is its own "host" with
 * its own connection (the provider's `withHypervisor`). Every VM gets an outcome; a host
 * that can't be reached marks its VMs `unreachable` and the other hosts are still read.
 */
import { LibvirtHypervisor, type Versions } from "../../backend/libvirt";
import { withHypervisor } from "../../connect";
import { describeCause, hasCode } from "../../errors";
import { isNoDomain, type LibvirtClient } from "../../libvirt";
import type { LiveState } from "../../spec";
import { CliError } from "../errors";
import { mapBounded, settledBy } from "../pool";
import { domainOf, hostOf, type DriftTarget } from "./target";

/** What reading one target gave. */
export type ReadOutcome =
  | { readonly kind: "live"; readonly live: LiveState }
  | { readonly kind: "gone" | "unreachable" | "failed"; readonly reason: string };

/** How one host went (for progress lines and the summary). */
export interface HostReport {
  readonly host: string;
  readonly vms: number;
  readonly ms: number;
  /** Set when the host could not be reached (or did not answer in time). */
  readonly unreachable?: string;
}

/** Bounds and callbacks of {@link readAll}. */
export interface ReadOptions {
  /** Hosts read at the same time. */
  readonly hostConcurrency: number;
  /** VMs of one host read at the same time over its connection. */
  readonly vmConcurrency: number;
  /** A host's connect + reads must finish within this; the rest become `unreachable`. */
  readonly hostTimeoutMs: number;
  /** Called as each VM's outcome is known. */
  readonly onVm?: (target: DriftTarget, outcome: ReadOutcome) => void;
  /** Called as each host finishes. */
  readonly onHost?: (report: HostReport) => void;
}

/** Result of {@link readAll}: outcomes in target order, and one report per host. */
export interface ReadResult {
  readonly outcomes: readonly ReadOutcome[];
  readonly hosts: readonly HostReport[];
}

/** Error codes (libvirt client, QMP client) that mean the connection, not the VM, failed. */
const HOST_FAILURES: ReadonlySet<string> = new Set(["CONNECTION_CLOSED", "CALL_TIMEOUT", "KEEPALIVE_TIMEOUT", "QMP_CONNECTION_CLOSED", "QMP_TIMEOUT", "QMP_DIAL_FAILED"]);

/** Lost connections and per-call timeouts are the host's fault, not the VM's. */
function isHostFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return err instanceof Error && typeof code === "string" && HOST_FAILURES.has(code);
}

/** Classifies a failed read of one VM. */
export function outcomeOfError(err: unknown): ReadOutcome {
  if (hasCode(err, "VM_NOT_FOUND") || isNoDomain(err)) return { kind: "gone", reason: describeCause(err) };
  if (hasCode(err, "CONNECTION_FAILED") || isHostFailure(err)) return { kind: "unreachable", reason: describeCause(err) };
  return { kind: "failed", reason: describeCause(err) };
}

/** Reads one domain over a shared connection (the provider's own read path). */
export async function readDomainOver(client: LibvirtClient, target: DriftTarget, versions?: Versions): Promise<ReadOutcome> {
  try {
    // Only libvirt targets come here (grouped by URI); a QMP one has no domain and is read over QMP.
    const hv = await LibvirtHypervisor.forDomain(client, domainOf(target.desired) ?? "", target.desired.guestAgent !== "off", false, versions);
    return { kind: "live", live: await hv.read() };
  } catch (err) {
    return outcomeOfError(err);
  }
}

/** The reason given for the VMs of a host that missed its deadline. */
const timeoutReason = (host: string, ms: number) => describeCause(new CliError("HOST_TIMEOUT", `${host} did not answer within ${ms / 1000} s`));

/** Connects within the deadline; the reason when it can't. */
async function connectBy(host: string, deadline: number, timeoutMs: number): Promise<LibvirtClient | string> {
  const connecting = LibvirtHypervisor.connect(host);
  if (!(await settledBy(connecting, deadline))) {
    connecting.then((c) => c.close(), () => undefined);
    return timeoutReason(host, timeoutMs);
  }
  return connecting.catch((err: unknown) => describeCause(err));
}

/**
 * Reads the targets of one libvirt host over one connection; outcomes in target order,
 * each also passed to `opts.onVm` as soon as it is known.
 */
export async function readHost(host: string, targets: readonly DriftTarget[], opts: ReadOptions): Promise<ReadOutcome[]> {
  const deadline = Date.now() + opts.hostTimeoutMs;
  const settle = (i: number, o: ReadOutcome): ReadOutcome => (opts.onVm?.(targets[i] as DriftTarget, o), o);
  const client = await connectBy(host, deadline, opts.hostTimeoutMs);
  if (typeof client === "string") return targets.map((_, i) => settle(i, { kind: "unreachable", reason: client }));
  const outcomes: (ReadOutcome | undefined)[] = Array.from({ length: targets.length }, () => undefined);
  let expired = false;
  const versions = LibvirtHypervisor.versions(client);
  const work = mapBounded(targets, opts.vmConcurrency, async (t, i) => {
    const outcome = await readDomainOver(client, t, await versions.catch(() => undefined));
    if (!expired) outcomes[i] = settle(i, outcome);
  });
  try {
    if (!(await settledBy(work, deadline))) {
      expired = true;
      await client.close(); // pending calls fail at once; their results are discarded
      await work.catch(() => undefined);
    }
  } finally {
    await client.close().catch(() => undefined);
  }
  return outcomes.map((o, i) => o ?? settle(i, { kind: "unreachable", reason: timeoutReason(host, opts.hostTimeoutMs) }));
}

/**
 * Reads the raw-QMP targets of one endpoint one after the other (QEMU serves one QMP client
 * per socket), each over its own connection, within the host deadline.
 */
export async function readQmpEndpoint(host: string, targets: readonly DriftTarget[], opts: ReadOptions): Promise<ReadOutcome[]> {
  const deadline = Date.now() + opts.hostTimeoutMs;
  const outcomes: ReadOutcome[] = [];
  for (const t of targets) {
    const reading = withHypervisor(t.desired, (hv) => hv.read()).then((live): ReadOutcome => ({ kind: "live", live }), outcomeOfError);
    const outcome = (await settledBy(reading, deadline)) ? await reading : { kind: "unreachable" as const, reason: timeoutReason(host, opts.hostTimeoutMs) };
    opts.onVm?.(t, outcome);
    outcomes.push(outcome);
  }
  return outcomes;
}

/** Reads every target: grouped by host (libvirt URI or QMP endpoint), hosts in parallel (bounded). */
export async function readAll(targets: readonly DriftTarget[], opts: ReadOptions): Promise<ReadResult> {
  const outcomes = new Array<ReadOutcome>(targets.length);
  const groups = new Map<string, number[]>();
  targets.forEach((t, i) => {
    const host = hostOf(t.desired);
    groups.set(host, [...(groups.get(host) ?? []), i]);
  });
  const hosts = await mapBounded([...groups], opts.hostConcurrency, async ([host, indexes]) => {
    const t0 = Date.now();
    const group = indexes.map((i) => targets[i] as DriftTarget);
    const read = await (group[0]?.desired.libvirt ? readHost(host, group, opts) : readQmpEndpoint(host, group, opts));
    read.forEach((o, k) => void (outcomes[indexes[k] as number] = o));
    const down = read.every((o) => o.kind === "unreachable") ? read[0] : undefined;
    const report: HostReport = { host, vms: group.length, ms: Date.now() - t0, ...(down && down.kind !== "live" ? { unreachable: down.reason } : {}) };
    opts.onHost?.(report);
    return report;
  });
  return { outcomes, hosts };
}
