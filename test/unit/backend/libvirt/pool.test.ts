/**
 * The connection pool: real LibvirtClients against the fake libvirtd, so sharing, reconnecting
 * after a drop, the per-host bound and the idle close are observed as connections on the
 * daemon's side.
 */
import { LibvirtClient } from "../../../../provider/libvirt";
import { LibvirtPool, type PoolConnector } from "../../../../provider/backend/libvirt";
import { FakeLibvirtd } from "../../../fakes/libvirtd";

const URI = "qemu:///system";
const VERSIONS = { libvirt: "9.0.0", qemu: "7.2.0" };

let fake: FakeLibvirtd;
let pool: LibvirtPool;
beforeEach(async () => (fake = await FakeLibvirtd.start()));
afterEach(async () => {
  await pool?.closeAll();
  await fake.stop();
});

/** A connector over the fake that counts connects and can be told to fail. */
function connector(over: Partial<PoolConnector> = {}): PoolConnector & { connects: number } {
  const c = {
    connects: 0,
    connect: async (uri: string) => {
      c.connects++;
      return LibvirtClient.connect({ uri, dialer: fake.dialer });
    },
    versions: async () => VERSIONS,
    ...over,
  };
  return c;
}

const live = () => fake.connections.filter((c) => !c.closed);

describe("sharing", () => {
  test.each([
    ["concurrent acquires share one connection", true],
    ["sequential acquires reuse it", false],
  ])("%s", async (_name, concurrent) => {
    pool = new LibvirtPool(connector());
    const lent = concurrent
      ? await Promise.all([pool.acquire(URI), pool.acquire(URI), pool.acquire(URI)])
      : [await pool.acquire(URI), await pool.acquire(URI), await pool.acquire(URI)];
    expect(new Set(lent.map((l) => l.client)).size).toBe(1);
    expect(lent[0]!.versions).toEqual(VERSIONS);
    lent.forEach((l) => l.release());
    expect(pool.openedPerUri()).toEqual({ [URI]: 1 });
    expect(fake.connections).toHaveLength(1);
  });

  test("two URIs get two connections", async () => {
    pool = new LibvirtPool(connector());
    const [a, b] = await Promise.all([pool.acquire(URI), pool.acquire(`${URI}?mode=legacy`)]);
    expect(a.client).not.toBe(b.client);
    expect(pool.openedPerUri()).toEqual({ [URI]: 1, [`${URI}?mode=legacy`]: 1 });
    a.release();
    b.release();
  });
});

describe("failures", () => {
  test("a connection the daemon dropped is replaced on the next acquire", async () => {
    pool = new LibvirtPool(connector());
    const first = await pool.acquire(URI);
    first.release();
    fake.last.drop();
    await new Promise<void>((resolve) => (first.client.closed ? resolve() : first.client.on("close", () => resolve())));
    const second = await pool.acquire(URI);
    expect(second.client).not.toBe(first.client);
    expect(second.client.closed).toBe(false);
    second.release();
    expect(pool.openedPerUri()).toEqual({ [URI]: 2 });
  });

  test("a failed connect rejects every waiting acquire, gives the slots back, and the next acquire tries again", async () => {
    const c = connector();
    let failNext = true;
    const real = c.connect;
    c.connect = async (uri) => {
      if (failNext) {
        failNext = false;
        c.connects++;
        throw new Error("CONNECTION_FAILED: no daemon");
      }
      return real(uri);
    };
    pool = new LibvirtPool(c, { operationsPerHost: 2 });
    const results = await Promise.allSettled([pool.acquire(URI), pool.acquire(URI)]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    const ok = await pool.acquire(URI);
    expect(c.connects).toBe(2);
    ok.release();
  });
});

describe("bounds and idle", () => {
  test("operationsPerHost: the third operation waits until one releases", async () => {
    pool = new LibvirtPool(connector(), { operationsPerHost: 2 });
    const [a, b] = await Promise.all([pool.acquire(URI), pool.acquire(URI)]);
    let third = false;
    const waiting = pool.acquire(URI).then((l) => ((third = true), l));
    await new Promise((r) => setImmediate(r));
    expect(third).toBe(false);
    a.release();
    a.release(); // idempotent: does not free a second slot
    const c = await waiting;
    expect(third).toBe(true);
    let fourth = false;
    const last = pool.acquire(URI).then((l) => ((fourth = true), l));
    await new Promise((r) => setImmediate(r));
    expect(fourth).toBe(false);
    b.release();
    c.release();
    (await last).release();
  });

  test("an idle connection closes after idleMs, and a new operation before that keeps it", async () => {
    pool = new LibvirtPool(connector(), { idleMs: 150 });
    const first = await pool.acquire(URI);
    first.release();
    await new Promise((r) => setTimeout(r, 50));
    const again = await pool.acquire(URI); // within idleMs: same connection, timer stopped
    expect(again.client).toBe(first.client);
    await new Promise((r) => setTimeout(r, 250));
    expect(again.client.closed).toBe(false);
    const t0 = Date.now();
    again.release();
    await fake.waitFor(() => live().length === 0, 2000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(pool.openedPerUri()).toEqual({ [URI]: 1 });
  });

  test("closeAll closes every connection; a later acquire opens a new one", async () => {
    pool = new LibvirtPool(connector());
    const lent = await pool.acquire(URI);
    lent.release();
    await pool.closeAll();
    expect(lent.client.closed).toBe(true);
    const next = await pool.acquire(URI);
    expect(next.client.closed).toBe(false);
    next.release();
  });
});
