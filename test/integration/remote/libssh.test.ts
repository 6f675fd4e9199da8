/**
 * qemu+libssh / qemu+libssh2 (in-process ssh2 client, streamlocal forward to libvirtd's socket)
 * against the loopback sshd of .ci/host-setup.sh (phase sshd): the shared transport scenario, host
 * key checks against known_hosts (plain, hashed, auto-add), then the failures, each a typed SshError
 * naming the host, fast, with the domain's vCPUs untouched.
 */
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LibvirtClient } from "../../../provider/libvirt/client";
import { AFFECT_LIVE } from "../../../provider/libvirt/constants";
import type { SshFailureReason } from "../../../provider/libvirt/errors";
import { pollUntil, run } from "../../guest/exec";
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

describeTransportScenario("libssh", () => `qemu+libssh://root@${SSHD_HOST}/system?${fx.query}`, { run: "qvt-libssh" });

/** Connects, reads the hypervisor version, closes: the URI works. */
async function works(uri: string): Promise<void> {
  const client = await LibvirtClient.connect({ uri });
  try {
    expect(await client.connectGetVersion()).toMatch(/^\d+\.\d+\.\d+$/);
  } finally {
    await client.close();
  }
}

describe("libssh: known_hosts", () => {
  test("libssh2 is the same client", async () => {
    await works(`qemu+libssh2://root@${SSHD_HOST}/system?${fx.query}`);
  });

  test("hashed entries (ssh-keygen -H) match", async () => {
    const hashed = join(fx.dir, "known_hosts.hashed");
    copyFileSync(fx.knownHosts, hashed);
    await run("ssh-keygen", ["-q", "-H", "-f", hashed]);
    expect(readFileSync(hashed, "utf8")).toMatch(/^\|1\|/);
    await works(`qemu+libssh://root@${SSHD_HOST}/system?keyfile=${fx.key}&known_hosts=${hashed}`);
  });

  test("known_hosts_verify=auto accepts an unknown host and records its key", async () => {
    const fresh = join(fx.dir, "known_hosts.auto");
    writeFileSync(fresh, "");
    await works(`qemu+libssh://root@${SSHD_HOST}/system?keyfile=${fx.key}&known_hosts=${fresh}&known_hosts_verify=auto`);
    expect(readFileSync(fresh, "utf8")).toMatch(/^127\.0\.0\.1 ssh-ed25519 AAAA/);
    await works(`qemu+libssh://root@${SSHD_HOST}/system?keyfile=${fx.key}&known_hosts=${fresh}`);
  });

  test("known_hosts_verify=ignore skips the check", async () => {
    await works(`qemu+libssh://root@${SSHD_HOST}/system?keyfile=${fx.key}&known_hosts=${fx.emptyKnownHosts}&known_hosts_verify=ignore`);
  });
});

describe("libssh: ssh-agent", () => {
  test("sshauth=agent authenticates with the key held by the agent at SSH_AUTH_SOCK (no keyfile)", async () => {
    const sock = join(fx.dir, "agent.sock");
    const agent = spawn("ssh-agent", ["-D", "-a", sock], { stdio: "ignore" });
    const saved = process.env["SSH_AUTH_SOCK"];
    try {
      await pollUntil("ssh-agent socket", () => existsSync(sock), { timeoutMs: 5_000 });
      await run("ssh-add", ["-q", fx.key], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
      process.env["SSH_AUTH_SOCK"] = sock;
      await works(`qemu+libssh://root@${SSHD_HOST}/system?known_hosts=${fx.knownHosts}&sshauth=agent`);
    } finally {
      if (saved === undefined) delete process.env["SSH_AUTH_SOCK"];
      else process.env["SSH_AUTH_SOCK"] = saved;
      agent.kill();
    }
  });
});

describe("libssh: failures are typed, fast, and change nothing", () => {
  let vm: TestDomain;
  let changedKnownHosts: string;
  beforeAll(async () => {
    vm = await pausedDomain("qvt-libsshf");
    // Another ed25519 key recorded for 127.0.0.1: the real one is then "changed".
    const other = readFileSync(`${fx.wrongKey}.pub`, "utf8").split(" ");
    changedKnownHosts = join(fx.dir, "known_hosts.changed");
    writeFileSync(changedKnownHosts, `${SSHD_HOST} ${other[0]} ${other[1]}\n`);
  });
  afterAll(async () => vm?.destroy());

  const cases: Record<string, { uri: () => string; reason: SshFailureReason; boundMs: number }> = {
    "unknown host key": { uri: () => `qemu+libssh://root@${SSHD_HOST}/system?keyfile=${fx.key}&known_hosts=${fx.emptyKnownHosts}`, reason: "HOST_KEY_UNKNOWN", boundMs: 3_000 },
    "changed host key": { uri: () => `qemu+libssh://root@${SSHD_HOST}/system?keyfile=${fx.key}&known_hosts=${changedKnownHosts}`, reason: "HOST_KEY_CHANGED", boundMs: 3_000 },
    "changed host key even with known_hosts_verify=auto": {
      uri: () => `qemu+libssh://root@${SSHD_HOST}/system?keyfile=${fx.key}&known_hosts=${changedKnownHosts}&known_hosts_verify=auto`, reason: "HOST_KEY_CHANGED", boundMs: 3_000,
    },
    "wrong client key": { uri: () => `qemu+libssh://root@${SSHD_HOST}/system?keyfile=${fx.wrongKey}&known_hosts=${fx.knownHosts}`, reason: "AUTH_REJECTED", boundMs: 3_000 },
    "unreadable keyfile": { uri: () => `qemu+libssh://root@${SSHD_HOST}/system?keyfile=${fx.dir}/missing&known_hosts=${fx.knownHosts}`, reason: "AUTH_REJECTED", boundMs: 1_000 },
    "sshd not reachable (nothing on the port)": { uri: () => `qemu+libssh://root@${SSHD_HOST}:1/system?${fx.query}`, reason: "REFUSED", boundMs: 3_000 },
    "libvirt socket missing on the far side": { uri: () => `qemu+libssh2://root@${SSHD_HOST}/system?${fx.query}&socket=/nonexistent/libvirt-sock`, reason: "FORWARD_REFUSED", boundMs: 3_000 },
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

    test("the forwarded channel closed while a call is in flight: the call fails at once with LINK_LOST", async () => {
      const client = await LibvirtClient.connect({ uri: `qemu+libssh://root@${SSHD_HOST}/system?${fx.query}&socket=${relay.path}` });
      try {
        const dom = await client.domainLookupByName(vm.name);
        relay.hold();
        const call = client.domainSetVcpusFlags(dom, 2, AFFECT_LIVE).then(() => undefined, (e: unknown) => e);
        const droppedAt = Date.now();
        relay.dropAll();
        const err = await call;
        expectSshFailure({ err, ms: Date.now() - droppedAt }, "LINK_LOST", SSHD_HOST, 2_000);
        expect(err).toMatchObject({ code: "CONNECTION_CLOSED" });
      } finally {
        await client.close();
      }
      await expectUnchanged(vm);
    });

    test("the link goes silent (sshd frozen) during a call: ssh2's keepalive fails it with LINK_LOST in ~20 s", async () => {
      const before = new Set(sshClientPorts(process.pid));
      const client = await LibvirtClient.connect({ uri: `qemu+libssh://root@${SSHD_HOST}/system?${fx.query}&socket=${relay.path}` });
      let thaw = (): void => undefined;
      try {
        const dom = await client.domainLookupByName(vm.name);
        const mine = sshClientPorts(process.pid).filter((p) => !before.has(p));
        expect(mine).toHaveLength(1);
        thaw = freezeSshdSession(mine[0]!);
        const frozenAt = Date.now();
        const err = await client.domainSetVcpusFlags(dom, 2, AFFECT_LIVE).then(() => undefined, (e: unknown) => e);
        expectSshFailure({ err, ms: Date.now() - frozenAt }, "LINK_LOST", SSHD_HOST, 30_000);
        expect((err as Error).message).toMatch(/[Kk]eepalive/);
        expect(Date.now() - frozenAt).toBeGreaterThan(10_000);
      } finally {
        thaw();
        await client.close();
      }
      await expectUnchanged(vm);
    });
  });
});
