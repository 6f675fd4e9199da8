/**
 * Keepalive against the REAL libvirtd, reached through a loopback TCP relay written here over
 * its unix socket; a small test dialer marks the link remote so the client runs keepalive on it.
 * Freezing the relay (stop forwarding, keep both sockets open) is a dead network path: the
 * client must notice by itself and fail the pending call with KEEPALIVE_TIMEOUT in bounded time.
 */
import * as net from "node:net";
import { LibvirtClient } from "../../../provider/libvirt/client";
import { KeepaliveTimeoutError, isNoDomain } from "../../../provider/libvirt/errors";
import type { Dialer } from "../../../provider/libvirt/transport/dialer";
import { pollUntil, uniqueName } from "../../guest/exec";

const SYSTEM_SOCKET = "/run/libvirt/libvirt-sock";
const INTERVAL = 300;
const COUNT = 2;
const DETECT = INTERVAL * (COUNT + 1);
const SLACK = 350;

/** A loopback TCP ↔ unix relay that can be frozen: data stops flowing, sockets stay open. */
class FreezableRelay {
  readonly pairs: Array<{ client: net.Socket; daemon: net.Socket }> = [];
  private frozen = false;
  private constructor(private readonly server: net.Server) {}

  static async start(unixPath: string): Promise<FreezableRelay> {
    const server = net.createServer();
    const relay = new FreezableRelay(server);
    server.on("connection", (client) => relay.accept(client, unixPath));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return relay;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Stops forwarding in both directions (bytes are swallowed, nothing is closed). */
  freeze(): void {
    this.frozen = true;
  }

  private accept(client: net.Socket, unixPath: string): void {
    const daemon = net.createConnection({ path: unixPath });
    this.pairs.push({ client, daemon });
    const forward = (from: net.Socket, to: net.Socket): void => {
      from.on("data", (chunk: Buffer) => {
        if (!this.frozen) to.write(chunk);
      });
    };
    forward(client, daemon);
    forward(daemon, client);
    const end = (): void => {
      client.destroy();
      daemon.destroy();
    };
    for (const s of [client, daemon]) s.on("error", end).on("close", end);
  }

  async stop(): Promise<void> {
    for (const p of this.pairs) p.client.destroy(), p.daemon.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** A TCP dialer to the relay, marked remote (as ssh/tls/tcp dialers are). */
function relayDialer(port: number): Dialer {
  return {
    target: `tcp-relay:127.0.0.1:${port}`,
    remote: true,
    dial: () =>
      new Promise((resolve, reject) => {
        const s = net.createConnection({ host: "127.0.0.1", port });
        s.once("connect", () => resolve(s)).once("error", reject);
      }),
  };
}

let relay: FreezableRelay;
let client: LibvirtClient | undefined;

beforeEach(async () => {
  relay = await FreezableRelay.start(SYSTEM_SOCKET);
});

afterEach(async () => {
  await client?.close();
  client = undefined;
  await relay.stop();
});

async function connect(): Promise<LibvirtClient> {
  client = await LibvirtClient.connect({ uri: "qemu:///system", dialer: relayDialer(relay.port), keepaliveIntervalMs: INTERVAL, keepaliveCount: COUNT });
  return client;
}

describe("keepalive through a loopback relay to the real libvirtd", () => {
  test("live link: real calls work and an idle connection outlives interval×(count+1) (libvirtd PONGs our PINGs)", async () => {
    const c = await connect();
    expect(await c.connectGetHostname()).not.toBe("");
    const idleUntil = Date.now() + DETECT * 2;
    await pollUntil("idle period over, connection still open", () => (c.closed ? false : Date.now() >= idleUntil ? true : undefined), {
      timeoutMs: DETECT * 3,
    }).catch((e: unknown) => {
      throw new Error(`connection closed while idle: ${(e as Error).message}`);
    });
    expect(c.closed).toBe(false);
    expect(await c.connectGetHostname()).not.toBe("");
  });

  test("frozen relay: a pending write fails with KEEPALIVE_TIMEOUT in ~interval×(count+1), and nothing was applied", async () => {
    const c = await connect();
    await c.connectGetHostname(); // last bytes received just now
    const name = uniqueName("qvt-ka");
    relay.freeze();
    const started = Date.now();
    const xml = `<domain type='qemu'><name>${name}</name><memory unit='KiB'>65536</memory><os><type arch='x86_64'>hvm</type></os></domain>`;
    const err = await c.domainDefineXmlFlags(xml, 0).catch((e: unknown) => e);
    const took = Date.now() - started;
    console.log(`keepalive: frozen link detected after ${took} ms (interval ${INTERVAL} ms × (count ${COUNT} + 1) = ${DETECT} ms)`);
    expect(err).toBeInstanceOf(KeepaliveTimeoutError);
    expect(err).toMatchObject({ code: "KEEPALIVE_TIMEOUT", target: `qemu:///system (tcp-relay:127.0.0.1:${relay.port})`, count: COUNT, intervalMs: INTERVAL });
    expect((err as Error).message).toMatch(/did not answer for \d+ ms/);
    expect(took).toBeGreaterThanOrEqual(DETECT - SLACK);
    expect(took).toBeLessThanOrEqual(DETECT + SLACK);
    expect(c.closed).toBe(true);
    await pollUntil("relay sees the client close its socket", () => relay.pairs[0]?.client.destroyed || undefined, { timeoutMs: 2000 });
    const local = await LibvirtClient.connect({ uri: "qemu:///system" });
    try {
      const lookup = await local.domainLookupByName(name).catch((e: unknown) => e);
      expect(isNoDomain(lookup)).toBe(true);
    } finally {
      await local.close();
    }
  });
});
