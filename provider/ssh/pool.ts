/**
 * One SSH connection per host (user, port and credentials included) for the whole process,
 * shared by every channel that needs it: the QMP monitors and guest agents of all the VMs on
 * one hypervisor cost one handshake. A connection that dropped is opened again on the next use;
 * one idle for {@link SSH_IDLE_MS} is closed, and while idle it does not keep the process alive.
 * The pool lives in this module (one per process), never in the serialized provider.
 */
import { SshSession, resolveTarget, type SshTarget } from "./session";

/** Close a connection this long after its last channel closed. */
export const SSH_IDLE_MS = 5_000;

/** A session lent to one channel; `release()` gives it back (idempotent). */
export interface SshLease {
  readonly session: SshSession;
  release(): void;
}

interface Entry {
  opening: Promise<SshSession> | undefined;
  users: number;
  idle: ReturnType<typeof setTimeout> | undefined;
}

/** See the file comment. */
export class SshPool {
  private readonly entries = new Map<string, Entry>();
  /** Connections opened so far (a test counts handshakes with it). */
  opened = 0;

  constructor(private readonly idleMs = SSH_IDLE_MS) {}

  /** The pool key: everything that makes two connections different. */
  static key(target: SshTarget): string {
    const t = resolveTarget(target);
    return JSON.stringify([t.user, t.host, t.port, t.keyfile ?? "", t.knownHosts]);
  }

  /** A live session for `target`, opened (within `timeoutMs`) when there is none. */
  async acquire(target: SshTarget, timeoutMs: number, signal?: AbortSignal): Promise<SshLease> {
    const key = SshPool.key(target);
    const entry = this.entries.get(key) ?? { opening: undefined, users: 0, idle: undefined };
    this.entries.set(key, entry);
    entry.users++;
    if (entry.idle) clearTimeout(entry.idle);
    entry.idle = undefined;
    let session: SshSession;
    try {
      session = await this.live(entry, key, target, timeoutMs, signal);
    } catch (err) {
      this.done(entry, key);
      throw err;
    }
    session.hold(true);
    let released = false;
    return {
      session,
      release: () => {
        if (released) return;
        released = true;
        this.done(entry, key);
      },
    };
  }

  /**
   * The entry's session: the one open or opening (concurrent dials share one handshake, and its
   * failure), else a new one when the last one closed or failed.
   */
  private live(entry: Entry, key: string, target: SshTarget, timeoutMs: number, signal?: AbortSignal): Promise<SshSession> {
    const current = entry.opening;
    if (current) return current.then((s) => (s.alive ? s : this.reopen(entry, current, key, target, timeoutMs, signal)));
    return this.reopen(entry, undefined, key, target, timeoutMs, signal);
  }

  private reopen(entry: Entry, stale: Promise<SshSession> | undefined, key: string, target: SshTarget, timeoutMs: number, signal?: AbortSignal): Promise<SshSession> {
    if (entry.opening !== stale && entry.opening) return this.live(entry, key, target, timeoutMs, signal);
    const opening = SshSession.open(target, timeoutMs, signal);
    entry.opening = opening;
    opening.then((s) => {
      this.opened++;
      s.onClose(() => {
        if (entry.opening === opening) entry.opening = undefined;
        if (this.entries.get(key) === entry && entry.users === 0) this.entries.delete(key);
      });
    }, () => {
      if (entry.opening === opening) entry.opening = undefined;
    });
    return opening;
  }

  private done(entry: Entry, key: string): void {
    entry.users--;
    if (entry.users > 0) return;
    void entry.opening?.then((s) => s.hold(false), () => undefined);
    const timer = setTimeout(() => {
      if (entry.users > 0) return;
      this.entries.delete(key);
      void entry.opening?.then((s) => s.close(), () => undefined);
    }, this.idleMs);
    timer.unref();
    entry.idle = timer;
  }

  /** Closes every connection now (tests). */
  closeAll(): void {
    for (const [key, entry] of this.entries) {
      if (entry.idle) clearTimeout(entry.idle);
      void entry.opening?.then((s) => s.close(), () => undefined);
      this.entries.delete(key);
    }
  }
}

/** The process's SSH connections. */
export const sshPool = new SshPool();
