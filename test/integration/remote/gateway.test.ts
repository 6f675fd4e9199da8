/**
 * `pulumi-qemu-vcpu gateway` against real QEMU 7.2 on loopback (issue 11 item 2): every refusal case — no token,
 * a wrong token, a token for another VM, disallowed commands, oversize frames, a client that never reads, the
 * rate limit, the idle timeout — is refused or cut off, audited, and leaves the VM as it was (checked on a second
 * QMP monitor of the same QEMU, not through the gateway); 50 clients at once; then the parity scenario (hot-add
 * 1→3 with onlining, no-op, drift, unplug) through the gateway on a Linux TCG guest, with the provider's token
 * coming from stack config via `configure`.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { provider } from "../../../provider/dynamic";
import type { ProviderError } from "../../../provider/errors";
import { QmpDialError, QmpError, QmpGatewayRefusedError, SocketGuestAgent, SocketMonitor, gatewayDialer, type Monitor } from "../../../provider/qmp";
import { QmpClient, cleanupLeftovers, pollUntil, rawQemu, rawQemuFirmwareOnly, uniqueName, type RawQemu, type RawQemuFirmwareOnly } from "../../guest/guest";
import { closed, rawConnect, startTestGateway, type TestGateway } from "./gateway-fixture";

type Props = Record<string, unknown>;
const RUN = uniqueName("qvt-gw");
const CI = { name: "ci", token: "tok-ci-7f3a9c", vms: ["fw"] };
const OPS = { name: "ops", token: "tok-ops-51d2e0", vms: ["other"] };

/** The VM's own view on its second monitor (never the gateway's connection). */
async function vmState(sock: string): Promise<{ cpus: number; status: string }> {
  const q = await QmpClient.connect(sock);
  try {
    const cpus = ((await q.execute("query-cpus-fast")) as unknown[]).length;
    const status = ((await q.execute("query-status")) as { status: string }).status;
    return { cpus, status };
  } finally {
    q.close();
  }
}

function lastAudit(gw: TestGateway, match: Partial<Record<string, string>>) {
  return [...gw.audit].reverse().find((e) => Object.entries(match).every(([k, v]) => (e as unknown as Record<string, string>)[k] === v));
}

afterAll(async () => {
  expect(await cleanupLeftovers(RUN)).toEqual({ domains: [], rawQemus: [] });
});

describe("refusals against a real QEMU (firmware only, paused)", () => {
  let vm: RawQemuFirmwareOnly;
  let dir: string;
  let monitor2: string;
  let gw: TestGateway;
  let before: { cpus: number; status: string };
  const dial = (token: string, vmName = "fw") => gatewayDialer(`${gw.url(vmName)}/qmp`, { token, ca: readFileSync(gw.ca) });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "qvt-gw-"));
    monitor2 = join(dir, "mon2.sock");
    vm = await rawQemuFirmwareOnly({
      binary: "qemu-system-x86_64", machine: "q35", smp: "1,maxcpus=4,cores=4,threads=1", name: `${RUN}-fw`,
      extraArgs: ["-qmp", `unix:${monitor2},server=on,wait=off`, "-chardev", `socket,id=qga0,path=${join(dir, "qga.sock")},server=on,wait=off`,
        "-device", "virtio-serial-pci,id=vser0", "-device", "virtserialport,bus=vser0.0,chardev=qga0,name=org.qemu.guest_agent.0"],
    });
    gw = await startTestGateway({ fw: { qmp: vm.qmpSocket, agent: join(dir, "qga.sock") }, other: { qmp: join(dir, "none.sock") } }, [CI, OPS]);
    before = await vmState(monitor2);
  });
  afterAll(async () => {
    await gw?.close();
    await vm?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    expect(vm.alive()).toBe(true);
    expect(await vmState(monitor2)).toEqual(before);
  });

  test("no token: HTTP 401 at the upgrade, audited with no client name", async () => {
    const t0 = Date.now();
    const got = await rawConnect(`${gw.url("fw")}/qmp`, gw.ca);
    expect(got).toEqual({ status: 401, body: "no bearer token (Authorization: Bearer <token>)" });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(lastAudit(gw, { command: "(connect)" })).toMatchObject({ client: "-", vm: "fw", channel: "qmp", verdict: "refused", reason: expect.stringMatching(/no bearer token/) });
  });

  test("a wrong token: the provider's dial fails with the gateway's 401, nothing forwarded", async () => {
    const err = (await SocketMonitor.connect(dial("tok-ci-7f3a9d"), { connectTimeoutMs: 5000 }).catch((e: unknown) => e)) as QmpDialError;
    expect(err).toBeInstanceOf(QmpDialError);
    expect(err.cause).toBeInstanceOf(QmpGatewayRefusedError);
    expect(err.message).toMatch(/HTTP 401: the bearer token is not one of this gateway's/);
    expect(lastAudit(gw, { command: "(connect)" })).toMatchObject({ client: "-", verdict: "refused" });
  });

  test("a token for another VM: HTTP 403 naming the token and the VM", async () => {
    const err = (await SocketMonitor.connect(dial(OPS.token), { connectTimeoutMs: 5000 }).catch((e: unknown) => e)) as QmpDialError;
    expect((err.cause as QmpGatewayRefusedError).status).toBe(403);
    expect(err.message).toMatch(/token "ops" may not reach VM "fw"/);
    expect(lastAudit(gw, { client: "ops" })).toMatchObject({ vm: "fw", command: "(connect)", verdict: "refused" });
  });

  test("an unknown VM or path: 403 / 404", async () => {
    expect(await rawConnect(`${gw.url("nope")}/qmp`, gw.ca, { authorization: `Bearer ${CI.token}` })).toMatchObject({ status: 403 });
    expect(await rawConnect(`https://127.0.0.1:${gw.port}/vm/fw/hmp`.replace("https", "wss"), gw.ca, { authorization: `Bearer ${CI.token}` }))
      .toMatchObject({ status: 404, body: expect.stringMatching(/use \/vm\/<name>\/qmp/) });
  });

  describe("disallowed commands: a QMP-shaped error, an audit line, QEMU never sees them", () => {
    let m: Monitor;
    beforeAll(async () => {
      m = await SocketMonitor.connect(dial(CI.token), { connectTimeoutMs: 5000 });
    });
    afterAll(async () => m?.close());

    test.each([
      ["quit", undefined],
      ["human-monitor-command", { "command-line": "info cpus" }],
      ["system_reset", undefined],
      ["cont", undefined],
      ["device_add", { driver: "e1000", id: "nic9" }],
      ["device_add", { driver: "qemu64-x86_64-cpu", id: "vcpu1", "socket-id": 0, "core-id": 0, "thread-id": 0 }],
      ["device_del", { id: "vser0" }],
      ["qom-set", { path: "/machine", property: "acpi", value: "off" }],
      ["qom-get", { path: "/machine/peripheral/vser0", property: "type" }],
    ])("%s %j", async (command, args) => {
      const t0 = Date.now();
      const err = (await m.execute(command, args, { timeoutMs: 5000 }).catch((e: unknown) => e)) as QmpError;
      expect(err).toBeInstanceOf(QmpError);
      expect(err.class).toBe("GenericError");
      expect(err.desc).toMatch(/^refused by the gateway: /);
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(lastAudit(gw, { command })).toMatchObject({ client: "ci", vm: "fw", channel: "qmp", verdict: "refused", reason: expect.any(String) });
    });

    test("allowed reads pass through and are audited as allowed", async () => {
      expect(((await m.execute("query-cpus-fast")) as unknown[]).length).toBe(1);
      expect(lastAudit(gw, { command: "query-cpus-fast" })).toMatchObject({ client: "ci", verdict: "allowed" });
    });

    test("an agent command outside the allowlist (guest-exec, guest-file-open) is refused on the agent channel", async () => {
      const ws = await rawConnect(`${gw.url("fw")}/agent`, gw.ca, { authorization: `Bearer ${CI.token}` });
      if (!("ws" in ws)) throw new Error(`agent channel refused: ${ws.status}`);
      const replies: string[] = [];
      ws.ws.on("message", (d) => replies.push(d.toString()));
      ws.ws.send(JSON.stringify({ execute: "guest-exec", arguments: { path: "/bin/sh", arg: ["-c", "halt"] }, id: 1 }));
      ws.ws.send(JSON.stringify({ execute: "guest-file-open", arguments: { path: "/etc/shadow" }, id: 2 }));
      await pollUntil("two replies", () => replies.length >= 2 || undefined, { timeoutMs: 5000, intervalMs: 20 });
      expect(replies.map((r) => JSON.parse(r))).toEqual([
        { error: { class: "GenericError", desc: expect.stringMatching(/'guest-exec' is not on the gateway's allowlist for the agent channel/) }, id: 1 },
        { error: { class: "GenericError", desc: expect.stringMatching(/'guest-file-open' is not on/) }, id: 2 },
      ]);
      ws.ws.close();
      expect(lastAudit(gw, { command: "guest-exec" })).toMatchObject({ channel: "agent", verdict: "refused" });
    });
  });

  test("an oversize frame: the connection is closed (1009) before the payload is read, audited", async () => {
    const got = await rawConnect(`${gw.url("fw")}/qmp`, gw.ca, { authorization: `Bearer ${CI.token}` });
    if (!("ws" in got)) throw new Error(`refused: ${got.status}`);
    const t0 = Date.now();
    got.ws.send(JSON.stringify({ execute: "query-status", arguments: { pad: "x".repeat(1024 * 1024) } }));
    const code = await closed(got.ws, 5000);
    expect([1006, 1009]).toContain(code);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(lastAudit(gw, { verdict: "cut-off" })).toMatchObject({ client: "ci", reason: expect.stringMatching(/Max payload size exceeded/) });
  });
});

describe("bounds with tight limits: a client that never reads, the rate limit, the idle timeout", () => {
  let vm: RawQemuFirmwareOnly;
  let dir: string;
  let monitor2: string;
  let monitor3: string;
  let gw: TestGateway;
  let before: { cpus: number; status: string };
  const auth = { authorization: `Bearer ${CI.token}` };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "qvt-gw-"));
    monitor2 = join(dir, "mon2.sock");
    monitor3 = join(dir, "mon3.sock");
    vm = await rawQemuFirmwareOnly({ binary: "qemu-system-x86_64", machine: "q35", smp: "1,maxcpus=4,cores=4,threads=1", name: `${RUN}-fw2`,
      extraArgs: ["-qmp", `unix:${monitor2},server=on,wait=off`, "-qmp", `unix:${monitor3},server=on,wait=off`] });
    gw = await startTestGateway({ fw: { qmp: vm.qmpSocket } }, [CI], { commandsPerSecond: 20, burst: 20, maxBufferedBytes: 64 * 1024, idleSeconds: 1 });
    before = await vmState(monitor2);
  });
  afterAll(async () => {
    await gw?.close();
    await vm?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    expect(vm.alive()).toBe(true);
    expect(await vmState(monitor2)).toEqual(before);
  });

  test("the rate limit: past the burst, commands are refused with the limit named, and audited", async () => {
    const got = await rawConnect(`${gw.url("fw")}/qmp`, gw.ca, auth);
    if (!("ws" in got)) throw new Error(`refused: ${got.status}`);
    const replies: { error?: { desc: string }; id: number }[] = [];
    got.ws.on("message", (d) => replies.push(JSON.parse(d.toString())));
    got.ws.send(JSON.stringify({ execute: "qmp_capabilities", id: 0 }));
    for (let i = 1; i <= 60; i++) got.ws.send(JSON.stringify({ execute: "query-status", id: i }));
    await pollUntil("61 replies", () => replies.length >= 61 || undefined, { timeoutMs: 10_000, intervalMs: 20 });
    const limited = replies.filter((r) => r.error?.desc.includes("rate limit: at most 20 commands per second"));
    expect(limited.length).toBeGreaterThanOrEqual(30);
    expect(limited.length).toBeLessThanOrEqual(41);
    expect(gw.audit.filter((e) => e.verdict === "refused" && e.reason?.startsWith("rate limit")).length).toBe(limited.length);
    got.ws.close();
  });

  test("a client that never reads is cut off once 64 KiB queue up for it", async () => {
    // Its own gateway (on a third monitor of the same QEMU) with a rate limit high enough to fill the kernel's
    // loopback buffers (several MB) quickly; query-machines answers ~25 KB.
    const fast = await startTestGateway({ fw: { qmp: monitor3 } }, [CI], { commandsPerSecond: 5000, burst: 5000, maxBufferedBytes: 64 * 1024 });
    try {
      const got = await rawConnect(`${fast.url("fw")}/qmp`, fast.ca, auth);
      if (!("ws" in got)) throw new Error(`refused: ${got.status}`);
      (got.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      const t0 = Date.now();
      got.ws.send(JSON.stringify({ execute: "qmp_capabilities" }));
      for (let i = 0; i < 4000 && !lastAudit(fast, { verdict: "cut-off" }); i += 50) {
        for (let j = 0; j < 50 && got.ws.readyState === got.ws.OPEN; j++) got.ws.send(JSON.stringify({ execute: "query-machines", id: i + j }));
        await new Promise((r) => setTimeout(r, 100));
      }
      const cut = await pollUntil("the cut-off audit line", () => lastAudit(fast, { verdict: "cut-off" }), { timeoutMs: 10_000, intervalMs: 50 });
      expect(cut).toMatchObject({ client: "ci", reason: expect.stringMatching(/not reading: more than 65536 bytes queued/) });
      process.stdout.write(`[gateway.test] a client that never reads: cut off after ${Date.now() - t0} ms\n`);
      expect(Date.now() - t0).toBeLessThan(30_000);
      got.ws.terminate();
    } finally {
      await fast.close();
    }
  });

  test("an idle client is closed after idleSeconds", async () => {
    const got = await rawConnect(`${gw.url("fw")}/qmp`, gw.ca, auth);
    if (!("ws" in got)) throw new Error(`refused: ${got.status}`);
    const t0 = Date.now();
    expect(await closed(got.ws, 5000)).toBe(1000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(lastAudit(gw, { verdict: "cut-off" })).toMatchObject({ reason: "idle for 1 s" });
  });

  test("50 clients at once, each a bounded loop of reads: all answered over one QEMU connection", async () => {
    const t0 = Date.now();
    const dialer = gatewayDialer(`${gw.url("fw")}/qmp`, { token: CI.token, ca: readFileSync(gw.ca) });
    const counts = await Promise.all(Array.from({ length: 50 }, async () => {
      const m = await SocketMonitor.connect(dialer, { connectTimeoutMs: 20_000 });
      try {
        let n = 0;
        for (let i = 0; i < 10; i++) n += ((await m.execute("query-cpus-fast", undefined, { timeoutMs: 20_000 })) as unknown[]).length;
        return n;
      } finally {
        await m.close();
      }
    }));
    const ms = Date.now() - t0;
    process.stdout.write(`[gateway.test] 50 clients × 10 reads: ${ms} ms\n`);
    expect(counts).toEqual(Array(50).fill(10));
    expect(ms).toBeLessThan(30_000);
    expect(gw.audit.filter((e) => e.verdict === "connected").length).toBeGreaterThanOrEqual(50);
  });
});

describe("the parity scenario through the gateway on a Linux TCG guest", () => {
  let vm: RawQemu;
  let dir: string;
  let monitor2: string;
  let gw: TestGateway;
  let outs: Props;
  let id: string;
  const spec = (over: Props = {}): Props => ({
    __label: "gw-cpu", qmp: { url: gw.url("web"), ca: gw.ca, tokenConfigKey: "site:gatewayToken" }, maxVcpus: 4, vcpus: 3, guestAgent: "required", ...over,
  });
  const configure = (values: Record<string, string>) => provider.configure!({ config: { get: (k: string) => values[k] } } as never);

  async function checked(news: Props, olds: Props = {}): Promise<Props> {
    const { inputs, failures } = await provider.check!(olds, news);
    expect(failures ?? []).toEqual([]);
    return inputs as Props;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "qvt-gw-"));
    monitor2 = join(dir, "mon2.sock");
    vm = await rawQemu({ name: `${RUN}-web`, machine: "q35", maxVcpus: 4, vcpus: 1, extraArgs: ["-qmp", `unix:${monitor2},server=on,wait=off`] });
    await vm.waitForAgent(90_000);
    gw = await startTestGateway({ web: { qmp: vm.qmpSocket, agent: vm.agentSocket } }, [{ name: "ci", token: CI.token, vms: ["web"] }]);
  });
  afterAll(async () => {
    await configure({});
    await gw?.close();
    await vm?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("without the token in stack config: a clear error naming the key, nothing changed", async () => {
    await configure({});
    const err = (await provider.create(await checked(spec())).catch((e: unknown) => e)) as ProviderError;
    expect(err.code).toBe("INVALID_INPUT");
    expect(err.message).toMatch(/needs the gateway's token in stack config "site:gatewayToken": pulumi config set --secret site:gatewayToken <token>/);
    expect((await vmState(monitor2)).cpus).toBe(1);
  });

  test("create hot-adds 1→3 through the gateway and the guest has all 3 online", async () => {
    await configure({ "site:gatewayToken": CI.token });
    const t0 = Date.now();
    const created = await provider.create(await checked(spec()));
    process.stdout.write(`[gateway.test] hot-add 1→3 through the gateway: ${Date.now() - t0} ms\n`);
    ({ id } = created);
    outs = created.outs as Props;
    // A raw QEMU started without -uuid is named by its endpoint: here the gateway URL (no token in it).
    expect(id).toBe(`qmp:${gw.url("web")}`);
    expect(outs).toMatchObject({ liveVcpus: 3, guestOnlineVcpus: 3, maxVcpus: 4, agent: "connected" });
    expect(JSON.stringify(outs)).not.toContain(CI.token);
    expect((await vmState(monitor2)).cpus).toBe(3);
    await pollUntil("guest console shows 3 online", () => (vm.consoleCpus()?.online.length === 3 ? true : undefined), { timeoutMs: 10_000 });
    expect(gw.audit.filter((e) => e.command === "device_add").map((e) => e.verdict)).toEqual(["allowed", "allowed"]);
    expect(gw.audit.some((e) => e.command === "guest-set-vcpus" && e.verdict === "allowed")).toBe(true);
  });

  test("the same spec again: diff says no change", async () => {
    expect(await provider.diff!(id, outs, await checked(spec(), outs))).toMatchObject({ changes: false });
  });

  test("refresh sees a vCPU hot-added out of band as drift", async () => {
    const q = await QmpClient.connect(monitor2);
    try {
      const slots = (await q.execute("query-hotpluggable-cpus")) as { type: string; props: Record<string, number>; "qom-path"?: string }[];
      const free = slots.find((s) => !s["qom-path"])!;
      await q.execute("device_add", { ...free.props, driver: free.type, id: "oob3" });
    } finally {
      q.close();
    }
    const read = await provider.read!(id, outs);
    expect(read.props).toMatchObject({ liveVcpus: 4, declared: { vcpus: 3 } });
    outs = read.props as Props;
    expect(await provider.diff!(id, outs, await checked(spec(), outs))).toMatchObject({ changes: true });
  });

  test("unplug 4→3 through the gateway: QEMU's and the guest's view agree", async () => {
    await pollUntil("guest sees 4 CPUs", () => (vm.consoleCpus()?.present.length === 4 ? true : undefined), { timeoutMs: 15_000 });
    outs = (await provider.update!(id, outs, await checked(spec(), outs))).outs as Props;
    expect(outs).toMatchObject({ liveVcpus: 3, guestOnlineVcpus: 3 });
    expect((await vmState(monitor2)).cpus).toBe(3);
    expect(gw.audit.filter((e) => e.command === "device_del").map((e) => e.verdict)).toEqual(["allowed"]);
  });
});
