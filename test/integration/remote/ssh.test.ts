/**
 * qemu+ssh against the loopback sshd of .ci/host-setup.sh (phase sshd): the shared transport
 * scenario through the system ssh client and virt-ssh-helper, then the failures, each a typed
 * SshError naming the host, fast, with the domain's vCPUs untouched.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { LibvirtClient } from "../../../provider/libvirt/client";
import { AFFECT_LIVE } from "../../../provider/libvirt/constants";
import type { SshFailureReason } from "../../../provider/libvirt/errors";
import type { TestDomain } from "../../guest/guest";
import { startRelay, type Relay } from "./relay";
import { describeTransportScenario } from "./scenario";
import { attemptSetVcpus, expectSshFailure, expectUnchanged, pausedDomain } from "./ssh-failures";
import { freezeSshdSession, makeSshFixture, sshClientPorts, SSHD_HOST, type SshFixture } from "./sshd";

let fx: SshFixture;
beforeAll(async () => {
  fx = await makeSshFixture();
});
afterAll(() => fx?.cleanup());

describeTransportScenario("ssh", () => `qemu+ssh://root@${SSHD_HOST}/system?${fx.query}`, { run: "qvt-ssh" });

/** ssh children of this process whose command line contains `marker`. */
function sshChildren(marker: string): number[] {
  const out = execFileSync("ps", ["-eo", "pid=,ppid=,comm=,args="], { encoding: "utf8" });
  return out.split("\n").flatMap((line) => {
    const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    return m && Number(m[2]) === process.pid && m[3] === "ssh" && m[4]!.includes(marker) ? [Number(m[1])] : [];
  });
}

describe("ssh: failures are typed, fast, and change nothing", () => {
  let vm: TestDomain;
  beforeAll(async () => {
    vm = await pausedDomain("qvt-sshf");
  });
  afterAll(async () => vm?.destroy());

  const cases: Record<string, { uri: () => string; reason: SshFailureReason; boundMs: number }> = {
    "unknown host key": { uri: () => `qemu+ssh://root@${SSHD_HOST}/system?keyfile=${fx.key}&known_hosts=${fx.emptyKnownHosts}`, reason: "HOST_KEY_UNKNOWN", boundMs: 3_000 },
    "wrong client key": { uri: () => `qemu+ssh://root@${SSHD_HOST}/system?keyfile=${fx.wrongKey}&known_hosts=${fx.knownHosts}`, reason: "AUTH_REJECTED", boundMs: 3_000 },
    "sshd not reachable (nothing on the port)": { uri: () => `qemu+ssh://root@${SSHD_HOST}:1/system?${fx.query}`, reason: "REFUSED", boundMs: 3_000 },
    "netcat missing on the far side": { uri: () => `qemu+ssh://root@${SSHD_HOST}/system?${fx.query}&proxy=netcat&netcat=/nonexistent`, reason: "HELPER_MISSING", boundMs: 4_000 },
    "libvirt socket missing on the far side": { uri: () => `qemu+ssh://root@${SSHD_HOST}/system?${fx.query}&proxy=netcat&socket=/nonexistent/libvirt-sock`, reason: "DAEMON_UNREACHABLE", boundMs: 4_000 },
    "ssh client missing here": { uri: () => `qemu+ssh://root@${SSHD_HOST}/system?${fx.query}&command=/nonexistent/ssh`, reason: "COMMAND_MISSING", boundMs: 1_000 },
  };
  test.each(Object.entries(cases))("%s", async (_name, c) => {
    const a = await attemptSetVcpus(c.uri(), vm.name);
    expectSshFailure(a, c.reason, SSHD_HOST, c.boundMs);
    await expectUnchanged(vm);
  });

  describe("link dropped mid-call", () => {
    let relay: Relay;
    beforeEach(async () => {
      relay = await startRelay({ path: join(fx.dir, "relay.sock") }, { path: "/run/libvirt/libvirt-sock" });
    });
    afterEach(async () => relay?.close());

    test("the ssh child killed while a call is in flight: the call fails at once with LINK_LOST", async () => {
      const client = await LibvirtClient.connect({ uri: `qemu+ssh://root@${SSHD_HOST}/system?${fx.query}&proxy=netcat&socket=${relay.path}` });
      try {
        const dom = await client.domainLookupByName(vm.name);
        relay.hold();
        const call = client.domainSetVcpusFlags(dom, 2, AFFECT_LIVE).then(() => undefined, (e: unknown) => e);
        const pids = sshChildren(relay.path);
        expect(pids).toHaveLength(1);
        const killedAt = Date.now();
        process.kill(pids[0]!, "SIGKILL");
        const err = await call;
        expectSshFailure({ err, ms: Date.now() - killedAt }, "LINK_LOST", SSHD_HOST, 2_000);
        expect(err).toMatchObject({ code: "CONNECTION_CLOSED" });
        expect((err as Error).message).toMatch(/killed by SIGKILL/);
      } finally {
        await client.close();
      }
      await expectUnchanged(vm);
    });

    test("the far side's socket dropped while a call is in flight: the call fails at once with LINK_LOST", async () => {
      const client = await LibvirtClient.connect({ uri: `qemu+ssh://root@${SSHD_HOST}/system?${fx.query}&proxy=netcat&socket=${relay.path}` });
      try {
        const dom = await client.domainLookupByName(vm.name);
        relay.hold();
        const call = client.domainSetVcpusFlags(dom, 2, AFFECT_LIVE).then(() => undefined, (e: unknown) => e);
        const droppedAt = Date.now();
        relay.dropAll();
        const err = await call;
        expectSshFailure({ err, ms: Date.now() - droppedAt }, "LINK_LOST", SSHD_HOST, 2_000);
      } finally {
        await client.close();
      }
      await expectUnchanged(vm);
    });

    test("the link goes silent (sshd frozen) during a call: ssh's keepalive fails it with LINK_LOST in ~20 s", async () => {
      const client = await LibvirtClient.connect({ uri: `qemu+ssh://root@${SSHD_HOST}/system?${fx.query}&proxy=netcat&socket=${relay.path}` });
      let thaw = (): void => undefined;
      try {
        const dom = await client.domainLookupByName(vm.name);
        const [pid] = sshChildren(relay.path);
        const [port] = sshClientPorts(pid!);
        thaw = freezeSshdSession(port!);
        const frozenAt = Date.now();
        const err = await client.domainSetVcpusFlags(dom, 2, AFFECT_LIVE).then(() => undefined, (e: unknown) => e);
        expectSshFailure({ err, ms: Date.now() - frozenAt }, "LINK_LOST", SSHD_HOST, 30_000);
        expect((err as Error).message).toMatch(/not responding/);
        expect(Date.now() - frozenAt).toBeGreaterThan(10_000);
      } finally {
        thaw();
        await client.close();
      }
      await expectUnchanged(vm);
    });

    test("a deliberate close ends the ssh child cleanly", async () => {
      const client = await LibvirtClient.connect({ uri: `qemu+ssh://root@${SSHD_HOST}/system?${fx.query}&proxy=netcat&socket=${relay.path}` });
      expect(sshChildren(relay.path)).toHaveLength(1);
      await client.close();
      expect(sshChildren(relay.path)).toEqual([]);
    });
  });
});
