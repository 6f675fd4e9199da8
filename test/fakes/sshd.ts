/**
 * An in-process sshd (the `ssh2` package's server) on 127.0.0.1 for protocol-edge tests of
 * provider/ssh: an ed25519 host key and one authorized client key made at start, the known_hosts
 * line for it, `direct-streamlocal` channels answered by a per-path handler (or refused), and
 * counters of handshakes and channels. {@link FakeSshd.dropAll} cuts every connection.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { Server, utils, type Connection } from "ssh2";

/** Answers one channel opened to a socket path; return false to refuse the channel. */
export type ChannelHandler = (stream: Duplex) => void;

/** A running fake sshd. */
export interface FakeSshd {
  readonly port: number;
  /** Private key (file) the server accepts. */
  readonly key: string;
  /** Private key (file) the server refuses. */
  readonly wrongKey: string;
  /** known_hosts holding this server's host key for [127.0.0.1]:port. */
  readonly knownHosts: string;
  /** An empty known_hosts. */
  readonly emptyKnownHosts: string;
  /** Handshakes completed (authenticated connections). */
  handshakes(): number;
  /** Channels opened. */
  channels(): number;
  /** Answers channels to `path` with `handler` (paths without one are refused). */
  serve(path: string, handler: ChannelHandler): void;
  /** Destroys every client connection now. */
  dropAll(): void;
  close(): Promise<void>;
}

/** A handler that answers each line with `reply(line)`. */
export function lineServer(reply: (line: string) => string): ChannelHandler {
  return (stream) => {
    let buf = "";
    stream.on("data", (chunk: Buffer) => {
      buf += chunk.toString();
      for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
        stream.write(`${reply(buf.slice(0, i))}\n`);
        buf = buf.slice(i + 1);
      }
    });
  };
}

/** Starts the fake sshd. */
export async function startFakeSshd(): Promise<FakeSshd> {
  const dir = mkdtempSync(join(tmpdir(), "qvt-fakesshd-"));
  const host = utils.generateKeyPairSync("ed25519");
  const client = utils.generateKeyPairSync("ed25519");
  const wrong = utils.generateKeyPairSync("ed25519");
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text, { mode: 0o600 });
    return join(dir, name);
  };
  const key = write("id_ed25519", client.private);
  const wrongKey = write("wrong_ed25519", wrong.private);
  const allowed = utils.parseKey(client.public) as ReturnType<typeof utils.parseKey> & { getPublicSSH(): Buffer; verify(d: Buffer, s: Buffer, h?: string): boolean; type: string };
  const handlers = new Map<string, ChannelHandler>();
  const conns = new Set<Connection>();
  const sockOf = (c: Connection) => (c as unknown as { _sock: Socket })._sock;
  let handshakes = 0;
  let channels = 0;
  const server = new Server({ hostKeys: [host.private] }, (conn) => {
    conns.add(conn);
    conn.on("close", () => conns.delete(conn));
    conn.on("error", () => undefined);
    conn.on("authentication", (ctx) => {
      if (ctx.method !== "publickey" || !ctx.key.data.equals(allowed.getPublicSSH())) return ctx.reject(["publickey"]);
      if (ctx.signature && allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(["publickey"]);
      ctx.accept();
    });
    conn.on("ready", () => {
      handshakes++;
      conn.on("openssh.streamlocal", (accept, reject, info: { socketPath: string }) => {
        const handler = handlers.get(info.socketPath);
        if (!handler) return reject();
        channels++;
        handler(accept() as unknown as Duplex);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const hostBlob = (utils.parseKey(host.public) as unknown as { getPublicSSH(): Buffer }).getPublicSSH();
  const knownHosts = write("known_hosts", `[127.0.0.1]:${port} ssh-ed25519 ${hostBlob.toString("base64")}\n`);
  const emptyKnownHosts = write("known_hosts.empty", "");
  return {
    port, key, wrongKey, knownHosts, emptyKnownHosts,
    handshakes: () => handshakes,
    channels: () => channels,
    serve: (path, handler) => void handlers.set(path, handler),
    dropAll: () => {
      for (const c of conns) sockOf(c).destroy();
    },
    close: async () => {
      for (const c of conns) sockOf(c).destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
