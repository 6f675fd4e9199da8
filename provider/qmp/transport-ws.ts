/**
 * The gateway dialer: QMP or qemu-ga through a `pulumi-qemu-vcpu gateway` over `wss://` (one text message per
 * JSON line each way), behind the same {@link QmpDialer} seam as the socket dialers, so the monitor and agent
 * clients run unchanged on top. The bearer token goes in the upgrade request's Authorization header (never in
 * the URL); the server certificate is verified against `ca` or the system store.
 */
import { Duplex } from "node:stream";
import { WebSocket } from "ws";
import type { IncomingMessage } from "node:http";
import { QmpDialError, QmpGatewayRefusedError } from "./errors";
import type { QmpDialer } from "./transport";

/** Options of {@link gatewayDialer}. */
export interface GatewayDialOptions {
  /** The client's bearer token. */
  token: string;
  /** PEM CA certificate(s) the gateway's certificate must chain to; the system store when absent. */
  ca?: string | Buffer;
  /** The qemu-ga channel: the 0xFF sync byte the agent client writes is dropped (messages are whole lines), and
   * one is put before every message received so the client's resync finds it. */
  agent?: boolean;
  /** Bound of the TLS + WebSocket handshake (default 10 000 ms). */
  connectTimeoutMs?: number;
}

/** Largest message accepted from the gateway (a full `query-machines` is ~25 KB). */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Dials `url` (`wss://host:port/vm/<name>/qmp` or `…/agent`). */
export function gatewayDialer(url: string, opts: GatewayDialOptions): QmpDialer {
  return { target: url, dial: (signal) => dialGateway(url, opts, signal) };
}

function dialGateway(url: string, opts: GatewayDialOptions, signal?: AbortSignal): Promise<Duplex> {
  if (signal?.aborted) return Promise.reject(new QmpDialError(url, { cause: signal.reason }));
  return new Promise<Duplex>((resolve, reject) => {
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${opts.token}` },
      ...(opts.ca === undefined ? {} : { ca: opts.ca }),
      handshakeTimeout: opts.connectTimeoutMs ?? 10_000,
      maxPayload: MAX_MESSAGE_BYTES,
      perMessageDeflate: false,
      followRedirects: false,
    });
    const onAbort = (): void => fail(signal?.reason ?? new Error("connect aborted"));
    const settle = (): void => signal?.removeEventListener("abort", onAbort);
    const fail = (cause: unknown): void => {
      settle();
      ws.removeAllListeners();
      ws.on("error", () => undefined);
      ws.terminate();
      reject(new QmpDialError(url, { cause }));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    ws.once("error", fail);
    ws.once("unexpected-response", (_req: unknown, res: IncomingMessage) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body = (body + c).slice(0, 500)));
      res.on("end", () => fail(new QmpGatewayRefusedError(url, res.statusCode ?? 0, body.trim())));
      res.on("error", () => fail(new QmpGatewayRefusedError(url, res.statusCode ?? 0, body.trim())));
    });
    ws.once("open", () => {
      settle();
      ws.off("error", fail);
      resolve(new MessageLines(ws, opts.agent === true));
    });
  });
}

const LF = 0x0a;
const CR = 0x0d;
const SYNC = 0xff;

/** A byte stream over a WebSocket: each written line becomes one text message; each message, one line. */
class MessageLines extends Duplex {
  private partial: Buffer[] = [];

  constructor(
    private readonly ws: WebSocket,
    private readonly agent: boolean,
  ) {
    super();
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (isBinary) return this.destroy(new Error("the gateway sent a binary message"));
      this.push(this.agent ? Buffer.concat([Buffer.of(SYNC), data, Buffer.of(LF)]) : Buffer.concat([data, Buffer.of(LF)]));
    });
    ws.on("error", (err: Error) => this.destroy(err));
    ws.on("close", () => {
      this.once("end", () => this.destroy());
      this.push(null);
      this.resume();
    });
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    let start = 0;
    for (let lf = chunk.indexOf(LF); lf !== -1; lf = chunk.indexOf(LF, start)) {
      this.partial.push(chunk.subarray(start, lf));
      this.sendLine(Buffer.concat(this.partial));
      this.partial = [];
      start = lf + 1;
    }
    if (start < chunk.length) this.partial.push(chunk.subarray(start));
    done();
  }

  private sendLine(line: Buffer): void {
    let text = line.includes(SYNC) ? Buffer.from(line.filter((b) => b !== SYNC)) : line;
    if (text.length && text[text.length - 1] === CR) text = text.subarray(0, text.length - 1);
    if (text.length && this.ws.readyState === WebSocket.OPEN) this.ws.send(text.toString("utf8"));
  }

  override _final(done: (err?: Error | null) => void): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
    done(err);
  }
}
