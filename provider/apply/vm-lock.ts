/**
 * One changing operation at a time per VM inside this process. Pulumi's dynamic-provider host
 * runs every `VmCpu` of a deployment in one process, so two resources naming one VM (4→2 and
 * 4→3 at once) meet here. The lock is module state, never state in the serialized provider
 * object. A waiter waits for the holder to finish — an event, not a poll — but only until
 * the holder's expiry (derived from its plan and timeouts, see plan/bounds.ts): past it, the
 * holder is taken to be stuck and the waiter fails with VM_BUSY naming it. Waiters go in
 * arrival order. Other processes are kept out by the backend's lease (Hypervisor.lease).
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { VmBusyError, type LeaseHolder } from "../errors";
import type { VmCpuInputs } from "../spec";
import type { Lease, Logger } from "./ports";

/** A held lock: the holder may move its expiry once it knows its plan. */
export interface VmHold {
  /** Sets the expiry (epoch ms) waiters judge the holder by; returns it. */
  extendTo(expires: number): number;
}

interface Entry {
  holder: LeaseHolder;
  readonly done: Promise<void>;
}

const held = new Map<string, Entry>();

/** The lock key of a VM: the libvirt URI and domain as given, or the QMP endpoint. */
export function vmKey(c: Pick<VmCpuInputs, "libvirt" | "qmp">): string {
  if (c.libvirt) return `libvirt:${c.libvirt.uri}#${c.libvirt.domain}`;
  const q = c.qmp;
  const where = q?.ssh ? `ssh://${q.ssh.host}:${q.ssh.port ?? 22}` : "";
  return `qmp:${where}${q?.socket ?? `${q?.host}:${q?.port}`}`;
}

/** A fresh owner id for one operation, `HOST:PID:RANDOM` (also what a lease names). */
export function newOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
}

/** Resolves when `done` settles or after `ms`, whichever is first (the timer is cleared). */
function doneOrAfter(done: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([done, expiry]).finally(() => clearTimeout(timer));
}

function stuck(who: LeaseHolder, other: LeaseHolder): VmBusyError {
  const name = other.resource ?? "another operation";
  return new VmBusyError(
    `${who.resource ?? "VmCpu"}: nothing was changed: ${name} (${other.operation}, ${other.owner}) in this process still holds the VM ` +
      `past its expected end ${new Date(other.expires).toISOString()}; it may be stuck. Retry once it has finished.`,
    other,
  );
}

/** Waits for the VM's turn, then holds it; see the module comment. */
async function acquire(key: string, who: LeaseHolder, log: Logger): Promise<Entry & { release: () => void }> {
  let logged = false;
  for (;;) {
    const current = held.get(key);
    if (!current) {
      let release!: () => void;
      const entry = { holder: { ...who }, done: new Promise<void>((resolve) => (release = resolve)) };
      held.set(key, entry);
      return Object.assign(entry, { release });
    }
    const left = current.holder.expires - Date.now();
    if (left <= 0) throw stuck(who, current.holder);
    if (!logged) log(`${who.resource ?? "VmCpu"}: waiting for ${current.holder.resource ?? "another operation"} (${current.holder.operation}) on the same VM to finish`);
    logged = true;
    await doneOrAfter(current.done, left);
  }
}

/**
 * Runs `fn` holding the VM `key` for `who` (whose `expires` is the first expiry, before a plan
 * exists). Always releases; VM_BUSY ({@link VmBusyError}) when the holder before outlives its expiry.
 */
export async function withVmLock<T>(key: string, who: LeaseHolder, log: Logger, fn: (hold: VmHold) => Promise<T>): Promise<T> {
  const entry = await acquire(key, who, log);
  try {
    return await fn({ extendTo: (expires) => (entry.holder = { ...entry.holder, expires }).expires });
  } finally {
    if (held.get(key) === entry) held.delete(key);
    entry.release();
  }
}

/** The lease of a backend that has nowhere to keep one: only this process's lock holds the VM. */
export const LOCAL_LEASE: Lease = { crossProcess: false, renew: async () => undefined, release: async () => undefined };
