/**
 * Raw qemu-ga helpers, independent of provider/: {@link agentExchange} (one sync + command over a chardev socket,
 * for raw QEMU) and {@link guestCpuQueries} (the guest's CPU lists from guest-get-vcpus, for any agent transport).
 */
import * as net from "node:net";
import { pollUntil } from "./exec";
import { POLL_MS } from "./paths";

interface AgentVcpu {
  "logical-id": number;
  online: boolean;
  "can-offline"?: boolean;
}

function vcpuLists(vcpus: AgentVcpu[]): { present: number[]; online: number[] } {
  const sorted = [...vcpus].sort((a, b) => a["logical-id"] - b["logical-id"]);
  return { present: sorted.map((v) => v["logical-id"]), online: sorted.filter((v) => v.online).map((v) => v["logical-id"]) };
}

/** The `guestOnlineCpus` / `guestPresentCpus` methods of a fixture, over its `agentCommand` (guest-get-vcpus). */
export function guestCpuQueries(agentCommand: <T>(execute: string) => Promise<T>): {
  guestOnlineCpus(): Promise<number[]>;
  guestPresentCpus(): Promise<number[]>;
} {
  const guestVcpus = async () => vcpuLists(await agentCommand<AgentVcpu[]>("guest-get-vcpus"));
  return {
    async guestOnlineCpus() {
      return (await guestVcpus()).online;
    },
    async guestPresentCpus() {
      return (await guestVcpus()).present;
    },
  };
}

/**
 * One request/response exchange with qemu-ga over a chardev socket (raw QEMU). Opens a connection, syncs with
 * guest-sync-delimited (0xFF resync), optionally runs one command, closes. Connection-per-call keeps the socket
 * free for the code under test (a chardev socket serves one client at a time).
 *
 * Resolves with the command's `return` (undefined without a command). Errors from `abort()` are thrown marked
 * `fatal`; a broken or closed socket rejects with an error marked `connection: true`.
 */
export async function agentExchange<T>(
  socketPath: string,
  timeoutMs: number,
  command?: { execute: string; arguments?: Record<string, unknown> },
  resendMs = 250,
  abort: () => Error | undefined = () => undefined,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  const sock = await pollUntil(
    `agent socket ${socketPath}`,
    () =>
      new Promise<net.Socket>((resolve, reject) => {
        const why = abort();
        if (why) return reject(Object.assign(why, { fatal: true }));
        const s = net.createConnection(socketPath);
        s.once("connect", () => {
          s.removeAllListeners("error");
          resolve(s);
        });
        s.once("error", reject);
      }),
    { timeoutMs, intervalMs: 20 },
  );
  try {
    return await new Promise<T | undefined>((resolve, reject) => {
      let buf = Buffer.alloc(0);
      const sent = new Set<number>();
      let phase: "sync" | "final" | "command" = "sync";
      let finalId = -1;
      let resend: NodeJS.Timeout | undefined;
      const watchdog = setInterval(() => {
        const why = abort();
        if (why) finish(Object.assign(why, { fatal: true }));
      }, POLL_MS);
      const timer = setTimeout(() => finish(new Error(`qemu-ga on ${socketPath}: no answer within ${timeoutMs} ms`)), Math.max(0, deadline - Date.now()));
      const finish = (err?: Error, value?: T) => {
        clearTimeout(timer);
        clearInterval(watchdog);
        if (resend) clearInterval(resend);
        sock.removeAllListeners("data");
        if (err) reject(err);
        else resolve(value);
      };
      const sendSync = (): number => {
        const id = Math.floor(Math.random() * 2 ** 31);
        sent.add(id);
        sock.write(Buffer.concat([Buffer.from([0xff]), Buffer.from(JSON.stringify({ execute: "guest-sync-delimited", arguments: { id } }) + "\n")]));
        return id;
      };
      const onMessage = (msg: { return?: unknown; error?: { class?: string; desc?: string } }) => {
        if (phase === "sync" || phase === "final") {
          if (typeof msg.return !== "number" || !sent.has(msg.return)) return;
          if (phase === "sync") {
            if (resend) clearInterval(resend);
            resend = undefined;
            if (!command) return finish(undefined, undefined);
            // Earlier unanswered syncs may still be answered: one more sync with a fresh id drains them.
            phase = "final";
            finalId = sendSync();
            return;
          }
          if (msg.return !== finalId) return;
          phase = "command";
          sock.write(JSON.stringify(command) + "\n");
          return;
        }
        if (msg.error) return finish(new Error(`qemu-ga ${command?.execute}: ${msg.error.class}: ${msg.error.desc}`));
        finish(undefined, msg.return as T);
      };
      sock.on("data", (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        const ff = buf.lastIndexOf(0xff);
        if (ff >= 0) buf = buf.subarray(ff + 1); // delimiter: drop anything before it
        let nl: number;
        while ((nl = buf.indexOf(0x0a)) >= 0) {
          const line = buf.subarray(0, nl).toString("utf8").trim();
          buf = buf.subarray(nl + 1);
          if (!line) continue;
          try {
            onMessage(JSON.parse(line) as { return?: unknown });
          } catch {
            /* partial garbage from an earlier client: ignore */
          }
        }
      });
      sock.on("error", (e) => finish(Object.assign(new Error(`qemu-ga socket ${socketPath}: ${e.message}`), { connection: true })));
      sock.on("close", () => finish(Object.assign(new Error(`qemu-ga socket ${socketPath} closed`), { connection: true })));
      sendSync();
      resend = setInterval(sendSync, resendMs);
    });
  } finally {
    sock.destroy();
  }
}
