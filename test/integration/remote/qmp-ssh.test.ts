/**
 * QMP over SSH (`qmp: { ssh, socket, agentSocket }`) against a raw QEMU started by the test, its
 * QMP and agent sockets reached through the loopback sshd of .ci/host-setup.sh (phase sshd) with a
 * key made at test time: the parity scenario (hot-add 1→3 with the guest onlining, no-op, refresh
 * sees drift made out of band, unplug), one SSH connection for monitor and agent, then the
 * failures — each a typed error with its reason, within a bound, the vCPUs unchanged.
 */
import { join } from "node:path";
import { provider } from "../../../provider/dynamic";
import { ApplyError, type ProviderError } from "../../../provider/errors";
import { SocketMonitor, query, type Monitor } from "../../../provider/qmp";
import { findSshLinkError, sshPool, streamLocalDialer, type SshLinkFailureReason } from "../../../provider/ssh";
import { cleanupLeftovers, rawQemu, uniqueName, type RawQemu } from "../../guest/guest";
import { startRelay, type Relay } from "./relay";
import { freezeSshdSession, makeSshFixture, sshClientPorts, SSHD_HOST, type SshFixture } from "./sshd";

type Props = Record<string, unknown>;
const RUN = uniqueName("qvt-qmpssh");

let fx: SshFixture;
let vm: RawQemu;
beforeAll(async () => {
  fx = await makeSshFixture();
  vm = await rawQemu({ name: RUN, machine: "q35", maxVcpus: 4, vcpus: 1 });
  await vm.waitForAgent(90_000);
});
afterAll(async () => {
  sshPool.closeAll();
  await vm?.stop();
  fx?.cleanup();
  expect(await cleanupLeftovers(RUN)).toEqual({ domains: [], rawQemus: [] });
});

const ssh = (over: Props = {}): Props => ({ host: SSHD_HOST, user: "root", keyfile: fx.key, knownHosts: fx.knownHosts, ...over });
const spec = (over: Props = {}, sshOver: Props = {}): Props => ({
  __label: "qmpssh-cpu", qmp: { ssh: ssh(sshOver), socket: vm.qmpSocket, agentSocket: vm.agentSocket }, maxVcpus: 4, vcpus: 3, guestAgent: "required", ...over,
});

async function checked(news: Props, olds: Props = {}): Promise<Props> {
  const { inputs, failures } = await provider.check!(olds, news);
  expect(failures ?? []).toEqual([]);
  return inputs as Props;
}

/** Plugged vCPUs as QEMU reports them over the local socket (fixture client, not the code under test). */
async function qemuCpuCount(): Promise<number> {
  const qmp = await vm.qmp();
  try {
    return ((await qmp.execute("query-cpus-fast")) as unknown[]).length;
  } finally {
    qmp.close();
  }
}

describe("qmp over ssh: hot-add 1→3 online, no-op, drift, unplug", () => {
  let outs: Props;
  let id: string;

  test("create hot-adds 1→3 over one SSH connection and the guest has all 3 online", async () => {
    sshPool.closeAll();
    const opened = sshPool.opened;
    const created = await provider.create(await checked(spec()));
    ({ id } = created);
    outs = created.outs as Props;
    // The test QEMU has no -uuid: the endpoint is the id (with -uuid it is followed by #<uuid>).
    expect(id).toBe(`qmp:ssh://root@${SSHD_HOST}:22${vm.qmpSocket}`);
    expect(outs).toMatchObject({ liveVcpus: 3, guestOnlineVcpus: 3, maxVcpus: 4, agent: "connected" });
    expect(await vm.guestOnlineCpus()).toEqual([0, 1, 2]);
    expect(await qemuCpuCount()).toBe(3);
    // check's preview read and create's apply, monitor and agent channels each: one handshake.
    expect(sshPool.opened - opened).toBe(1);
  });

  test("the same spec again: diff says no change", async () => {
    expect(await provider.diff!(id, outs, await checked(spec(), outs))).toMatchObject({ changes: false });
  });

  test("refresh over ssh sees a vCPU hot-added out of band as drift", async () => {
    const qmp = await vm.qmp();
    try {
      const slots = (await qmp.execute("query-hotpluggable-cpus")) as { type: string; props: Record<string, number>; "qom-path"?: string }[];
      const free = slots.find((s) => !s["qom-path"])!;
      await qmp.execute("device_add", { driver: free.type, id: "oob3", ...free.props });
    } finally {
      qmp.close();
    }
    const read = await provider.read!(id, outs);
    expect(read.props).toMatchObject({ liveVcpus: 4, declared: { vcpus: 3 } });
    expect(read.inputs).toMatchObject({ vcpus: 4 });
    outs = read.props as Props;
    expect(await provider.diff!(id, outs, await checked(spec(), outs))).toMatchObject({ changes: true });
  });

  test("unplug 4→3 over ssh: QEMU and the guest agree", async () => {
    const result = await provider.update!(id, outs, await checked(spec(), outs)).then((r) => r.outs as Props, (e: unknown) => e);
    if (result instanceof ApplyError) throw new Error(`${result.message}\nlive after: ${JSON.stringify(result.live)}`);
    expect(result).toMatchObject({ liveVcpus: 3 });
    expect(await qemuCpuCount()).toBe(3);
    expect((await vm.guestPresentCpus()).length).toBe(3);
  });

  test("VmCpu.get: the id alone names the SSH host and the socket", async () => {
    const read = await provider.read!(id, { qmp: { ssh: ssh(), socket: vm.qmpSocket } });
    expect(read.props).toMatchObject({ liveVcpus: 3, qmp: { socket: vm.qmpSocket, ssh: { host: SSHD_HOST } } });
  });
});

/** Runs a provider read-and-apply (3→4) with `over` applied to qmp.ssh or qmp; never throws. */
async function attempt(qmpOver: Props, sshOver: Props = {}): Promise<{ err: unknown; ms: number }> {
  const news = spec({ vcpus: 4 }, sshOver);
  (news["qmp"] as Props) = { ...(news["qmp"] as Props), ...qmpOver };
  const t0 = Date.now();
  try {
    const { inputs, failures } = await provider.check!({}, news);
    expect(failures ?? []).toEqual([]);
    await provider.create(inputs as Props);
    return { err: undefined, ms: Date.now() - t0 };
  } catch (err) {
    return { err, ms: Date.now() - t0 };
  }
}

describe("qmp over ssh: failures are typed, bounded, and change nothing", () => {
  const cases: Record<string, { qmp?: () => Props; ssh?: () => Props; code: string; reason: SshLinkFailureReason; boundMs: number }> = {
    "unknown host key": { ssh: () => ({ knownHosts: fx.emptyKnownHosts }), code: "CONNECTION_FAILED", reason: "HOST_KEY_UNKNOWN", boundMs: 3_000 },
    "wrong client key": { ssh: () => ({ keyfile: fx.wrongKey }), code: "CONNECTION_FAILED", reason: "AUTH_REJECTED", boundMs: 3_000 },
    "sshd not reachable (nothing on the port)": { ssh: () => ({ port: 1 }), code: "CONNECTION_FAILED", reason: "REFUSED", boundMs: 3_000 },
    "QMP socket missing on the far side": { qmp: () => ({ socket: "/var/run/qemu-server/999999.qmp" }), code: "CONNECTION_FAILED", reason: "FORWARD_REFUSED", boundMs: 3_000 },
  };
  test.each(Object.entries(cases))("%s", async (_name, c) => {
    const a = await attempt(c.qmp?.() ?? {}, c.ssh?.() ?? {});
    expect((a.err as ProviderError | undefined)?.code).toBe(c.code);
    expect(findSshLinkError(a.err)).toMatchObject({ code: "SSH_FAILED", reason: c.reason, details: { host: SSHD_HOST } });
    expect((a.err as Error).message).toContain(SSHD_HOST);
    expect(a.ms).toBeLessThan(c.boundMs);
    expect(await qemuCpuCount()).toBe(3);
  });

  test("an agent socket missing on the far side: a required agent refuses before anything changes", async () => {
    const a = await attempt({ agentSocket: "/var/run/qemu-server/999999.qga" });
    expect((a.err as ProviderError).code).toBe("PRECONDITION_FAILED");
    expect((a.err as Error).message).toMatch(/agent/);
    expect(await qemuCpuCount()).toBe(3);
  });

  describe("link dropped mid-call", () => {
    let relay: Relay;
    let monitor: Monitor | undefined;
    beforeEach(async () => {
      relay = await startRelay({ path: join(fx.dir, "qmp-relay.sock") }, { path: vm.qmpSocket });
      sshPool.closeAll();
    });
    afterEach(async () => {
      await monitor?.close();
      await relay?.close();
    });

    test("sshd's session killed while a device_add is in flight: LINK_LOST at once, nothing plugged", async () => {
      monitor = await SocketMonitor.connect(streamLocalDialer(ssh() as never, relay.path));
      const free = (await query(monitor, "query-hotpluggable-cpus")).find((s) => !s["qom-path"])!;
      const lease = await sshPool.acquire(ssh() as never, 5_000);
      const port = lease.session.localPort;
      lease.release();
      expect(sshClientPorts(process.pid)).toContain(port);
      relay.hold();
      const call = monitor.execute("device_add", { driver: free.type, id: "never", ...free.props }).then(() => undefined, (e: unknown) => e);
      await new Promise((r) => setTimeout(r, 100));
      expect(relay.swallowed()).toBeGreaterThan(0);
      const t0 = Date.now();
      freezeSshdSession(port!)();
      const err = await call;
      expect(Date.now() - t0).toBeLessThan(2_000);
      expect(err).toMatchObject({ code: "QMP_CONNECTION_CLOSED" });
      expect(findSshLinkError(err)).toMatchObject({ reason: "LINK_LOST", details: { host: SSHD_HOST, socket: relay.path } });
      expect(await qemuCpuCount()).toBe(3);
    });

    test("after a drop the next operation connects again and reads", async () => {
      const read = await provider.read!(`qmp:ssh://root@${SSHD_HOST}:22${vm.qmpSocket}#x`, { qmp: { ssh: ssh(), socket: vm.qmpSocket } });
      expect(read.props).toMatchObject({ liveVcpus: 3 });
    });
  });
});
