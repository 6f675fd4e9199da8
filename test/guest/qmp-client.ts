/**
 * The fixtures' own minimal QMP client ({@link QmpClient}, {@link QmpError}): deliberately independent of
 * provider/qmp so that fixtures do not share bugs with the code under test.
 */
import * as net from "node:net";
import { pollUntil } from "./exec";

/** The greeting QEMU sends first on a QMP connection. */
export interface QmpGreeting {
  QMP: { version: { qemu: { major: number; minor: number; micro: number }; package: string }; capabilities: string[] };
}

/** An asynchronous QMP event, as received. */
export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

/** Error reply from QMP (`{"error":{"class","desc"}}`). */
export class QmpError extends Error {
  constructor(
    readonly command: string,
    readonly errorClass: string,
    readonly desc: string,
  ) {
    super(`QMP ${command}: ${errorClass}: ${desc}`);
    this.name = "QmpError";
  }
}

/**
 * Minimal QMP client for fixtures: greeting, qmp_capabilities, id-matched commands, events collected in
 * {@link QmpClient.events}. QEMU serves one QMP client per socket at a time: close() it when done so that the
 * code under test can connect.
 */
export class QmpClient {
  readonly events: QmpEvent[] = [];
  private buf = "";
  private nextId = 1;
  private pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void; cmd: string }>();
  private eventWaiters: Array<{ match: (ev: QmpEvent) => boolean; resolve: (ev: QmpEvent) => void }> = [];
  private closedErr: Error | undefined;

  private constructor(
    private readonly sock: net.Socket,
    readonly greeting: QmpGreeting,
    initial: string,
  ) {
    this.buf = initial;
    sock.on("data", (d) => this.onData(d.toString("utf8")));
    const onClose = (err?: Error) => {
      this.closedErr ??= err ?? new Error("QMP connection closed");
      for (const p of this.pending.values()) p.reject(this.closedErr);
      this.pending.clear();
    };
    sock.on("error", onClose);
    sock.on("close", () => onClose());
    this.onData("");
  }

  /** Connects (retrying until the socket exists and accepts, up to timeoutMs), reads the greeting, negotiates. */
  static async connect(socketPath: string, timeoutMs = 10_000): Promise<QmpClient> {
    const { sock, greeting, rest } = await pollUntil(
      `QMP greeting on ${socketPath}`,
      () =>
        new Promise<{ sock: net.Socket; greeting: QmpGreeting; rest: string }>((resolve, reject) => {
          const s = net.createConnection(socketPath);
          let b = "";
          const fail = (e: Error) => {
            s.destroy();
            reject(e);
          };
          s.on("error", fail);
          s.on("close", () => fail(new Error("closed before greeting")));
          s.on("data", (d) => {
            b += d.toString("utf8");
            const nl = b.indexOf("\n");
            if (nl < 0) return;
            s.removeAllListeners();
            try {
              const g = JSON.parse(b.slice(0, nl)) as QmpGreeting;
              if (!g.QMP) throw new Error(`not a QMP greeting: ${b.slice(0, nl)}`);
              resolve({ sock: s, greeting: g, rest: b.slice(nl + 1) });
            } catch (e) {
              fail(e as Error);
            }
          });
        }),
      { timeoutMs, intervalMs: 20 },
    );
    const c = new QmpClient(sock, greeting, rest);
    await c.execute("qmp_capabilities");
    return c;
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf("\n")) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (!line) continue;
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (typeof msg.event === "string") {
        const ev = msg as unknown as QmpEvent;
        this.events.push(ev);
        this.eventWaiters = this.eventWaiters.filter((w) => {
          if (!w.match(ev)) return true;
          w.resolve(ev);
          return false;
        });
        continue;
      }
      const id = typeof msg.id === "string" ? msg.id : undefined;
      const p = id !== undefined ? this.pending.get(id) : undefined;
      if (!p || id === undefined) continue;
      this.pending.delete(id);
      if (msg.error) {
        const err = msg.error as { class?: string; desc?: string };
        p.reject(new QmpError(p.cmd, err.class ?? "?", err.desc ?? JSON.stringify(msg.error)));
      } else {
        p.resolve(msg.return);
      }
    }
  }

  /** Runs a command; resolves with its `return`, rejects with {@link QmpError}. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, timeoutMs = 30_000): Promise<T> {
    if (this.closedErr) return Promise.reject(this.closedErr);
    const id = `f${this.nextId++}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`QMP ${command}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        cmd: command,
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.sock.write(JSON.stringify(args ? { execute: command, arguments: args, id } : { execute: command, id }) + "\n");
    });
  }

  /** Resolves with the first event (already received or future) named `name` that satisfies `pred`. */
  waitEvent(name: string, timeoutMs: number, pred: (ev: QmpEvent) => boolean = () => true): Promise<QmpEvent> {
    const match = (ev: QmpEvent) => ev.event === name && pred(ev);
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (ev: QmpEvent) => {
          clearTimeout(timer);
          resolve(ev);
        },
      };
      const timer = setTimeout(() => {
        this.eventWaiters = this.eventWaiters.filter((w) => w !== waiter);
        reject(new Error(`no QMP event ${name} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.eventWaiters.push(waiter);
    });
  }

  /** Closes the connection; pending commands reject. */
  close(): void {
    this.sock.destroy();
  }
}
