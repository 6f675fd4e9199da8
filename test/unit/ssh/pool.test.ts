/**
 * provider/ssh against an in-process sshd (test/fakes/sshd.ts): failures classified with their
 * reason, one handshake per host for concurrent channels, idle close, reopening after a drop, and a
 * channel that loses its connection failing with LINK_LOST.
 */
import type { Duplex } from "node:stream";
import { SshPool, SshSession, findSshLinkError, type SshLinkFailureReason, type SshTarget } from "../../../provider/ssh";
import { lineServer, startFakeSshd, type FakeSshd } from "../../fakes/sshd";

let sshd: FakeSshd;
beforeAll(async () => {
  sshd = await startFakeSshd();
  sshd.serve("/run/echo.sock", lineServer((l) => `echo ${l}`));
});
afterAll(async () => sshd?.close());

const target = (over: Partial<SshTarget> = {}): SshTarget => ({ host: "127.0.0.1", port: sshd.port, user: "root", keyfile: sshd.key, knownHosts: sshd.knownHosts, ...over });

function ask(stream: Duplex, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    stream.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
    stream.once("error", reject);
    stream.write(`${line}\n`);
  });
}

describe("SshSession failures", () => {
  const cases: Record<string, { over: () => Partial<SshTarget>; path?: string; reason: SshLinkFailureReason; says: RegExp }> = {
    "host key not in known_hosts": { over: () => ({ knownHosts: sshd.emptyKnownHosts }), reason: "HOST_KEY_UNKNOWN", says: /ssh-keyscan -p \d+ 127\.0\.0\.1/ },
    "a key the server refuses": { over: () => ({ keyfile: sshd.wrongKey }), reason: "AUTH_REJECTED", says: /refused every key offered for root/ },
    "an unreadable keyfile": { over: () => ({ keyfile: "/nonexistent/key" }), reason: "AUTH_REJECTED", says: /nothing to authenticate with/ },
    "nothing listening": { over: () => ({ port: 1 }), reason: "REFUSED", says: /is sshd running there/ },
    "a socket the far side does not serve": { over: () => ({}), path: "/run/missing.sock", reason: "FORWARD_REFUSED", says: /could not connect to \/run\/missing\.sock/ },
  };
  test.each(Object.entries(cases))("%s", async (_name, c) => {
    const started = Date.now();
    const err = await SshSession.open(target(c.over()), 5_000)
      .then((s) => s.openStreamLocal(c.path ?? "/run/echo.sock").finally(() => s.close()))
      .then(() => undefined, (e: unknown) => e);
    expect(findSshLinkError(err)).toMatchObject({ code: "SSH_FAILED", reason: c.reason, details: { host: "127.0.0.1" } });
    expect((err as Error).message).toMatch(c.says);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe("SshPool", () => {
  test("concurrent channels to one host share one handshake; each answers on its own", async () => {
    const pool = new SshPool(60_000);
    const before = sshd.handshakes();
    const leases = await Promise.all([pool.acquire(target(), 5_000), pool.acquire(target(), 5_000)]);
    expect(leases[0]!.session).toBe(leases[1]!.session);
    const [a, b] = await Promise.all(leases.map((l) => l.session.openStreamLocal("/run/echo.sock")));
    expect(await Promise.all([ask(a!, "monitor"), ask(b!, "agent")])).toEqual(["echo monitor", "echo agent"]);
    expect(sshd.handshakes() - before).toBe(1);
    a!.destroy();
    b!.destroy();
    leases.forEach((l) => l.release());
    pool.closeAll();
  });

  test("a failed handshake fails every concurrent dial with it, and the next acquire tries again", async () => {
    const pool = new SshPool(60_000);
    const bad = target({ knownHosts: sshd.emptyKnownHosts });
    const results = await Promise.allSettled([pool.acquire(bad, 5_000), pool.acquire(bad, 5_000)]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    const lease = await pool.acquire(target(), 5_000);
    expect(lease.session.alive).toBe(true);
    lease.release();
    pool.closeAll();
  });

  test("closes a connection idle for idleMs, and opens a new one on the next acquire", async () => {
    const pool = new SshPool(100);
    const first = await pool.acquire(target(), 5_000);
    first.release();
    await new Promise((r) => setTimeout(r, 400));
    expect(first.session.alive).toBe(false);
    const second = await pool.acquire(target(), 5_000);
    expect(second.session).not.toBe(first.session);
    second.release();
    pool.closeAll();
  });

  test("after the connection drops, a channel in use fails with LINK_LOST and the next acquire reconnects", async () => {
    const pool = new SshPool(60_000);
    const lease = await pool.acquire(target(), 5_000);
    const stream = await lease.session.openStreamLocal("/run/echo.sock");
    const failed = new Promise<unknown>((resolve) => stream.once("error", resolve));
    sshd.dropAll();
    expect(findSshLinkError(await failed)).toMatchObject({ reason: "LINK_LOST", details: { socket: "/run/echo.sock" } });
    lease.release();
    const again = await pool.acquire(target(), 5_000);
    expect(again.session).not.toBe(lease.session);
    const s2 = await again.session.openStreamLocal("/run/echo.sock");
    expect(await ask(s2, "back")).toBe("echo back");
    s2.destroy();
    again.release();
    pool.closeAll();
  });
});
