/**
 * One libvirt connection per URI for the whole process, shared by concurrent operations.
 *
 * In a real `pulumi up` one dynamic-provider host process serves every `VmCpu` of the stack
 * (check, diff, update of each, many at once), so opening a connection per operation means
 * one SSH or TLS handshake per call. The pool keeps one connection per URI (the URI carries
 * the credentials: `keyfile=`, `pkipath=`, …), connects again after a drop, bounds the
 * operations running per host, and closes a connection after it has been idle for a while.
 * While idle, a connection does not keep the process alive (its socket is unref'd), so a
 * CLI or test process exits as soon as its work is done.
 *
 * The pool lives in this module (one per process), never in the serialized provider.
 */
import type { LibvirtClient } from "../../libvirt";
import type { Versions } from "./read";

/** A connection lent to one operation; give it back with `release()` (exactly once). */
export interface PooledConnection {
  readonly client: LibvirtClient;
  /** libvirt's and QEMU's versions, read once per connection. */
  readonly versions: Versions;
  /** Gives the connection back; the last release starts the idle timer. Idempotent. */
  release(): void;
}

/** How the pool opens a connection and reads its versions (the backend's `connect`). */
export interface PoolConnector {
  connect(uri: string): Promise<LibvirtClient>;
  versions(client: LibvirtClient): Promise<Versions>;
}

/** Options of {@link LibvirtPool}. */
export interface LibvirtPoolOptions {
  /** Close a connection this long after its last operation ended (default {@link DEFAULT_IDLE_MS}). */
  idleMs?: number;
  /** Operations running at once per URI; more wait their turn (default {@link DEFAULT_OPERATIONS_PER_HOST}). */
  operationsPerHost?: number;
}

/**
 * Idle time before a pooled connection closes. Long enough to span the gaps between the
 * engine's calls for one stack (check → diff → update across resources), short enough
 * that an ssh child does not linger long after the work is done.
 */
export const DEFAULT_IDLE_MS = 5_000;

/**
 * Operations per host at once. libvirtd serves at most 5 requests of one client at a time
 * (`max_client_requests`), so more than a few operations in flight only queue inside the
 * daemon; 16 keeps the pipe full without unbounded memory for a fleet of hundreds of VMs.
 */
export const DEFAULT_OPERATIONS_PER_HOST = 16;

interface Open {
  readonly client: LibvirtClient;
  readonly versions: Versions;
}

/** The pool's state for one URI. */
class Host {
  open: Open | undefined;
  connecting: Promise<Open> | undefined;
  active = 0;
  readonly waiting: (() => void)[] = [];
  idle: NodeJS.Timeout | undefined;

  /** Whether nothing uses or waits for this host's connection. */
  get unused(): boolean {
    return this.active === 0 && this.waiting.length === 0;
  }
}

/** Connections per libvirt URI, shared by the operations of this process. */
export class LibvirtPool {
  private readonly hosts = new Map<string, Host>();
  private readonly opened = new Map<string, number>();
  private readonly idleMs: number;
  private readonly perHost: number;

  constructor(private readonly connector: PoolConnector, opts: LibvirtPoolOptions = {}) {
    this.idleMs = opts.idleMs ?? DEFAULT_IDLE_MS;
    this.perHost = opts.operationsPerHost ?? DEFAULT_OPERATIONS_PER_HOST;
  }

  /**
   * Lends the URI's connection to one operation: waits for a free operation slot, then reuses
   * the open connection, joins one being opened, or opens one (rejecting with the connector's
   * error, the slot given back).
   */
  async acquire(uri: string): Promise<PooledConnection> {
    const host = this.host(uri);
    await this.slot(host);
    try {
      const open = await this.connection(uri, host);
      let released = false;
      return {
        client: open.client,
        versions: open.versions,
        release: () => {
          if (released) return;
          released = true;
          this.leave(uri, host);
        },
      };
    } catch (err) {
      this.leave(uri, host);
      throw err;
    }
  }

  /** Connections opened per URI so far (a benchmark's "connections per host"). */
  openedPerUri(): Record<string, number> {
    return Object.fromEntries(this.opened);
  }

  /** Closes every connection now (a CLI at exit, a test's afterAll); later acquires open new ones. */
  async closeAll(): Promise<void> {
    const hosts = [...this.hosts.values()];
    this.hosts.clear();
    await Promise.all(hosts.map(async (h) => {
      clearTimeout(h.idle);
      const open = h.open ?? (await h.connecting?.catch(() => undefined));
      await open?.client.close().catch(() => undefined);
    }));
  }

  private host(uri: string): Host {
    let host = this.hosts.get(uri);
    if (!host) this.hosts.set(uri, (host = new Host()));
    clearTimeout(host.idle);
    host.idle = undefined;
    return host;
  }

  /** Waits until fewer than `perHost` operations run on this host, then counts this one. */
  private async slot(host: Host): Promise<void> {
    if (host.active >= this.perHost) await new Promise<void>((resolve) => host.waiting.push(resolve));
    else host.active++;
    host.open?.client.setRef(true);
  }

  private connection(uri: string, host: Host): Promise<Open> {
    if (host.open && !host.open.client.closed) return Promise.resolve(host.open);
    host.open = undefined;
    host.connecting ??= this.dial(uri, host).finally(() => (host.connecting = undefined));
    return host.connecting;
  }

  private async dial(uri: string, host: Host): Promise<Open> {
    const client = await this.connector.connect(uri);
    this.opened.set(uri, (this.opened.get(uri) ?? 0) + 1);
    try {
      const open = { client, versions: await this.connector.versions(client) };
      // A drop (daemon restarted, link lost) forgets the connection; the next acquire opens another.
      client.on("close", () => {
        if (host.open === open) host.open = undefined;
      });
      host.open = open;
      return open;
    } catch (err) {
      await client.close().catch(() => undefined);
      throw err;
    }
  }

  /** One operation ended: hand its slot to a waiter, or start the idle timer when none is left. */
  private leave(uri: string, host: Host): void {
    const next = host.waiting.shift();
    if (next) return next(); // the slot passes on; `active` stays
    host.active--;
    if (!host.unused) return;
    host.open?.client.setRef(false);
    host.idle = setTimeout(() => void this.retire(uri, host), this.idleMs);
    host.idle.unref();
  }

  /** Closes an idle host's connection and forgets the host. */
  private async retire(uri: string, host: Host): Promise<void> {
    if (!host.unused || this.hosts.get(uri) !== host) return;
    this.hosts.delete(uri);
    const open = host.open;
    host.open = undefined;
    await open?.client.close().catch(() => undefined);
  }
}
