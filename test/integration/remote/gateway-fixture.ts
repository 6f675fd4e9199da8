/**
 * A `pulumi-qemu-vcpu gateway` in the test process on 127.0.0.1 (a free port), with a test CA and a server
 * certificate for 127.0.0.1 made by openssl, the VMs and tokens a test gives, and its audit lines collected.
 * Also a raw WebSocket client for the cases the provider's own client never produces (no token, oversize
 * frames, a client that stops reading).
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { WebSocket } from "ws";
import type { AuditEntry } from "../../../provider/cli/gateway/audit";
import { hashToken } from "../../../provider/cli/gateway/auth";
import { parseGatewayConfig, type GatewayLimits, type GatewayVm } from "../../../provider/cli/gateway/config";
import { startGateway, type Gateway } from "../../../provider/cli/gateway/server";
import { makeCa, signCert, tempPkiDir } from "../../fakes/pki";

/** One client of the test gateway: its token (plaintext, as a user's stack config holds it) and VMs. */
export interface TestClient {
  name: string;
  token: string;
  vms: string[];
}

/** A running test gateway. */
export interface TestGateway {
  port: number;
  /** The CA file the provider verifies the gateway against (`qmp.ca`). */
  ca: string;
  /** `wss://127.0.0.1:PORT/vm/<name>`. */
  url(vm: string): string;
  /** Audit entries so far (time included). */
  audit: (AuditEntry & { time: string })[];
  close(): Promise<void>;
}

/** Starts a gateway serving `vms` to `clients`, with `limits` over the defaults. */
export async function startTestGateway(vms: Record<string, GatewayVm>, clients: TestClient[], limits: Partial<GatewayLimits> = {}): Promise<TestGateway> {
  const dir = tempPkiDir();
  const ca = makeCa(dir, "ca", "qvt gateway CA");
  const cert = join(dir, "gateway.pem");
  const key = join(dir, "gateway-key.pem");
  signCert(ca, { cn: "127.0.0.1", usage: "server", san: "IP:127.0.0.1,DNS:localhost" }, cert, key);
  const cfg = parseGatewayConfig({
    listen: "127.0.0.1:0",
    cert,
    key,
    vms,
    tokens: clients.map((c) => ({ name: c.name, sha256: hashToken(c.token), vms: c.vms })),
    limits,
  });
  const audit: TestGateway["audit"] = [];
  let gateway: Gateway;
  try {
    gateway = await startGateway(cfg, (e) => audit.push(e));
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port: gateway.port,
    ca: ca.cert,
    url: (vm) => `wss://127.0.0.1:${gateway.port}/vm/${vm}`,
    audit,
    async close() {
      await gateway.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What a raw upgrade attempt got: the open socket, or the HTTP status and body of the refusal. */
export type RawOutcome = { ws: WebSocket; greeting: string | undefined } | { status: number; body: string };

/** Opens a WebSocket to `url` with `headers` (e.g. no Authorization at all); waits for the first message on /qmp. */
export function rawConnect(url: string, ca: string, headers: Record<string, string> = {}): Promise<RawOutcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { ca: readFileSync(ca), headers, maxPayload: 64 * 1024 * 1024 });
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
    });
    ws.once("error", reject);
    ws.once("open", () => {
      if (!url.endsWith("/qmp")) return resolve({ ws, greeting: undefined });
      ws.once("message", (m) => resolve({ ws, greeting: m.toString() }));
    });
  });
}

/** Resolves with the close code once `ws` closes (or rejects after `timeoutMs`). */
export function closed(ws: WebSocket, timeoutMs: number): Promise<number> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve(-1);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still open after ${timeoutMs} ms`)), timeoutMs);
    ws.once("close", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}
