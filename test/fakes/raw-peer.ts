/**
 * A scripted unix-socket peer that speaks no protocol at all: it accepts, runs a script on
 * each client socket (stay silent, write garbage, write half a message and hang up), and
 * records when the client's socket closes. For the fault tests of connect deadlines, where
 * the point is what the client does when the far end misbehaves, and that it lets go.
 */
import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What the peer does with an accepted client socket. */
export type PeerScript = (client: net.Socket) => void;

/** Accepts and says nothing, ever. */
export const silent: PeerScript = () => undefined;

/** Writes `bytes` at once, then says nothing. */
export const answers = (bytes: string | Buffer): PeerScript => (c) => void c.write(bytes);

/** Writes `bytes`, then hangs up. */
export const answersAndCloses = (bytes: string | Buffer): PeerScript => (c) => void c.end(bytes);

/** A listening peer on a fresh temporary socket. */
export class RawPeer {
  /** Client sockets accepted so far. */
  accepted = 0;
  /** Client sockets that have closed (the client let go, or the script hung up). */
  closed = 0;
  private readonly sockets = new Set<net.Socket>();
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly server: net.Server, private readonly dir: string, readonly path: string) {}

  /** Listens; every accepted client gets `script`. `allowHalfOpen` keeps the peer's side open after the client's end(). */
  static async start(script: PeerScript, allowHalfOpen = false): Promise<RawPeer> {
    const dir = mkdtempSync(join(tmpdir(), "raw-peer-"));
    const server = net.createServer({ allowHalfOpen });
    const peer = new RawPeer(server, dir, join(dir, "sock"));
    server.on("connection", (s) => peer.accept(s, script));
    await new Promise<void>((resolve) => server.listen(peer.path, resolve));
    return peer;
  }

  /** Resolves once `n` client sockets have closed; rejects after `timeoutMs`. */
  waitClosed(n = 1, timeoutMs = 2000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => (this.waiters.delete(check), reject(new Error(`RawPeer: ${this.closed} of ${n} closed after ${timeoutMs} ms`))), timeoutMs);
      const check = (): void => {
        if (this.closed < n) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Destroys what is left, stops listening, removes the directory. */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private accept(s: net.Socket, script: PeerScript): void {
    this.accepted++;
    this.sockets.add(s);
    s.on("error", () => undefined);
    s.resume(); // read (and drop) what the client sends, so its end() reaches us as 'end' → 'close'
    s.on("close", () => {
      this.sockets.delete(s);
      this.closed++;
      for (const w of [...this.waiters]) w();
    });
    script(s);
  }
}

/**
 * The sockets this process holds open right now (`process._getActiveHandles()`, undocumented
 * but the only view that tells handles apart; getActiveResourcesInfo() gives type names only,
 * which Jest's own pipes make noisy). Compare two snapshots with {@link openedSince}.
 */
export function openSockets(): Set<unknown> {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return new Set(handles.filter((h) => h instanceof net.Socket && !h.destroyed));
}

/** Sockets open now that were not open in `before`. */
export function openedSince(before: Set<unknown>): unknown[] {
  return [...openSockets()].filter((s) => !before.has(s));
}

/** Elapsed ms of `work()` (the clock starts before it is called), with its settled value or error. */
export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const started = Date.now();
  try {
    const value = await work();
    return { ms: Date.now() - started, value };
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
}

/**
 * How much earlier than its deadline a timer may be seen to fire: libuv starts timers from
 * the loop's cached clock, which can lag Date.now() by a few ms. Anything more is a bug.
 */
export const EARLY_MS = 5;

/** Scheduling slack on a loaded 2-core host; a deadline that is not honoured misses it by seconds. */
export const MARGIN_MS = 300;

/** What a fault test expects of the attempt's timing. */
export interface FaultBounds {
  /** The deadline given to the client, in ms. */
  deadlineMs: number;
  /** True: the fault runs into the deadline (elapsed ≥ it); false: it fails sooner. */
  timesOut: boolean;
}

/**
 * Runs `attempt` (a connect against a misbehaving peer) and expects it to fail within
 * `bounds`, then — once `peerSawClose` resolves — no socket the attempt opened to be open
 * still. Returns the error for the caller's own assertions.
 */
export async function expectFault(attempt: () => Promise<unknown>, peerSawClose: () => Promise<unknown>, bounds: FaultBounds): Promise<unknown> {
  const before = openSockets();
  const { ms, error } = await timed(attempt);
  expect(error).toBeInstanceOf(Error);
  if (bounds.timesOut) expect(ms).toBeGreaterThanOrEqual(bounds.deadlineMs - EARLY_MS);
  expect(ms).toBeLessThanOrEqual(bounds.deadlineMs + MARGIN_MS);
  await peerSawClose();
  expect(openedSince(before)).toEqual([]);
  return error;
}
