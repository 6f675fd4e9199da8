/**
 * Reads the live state of every target: one libvirt connection per host (targets grouped
 * by URI), hosts in parallel up to a bound, the VMs of one host concurrently over that one
 * connection up to a bound, each host within a deadline. Every VM gets an outcome; a host
 * that can't be reached marks its VMs `unreachable` and the other hosts are still read.
 */
import { LibvirtHypervisor } from "../../backend/libvirt";
import { describeCause, hasCode } from "../../errors";
import { isLibvirtClientError, isNoDomain, type LibvirtClient } from "../../libvirt";
import type { LiveState } from "../../spec";
import { mapBounded, settledBy } from "../pool";
import { domainOf, hostOf, type DriftTarget } from "./target";

/** What reading one target gave. */
export type ReadOutcome =
  | { readonly kind: "live"; readonly live: LiveState }
  | { readonly kind: "gone" | "unreachable" | "unsupported" | "failed"; readonly reason: string };

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

/** Lost connections and per-call timeouts are the host's fault, not the VM's. */
function isHostFailure(err: unknown): boolean {
  return isLibvirtClientError(err) && (err.code === "CONNECTION_CLOSED" || err.code === "CALL_TIMEOUT");
}

/** Classifies a failed read of one VM. */
export function outcomeOfError(err: unknown): ReadOutcome {
  if (hasCode(err, "VM_NOT_FOUND") || isNoDomain(err)) return { kind: "gone", reason: describeCause(err) };
  if (hasCode(err, "CONNECTION_FAILED") || isHostFailure(err)) return { kind: "unreachable", reason: describeCause(err) };
  return { kind: "failed", reason: describeCause(err) };
}

/** Reads one domain over a shared connection (the provider's own read path). */
export async function readDomainOver(client: LibvirtClient, target: DriftTarget): Promise<ReadOutcome> {
  try {
    const hv = await LibvirtHypervisor.forDomain(client, domainOf(target.desired), target.desired.guestAgent !== "off");
    return { kind: "live", live: await hv.read() };
  } catch (err) {
    return outcomeOfError(err);
  }
}

const timeoutReason = (host: string, ms: number) => `${host} did not answer within ${ms / 1000} s [HOST_TIMEOUT]`;

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
  const outcomes = new Array<ReadOutcome | undefined>(targets.length);
  let expired = false;
  const work = mapBounded(targets, opts.vmConcurrency, async (t, i) => {
    const outcome = await readDomainOver(client, t);
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

const unsupported: ReadOutcome = {
  kind: "unsupported",
  reason: "drift reads VMs through libvirt only for now; this VmCpu uses a raw QMP connection",
};

/** Reads every target: grouped by host, hosts in parallel (bounded). */
export async function readAll(targets: readonly DriftTarget[], opts: ReadOptions): Promise<ReadResult> {
  const outcomes = new Array<ReadOutcome>(targets.length);
  const groups = new Map<string, number[]>();
  targets.forEach((t, i) => {
    if (!t.desired.libvirt) {
      outcomes[i] = unsupported;
      opts.onVm?.(t, unsupported);
      return;
    }
    const host = hostOf(t.desired);
    groups.set(host, [...(groups.get(host) ?? []), i]);
  });
  const hosts = await mapBounded([...groups], opts.hostConcurrency, async ([host, indexes]) => {
    const t0 = Date.now();
    const group = indexes.map((i) => targets[i] as DriftTarget);
    const read = await readHost(host, group, opts);
    read.forEach((o, k) => void (outcomes[indexes[k] as number] = o));
    const down = read.every((o) => o.kind === "unreachable") ? read[0] : undefined;
    const report: HostReport = { host, vms: group.length, ms: Date.now() - t0, ...(down && down.kind !== "live" ? { unreachable: down.reason } : {}) };
    opts.onHost?.(report);
    return report;
  });
  return { outcomes, hosts };
}
