/**
 * The gateway server: HTTPS with a WebSocket upgrade on `/vm/<name>/qmp` and `/vm/<name>/agent`. The upgrade
 * is where a client is authenticated (its bearer token, compared against the stored hashes in constant time) and
 * authorised (the token's VMs); a refusal is an HTTP status with a one-line reason, and an audit line. After it,
 * a {@link Session} serves the connection.
 */
import { createServer, type Server } from "node:https";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { audit, type AuditSink } from "./audit";
import { bearerToken, findToken } from "./auth";
import { listenAddress, readTlsFiles, type GatewayConfig } from "./config";
import { GatewayError } from "./errors";
import { Session } from "./session";
import { VmUpstream } from "./upstream";
import type { Channel } from "./allowlist";

/** A running gateway. */
export interface Gateway {
  /** The port it listens on (the configured one, or the one picked for port 0). */
  readonly port: number;
  /** Stops accepting, closes every client and the connections to the VMs. */
  close(): Promise<void>;
}

const PATH = /^\/vm\/([A-Za-z0-9][A-Za-z0-9._-]{0,63})\/(qmp|agent)$/;

/** Starts the gateway; TLS_FILES when the certificate or key can't be read, LISTEN_FAILED when it can't bind. */
export async function startGateway(cfg: GatewayConfig, sink: AuditSink): Promise<Gateway> {
  const tls = readTlsFiles(cfg);
  const upstreams = new Map(Object.entries(cfg.vms).map(([name, vm]) => [name, new VmUpstream(name, vm)]));
  const clients = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: cfg.limits.maxMessageBytes, perMessageDeflate: false });
  let server: Server;
  try {
    server = createServer({ cert: tls.cert, key: tls.key, minVersion: "TLSv1.2" });
  } catch (cause) {
    throw new GatewayError("TLS_FILES", `the gateway's cert (${cfg.cert}) and key (${cfg.key}) are not a usable PEM pair: ${(cause as Error).message}`, { cause });
  }
  server.on("request", (_req, res) => {
    res.writeHead(426, { "content-type": "text/plain" }).end("this is a pulumi-qemu-vcpu gateway: connect with a WebSocket to /vm/<name>/qmp or /vm/<name>/agent\n");
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const remote = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    const url = new URL(req.url ?? "/", "https://gateway");
    const m = PATH.exec(url.pathname);
    const vm = m?.[1] ?? "-";
    const channel = (m?.[2] ?? "-") as Channel;
    const token = findToken(cfg.tokens, bearerToken(req.headers.authorization));
    const refuse = (status: number, reason: string): void => {
      audit(sink, { client: token?.name ?? "-", remote, vm, channel, command: "(connect)", verdict: "refused", reason });
      socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${reason}\n`);
    };
    if (!token) return refuse(401, req.headers.authorization ? "the bearer token is not one of this gateway's" : "no bearer token (Authorization: Bearer <token>)");
    if (!m) return refuse(404, `no such path ${url.pathname}: use /vm/<name>/qmp or /vm/<name>/agent`);
    const upstream = upstreams.get(vm);
    if (!upstream || !token.vms.includes(vm)) return refuse(403, `token "${token.name}" may not reach VM "${vm}"`);
    if (channel === "agent" && !upstream.hasAgent) return refuse(404, `VM "${vm}" has no guest-agent socket in the gateway config`);
    if (clients.size >= cfg.limits.maxClients) return refuse(503, `the gateway serves at most ${cfg.limits.maxClients} connections at once`);
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on("close", () => clients.delete(ws));
      const who = { client: token.name, remote, vm, channel };
      audit(sink, { ...who, command: "(connect)", verdict: "connected" });
      const session = new Session(ws, who, upstream, cfg.limits, sink);
      session.start().catch((err: unknown) => {
        audit(sink, { ...who, command: "(connect)", verdict: "cut-off", reason: `QEMU's monitor is not reachable: ${(err as Error).message}` });
        ws.close(1011, "QEMU's monitor is not reachable");
      });
    });
  });
  const { host, port } = listenAddress(cfg.listen);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (cause) => reject(new GatewayError("LISTEN_FAILED", `the gateway can't listen on ${cfg.listen}: ${cause.message}`, { cause })));
    server.listen(port, host, () => resolve());
  });
  const bound = server.address();
  return {
    port: typeof bound === "object" && bound ? bound.port : port,
    async close() {
      for (const ws of clients) ws.terminate();
      wss.close();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await Promise.all([closed, ...[...upstreams.values()].map((u) => u.close())]);
    },
  };
}

const STATUS_TEXT: Record<number, string> = { 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 503: "Service Unavailable" };
