/**
 * The gateway's config file (JSON): where it listens, its TLS files, the VMs it serves (name → QMP socket and
 * optional guest-agent socket) and its clients' tokens (a name, the SHA-256 of the token, the VMs it may reach).
 * Tokens are never stored: `pulumi-qemu-vcpu gateway hash-token` prints the hash to put here.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { GatewayError } from "./errors";

const VM_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const VM_NAME_RULE = "a VM name is 1-64 letters, digits, '.', '_' or '-' (it is a URL path segment)";
const vmName = z.string().regex(VM_NAME, { error: VM_NAME_RULE });
const absPath = (what: string) => z.string().startsWith("/", { error: `${what} must be an absolute path` });

/** One VM the gateway serves: the host ends of its QMP monitor and (optionally) its qemu-ga chardev. */
export const GatewayVm = z.strictObject({
  qmp: absPath("qmp (QEMU's -qmp unix:PATH socket)"),
  agent: absPath("agent (the guest agent's chardev socket)").optional(),
});
export type GatewayVm = z.infer<typeof GatewayVm>;

/** One client: its name (in audit lines), the SHA-256 (hex) of its bearer token, the VMs it may reach. */
export const GatewayToken = z.strictObject({
  name: z.string().min(1).max(64),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, { error: "sha256 must be 64 lowercase hex digits (pulumi-qemu-vcpu gateway hash-token prints it)" }),
  vms: z.array(vmName).min(1, { error: "vms must name at least one VM" }),
});
export type GatewayToken = z.infer<typeof GatewayToken>;

/** Bounds per client connection. */
export const GatewayLimits = z.strictObject({
  /** Largest WebSocket message accepted; a bigger one closes the connection (1009). */
  maxMessageBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(64 * 1024),
  /** Commands per second per connection (token bucket refill); more are refused with an error reply. */
  commandsPerSecond: z.number().positive().max(10_000).default(50),
  /** Bucket size: commands a connection may send at once. */
  burst: z.number().int().min(1).max(100_000).default(100),
  /** A connection that sends nothing for this long is closed. */
  idleSeconds: z.number().positive().max(86_400).default(300),
  /** Replies and events queued for a client that does not read; past this the connection is cut. */
  maxBufferedBytes: z.number().int().min(1024).default(1024 * 1024),
  /** Connections at once (all clients); more are refused with HTTP 503. */
  maxClients: z.number().int().min(1).default(256),
  /** How long one forwarded command may take at QEMU or the guest agent. */
  commandSeconds: z.number().positive().max(3600).default(60),
});
export type GatewayLimits = z.infer<typeof GatewayLimits>;

/** The whole config file. */
export const GatewayConfig = z
  .strictObject({
    /** `host:port` to listen on, e.g. `0.0.0.0:8443` or `127.0.0.1:0` (any free port). */
    listen: z.string().regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, { error: "listen must be host:port, e.g. 0.0.0.0:8443" }),
    /** PEM certificate (chain) file the gateway presents. */
    cert: absPath("cert"),
    /** PEM private key file of `cert`. */
    key: absPath("key"),
    vms: z.record(vmName, GatewayVm),
    tokens: z.array(GatewayToken),
    limits: GatewayLimits.default(GatewayLimits.parse({})),
    /** File the audit log is appended to (JSON lines); default: stderr. */
    audit: absPath("audit").optional(),
  })
  .superRefine((cfg, ctx) => {
    cfg.tokens.forEach((t, i) => {
      for (const vm of t.vms) {
        if (!(vm in cfg.vms)) ctx.addIssue({ code: "custom", path: ["tokens", i, "vms"], message: `token "${t.name}" names VM "${vm}", which is not under vms` });
      }
    });
    const names = cfg.tokens.map((t) => t.name);
    const hashes = cfg.tokens.map((t) => t.sha256);
    if (new Set(names).size !== names.length) ctx.addIssue({ code: "custom", path: ["tokens"], message: "token names must be unique (they name clients in the audit log)" });
    if (new Set(hashes).size !== hashes.length) ctx.addIssue({ code: "custom", path: ["tokens"], message: "two tokens have the same sha256: each client needs its own token" });
  });
export type GatewayConfig = z.infer<typeof GatewayConfig>;

/** Validates a parsed config; CONFIG_INVALID listing every problem as `field: message`. */
export function parseGatewayConfig(raw: unknown, source = "the gateway config"): GatewayConfig {
  const r = GatewayConfig.safeParse(raw);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(top level)"}: ${i.code === "invalid_key" ? VM_NAME_RULE : i.message}`);
  throw new GatewayError("CONFIG_INVALID", `${source} is not valid:\n  ${lines.join("\n  ")}`);
}

/** Reads and validates the config file at `path`. */
export function loadGatewayConfig(path: string): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new GatewayError("CONFIG_UNREADABLE", `can't read the gateway config ${path}: ${(cause as Error).message}`, { cause });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new GatewayError("CONFIG_UNREADABLE", `the gateway config ${path} is not JSON: ${(cause as Error).message}`, { cause });
  }
  return parseGatewayConfig(raw, path);
}

/** The certificate and key contents; TLS_FILES naming the file and what to do when one can't be read. */
export function readTlsFiles(cfg: Pick<GatewayConfig, "cert" | "key">): { cert: Buffer; key: Buffer } {
  const read = (field: "cert" | "key"): Buffer => {
    try {
      return readFileSync(cfg[field]);
    } catch (cause) {
      const what = field === "cert" ? "TLS certificate" : "TLS private key";
      throw new GatewayError(
        "TLS_FILES",
        `the gateway's ${what} (${field}: ${cfg[field]}) can't be read: ${(cause as Error).message}. The gateway serves wss:// only: ` +
          "point cert and key at a PEM certificate naming this host and its key (e.g. openssl req -x509 -newkey rsa:2048 -nodes " +
          `-keyout key.pem -out cert.pem -subj /CN=HOST -addext subjectAltName=DNS:HOST)`,
        { cause },
      );
    }
  };
  return { cert: read("cert"), key: read("key") };
}

/** `listen` split into host and port. */
export function listenAddress(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(":");
  const host = listen.slice(0, i).replace(/^\[(.*)\]$/, "$1");
  return { host, port: Number(listen.slice(i + 1)) };
}
