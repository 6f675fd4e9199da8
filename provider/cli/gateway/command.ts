/**
 * `pulumi-qemu-vcpu gateway --config FILE` (serve until SIGINT/SIGTERM) and `pulumi-qemu-vcpu gateway hash-token
 * [TOKEN | --new]` (print the SHA-256 to put in the config; `--new` makes a random token and prints both; with
 * neither, the token is read from stdin so it stays out of the shell history).
 */
import { parseArgs } from "node:util";
import { CliError } from "../errors";
import { auditSink } from "./audit";
import { hashToken, newToken } from "./auth";
import { loadGatewayConfig } from "./config";
import { startGateway } from "./server";

/** The streams the command uses. */
export interface GatewayIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly stdin: NodeJS.ReadableStream;
}

/** `gateway --help`. */
export const GATEWAY_USAGE = `Usage: pulumi-qemu-vcpu gateway --config FILE
       pulumi-qemu-vcpu gateway hash-token [TOKEN | --new]

Serves the QMP monitor and guest agent of the VMs named in FILE over wss:// to pulumi-qemu-vcpu
providers elsewhere (qmp: { url: "wss://HOST:PORT/vm/NAME" }), with a bearer token per client and
a command allowlist; every decision is an audit line (JSON). FILE (JSON):
  { "listen": "0.0.0.0:8443", "cert": "/etc/qvg/cert.pem", "key": "/etc/qvg/key.pem",
    "vms": { "web01": { "qmp": "/run/qemu/web01.qmp", "agent": "/run/qemu/web01.qga" } },
    "tokens": [ { "name": "ci", "sha256": "<hash-token output>", "vms": ["web01"] } ],
    "limits": { ... }, "audit": "/var/log/qvg-audit.jsonl" }

hash-token prints the SHA-256 of TOKEN (read from stdin when not given); --new makes a random
token and prints it, then its hash.
`;

const usage = (message: string) => new CliError("USAGE", message);

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString("utf8").trim();
}

async function hashTokenCommand(args: string[], io: GatewayIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { new: { type: "boolean" } } });
  if (values.new) {
    const token = newToken();
    io.stdout.write(`token:  ${token}\nsha256: ${hashToken(token)}\n`);
    return 0;
  }
  if (positionals.length > 1) throw usage("hash-token takes one token (or none, to read it from stdin)");
  const token = positionals[0] ?? (await readStdin(io.stdin));
  if (!token) throw usage("hash-token needs a token (an argument, or on stdin), or --new");
  io.stdout.write(`${hashToken(token)}\n`);
  return 0;
}

/** Runs `gateway …`; the server form resolves (with 0) only once a signal stopped it. */
export async function runGateway(args: string[], io: GatewayIo, signals: NodeJS.EventEmitter = process): Promise<number> {
  if (args[0] === "hash-token") return hashTokenCommand(args.slice(1), io);
  let parsed;
  try {
    parsed = parseArgs({ args, options: { config: { type: "string", short: "c" }, help: { type: "boolean", short: "h" } } });
  } catch (err) {
    throw usage((err as Error).message);
  }
  if (parsed.values.help) {
    io.stdout.write(GATEWAY_USAGE);
    return 0;
  }
  if (!parsed.values.config) throw usage("gateway needs --config FILE");
  const cfg = loadGatewayConfig(parsed.values.config);
  const gateway = await startGateway(cfg, auditSink(cfg.audit, io.stderr));
  io.stderr.write(`gateway: listening on ${cfg.listen.replace(/:\d+$/, `:${gateway.port}`)} (wss://), ${Object.keys(cfg.vms).length} VMs, ${cfg.tokens.length} tokens\n`);
  await new Promise<void>((resolve) => {
    signals.once("SIGINT", resolve);
    signals.once("SIGTERM", resolve);
  });
  await gateway.close();
  io.stderr.write("gateway: stopped\n");
  return 0;
}
