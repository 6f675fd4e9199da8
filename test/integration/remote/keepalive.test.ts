/**
 * Keepalive against the REAL libvirtd, reached through a loopback TCP relay (relay.ts) over
 * its unix socket; a small test dialer marks the link remote so the client runs keepalive on it.
 * Freezing the relay (stop forwarding, keep both sockets open) is a dead network path: the
 * client must notice by itself and fail the pending call with KEEPALIVE_TIMEOUT in bounded time.
 */
import * as net from "node:net";
import { LibvirtClient } from "../../../provider/libvirt/client";
import { KeepaliveTimeoutError, isNoDomain } from "../../../provider/libvirt/errors";
import type { Dialer } from "../../../provider/libvirt/transport/dialer";
import { pollUntil, uniqueName } from "../../guest/exec";
import { startRelay, type Relay } from "./relay";

const SYSTEM_SOCKET = "/run/libvirt/libvirt-sock";
const INTERVAL = 300;
const COUNT = 2;
const DETECT = INTERVAL * (COUNT + 1);
const SLACK = 350;

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

let relay: Relay;
let client: LibvirtClient | undefined;

beforeEach(async () => {
  relay = await startRelay({ host: "127.0.0.1" }, { path: SYSTEM_SOCKET });
});

afterEach(async () => {
  await client?.close();
  client = undefined;
  await relay.close();
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
    await pollUntil("relay sees the client close its socket", () => relay.clients()[0]?.destroyed || undefined, { timeoutMs: 2000 });
    const local = await LibvirtClient.connect({ uri: "qemu:///system" });
    try {
      const lookup = await local.domainLookupByName(name).catch((e: unknown) => e);
      expect(isNoDomain(lookup)).toBe(true);
    } finally {
      await local.close();
    }
  });
});
