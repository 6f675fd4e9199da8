/**
 * Composition root for connections: opens the {@link Hypervisor} an input names
 * (libvirt or raw QMP). One connection per provider operation, closed in `finally`.
 */
import type { Hypervisor } from "./apply";
import { LibvirtHypervisor } from "./backend/libvirt";
import { QmpHypervisor, qmpEndpoint } from "./backend/qmp/hypervisor";
import { gatewayCredentials } from "./gateway-token";
import { ProviderError } from "./errors";
import type { LiveState, VmCpuInputs } from "./spec";

/** The connection part of the inputs (a subset, so read/delete can pass old outputs). */
export type ConnectionSpec = Pick<VmCpuInputs, "libvirt" | "qmp" | "guestAgent">;

/** Opens the hypervisor for a connection spec. */
export async function openHypervisor(spec: ConnectionSpec): Promise<Hypervisor> {
  const useAgent = spec.guestAgent !== "off";
  if (spec.libvirt) return LibvirtHypervisor.open({ uri: spec.libvirt.uri, domain: spec.libvirt.domain, useAgent });
  if (spec.qmp?.url) return QmpHypervisor.open(spec.qmp, useAgent, undefined, gatewayCredentials(spec.qmp));
  if (spec.qmp) return QmpHypervisor.open(spec.qmp, useAgent);
  throw new ProviderError("INVALID_INPUT", "set one connection: libvirt or qmp");
}

/**
 * Runs `fn` with an open hypervisor and always closes it. Once `signal` aborts (the caller
 * stopped waiting), the connection is closed at once instead of when `fn` would have settled:
 * `fn`'s pending calls then reject, and a connection that opens after the abort is closed
 * without running `fn`.
 */
export async function withHypervisor<T>(spec: ConnectionSpec, fn: (hv: Hypervisor) => Promise<T>, signal?: AbortSignal): Promise<T> {
  const hv = await openHypervisor(spec);
  const close = () => hv.close().catch(() => undefined);
  try {
    signal?.throwIfAborted();
    signal?.addEventListener("abort", close, { once: true });
    return await fn(hv);
  } finally {
    signal?.removeEventListener("abort", close);
    await close();
  }
}

/**
 * Runs `fn` on the VM's hypervisor within `timeoutMs`: its result, or undefined when it did not
 * finish in time — and then the hypervisor is closed (or given back to the pool) right away, so
 * nothing waits behind the caller for a whole call timeout.
 */
export async function within<T>(spec: ConnectionSpec, timeoutMs: number, fn: (hv: Hypervisor) => Promise<T>): Promise<T | undefined> {
  const abandon = new AbortController();
  const expired = new Promise<undefined>((resolve) => abandon.signal.addEventListener("abort", () => resolve(undefined)));
  const timer = setTimeout(() => abandon.abort(), timeoutMs);
  try {
    return await Promise.race([withHypervisor(spec, fn, abandon.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads the VM within `timeoutMs` ({@link within}); undefined when it did not answer in time. */
export function readWithin(spec: ConnectionSpec, timeoutMs: number): Promise<LiveState | undefined> {
  return within(spec, timeoutMs, (hv) => hv.read());
}

/** How often {@link rereadAfterLoss} tries to connect again. */
const REREAD_RETRY_MS = 500;

/**
 * After an apply lost its connection half-way (QEMU or the daemon killed, the link dropped):
 * connects again and reads, retrying until `timeoutMs`, so the partial result records what the VM
 * has now instead of the old state. Undefined when the VM could not be read in that time.
 */
export async function rereadAfterLoss(spec: ConnectionSpec, timeoutMs: number): Promise<LiveState | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    const live = await readWithin(spec, left).catch(() => undefined);
    if (live) return live;
    await new Promise((r) => setTimeout(r, Math.min(REREAD_RETRY_MS, Math.max(0, deadline - Date.now()))));
  }
}

/**
 * The connection a resource id names (the inverse of {@link resourceId}), for `VmCpu.get`:
 * `<libvirt uri>#<uuid>` looks the domain up by UUID; `qmp:<socket>#…` and `qmp:<host>:<port>#…`
 * reach the QMP socket. INVALID_INPUT naming both forms for anything else.
 */
export function connectionFromId(id: string): Pick<VmCpuInputs, "libvirt" | "qmp"> {
  const hash = id.lastIndexOf("#");
  const [where, uuid] = hash < 0 ? [id, ""] : [id.slice(0, hash), id.slice(hash + 1)];
  const ssh = /^qmp:ssh:\/\/(?:([^@/]+)@)?([^:/]+)(?::(\d{1,5}))?(\/.*)$/.exec(where);
  if (ssh) {
    const [, user, host, port, socket] = ssh;
    return { qmp: { socket: socket!, ssh: { host: host!, ...(user ? { user } : {}), ...(port ? { port: Number(port) } : {}) } } };
  }
  if (where.startsWith("qmp:")) {
    const endpoint = where.slice(4);
    if (endpoint.startsWith("wss://")) return { qmp: { url: endpoint } };
    const tcp = /^(.+):(\d{1,5})$/.exec(endpoint);
    if (endpoint.startsWith("/") || !tcp) return { qmp: { socket: endpoint } };
    return { qmp: { host: tcp[1]!, port: Number(tcp[2]) } };
  }
  if (/^qemu(\+[a-z0-9]+)?:\/\//.test(where) && uuid) return { libvirt: { uri: where, domain: uuid } };
  throw new ProviderError(
    "INVALID_INPUT",
    `"${id}" is not a VmCpu id: use "<libvirt uri>#<domain uuid>" (e.g. qemu:///system#1b4e28ba-2fa1-11d2-883f-0016d3cca427), "qmp:<socket path>#<uuid>" or "qmp:ssh://root@host:22<socket path>#<uuid>"`,
  );
}

/** Stable resource id: the connection and the VM's UUID. */
export function resourceId(spec: ConnectionSpec, uuid: string): string {
  if (spec.libvirt) return `${spec.libvirt.uri}#${uuid}`;
  const endpoint = `qmp:${spec.qmp ? qmpEndpoint(spec.qmp) : "?"}`;
  return uuid.startsWith("qmp:") ? uuid : `${endpoint}#${uuid}`;
}
