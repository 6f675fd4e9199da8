/**
 * The four ways of taking a fresh test guest from 1 to N vCPUs, all online in the guest,
 * compared by bench/apply: (a) our provider through libvirt, (b) our provider through QMP,
 * (c) the manual flow (`virsh setvcpus` then `virsh qemu-agent-command guest-set-vcpus` until
 * the guest lists N online), (d) the floor: `device_add` + `guest-set-vcpus` over sockets
 * that are already open, (e) (b) through QMP over SSH (loopback sshd). Each returns the ms from
 * the start of the change to N online.
 */
import { provider } from "../../provider/dynamic";
import { SocketGuestAgent, SocketMonitor, plugCpu, query, unixDialer } from "../../provider/qmp";
import { rawQemu, startTestDomain, virsh, type RawQemu, type TestDomain } from "../../test/guest/guest";
import { makeSshFixture, SSHD_HOST, type SshFixture } from "../../test/integration/remote/sshd";
import { startTestGateway } from "../../test/integration/remote/gateway-fixture";

/** One measured method. */
export type Method = (name: string, n: number) => Promise<number>;

const GUEST = { machine: "q35", maxVcpus: 16, vcpus: 1 } as const;
const BOOT_MS = 90_000;

/**
 * `pulumi up` of an existing resource from 1 to `n` vCPUs, as the engine drives it: the VM is
 * adopted at 1 vCPU first (untimed), then check → diff → update are timed together.
 */
async function viaProvider(props: Record<string, unknown>, n: number): Promise<number> {
  const quiet = console.log;
  console.log = () => undefined;
  try {
    const adopt = await provider.check!({}, { ...props, vcpus: 1 });
    const { id, outs } = await provider.create(adopt.inputs as Record<string, unknown>);
    const t0 = performance.now();
    const { inputs, failures } = await provider.check!(adopt.inputs, { ...props, vcpus: n });
    if (failures?.length) throw new Error(JSON.stringify(failures));
    const diff = await provider.diff!(id, outs, inputs);
    if (!diff.changes) throw new Error("diff found no change");
    await provider.update!(id, outs, inputs);
    return performance.now() - t0;
  } finally {
    console.log = quiet;
  }
}

/** Runs `fn` on a fresh libvirt test guest whose agent answers; destroys it afterwards. */
async function onLibvirtGuest(name: string, fn: (vm: TestDomain) => Promise<number>): Promise<number> {
  const vm = await startTestDomain({ name, ...GUEST });
  try {
    await vm.waitForAgent(BOOT_MS);
    return await fn(vm);
  } finally {
    await vm.destroy();
  }
}

/** Runs `fn` on a fresh raw-QEMU test guest whose agent answers; stops it afterwards. */
async function onRawGuest(name: string, fn: (vm: RawQemu) => Promise<number>): Promise<number> {
  const vm = await rawQemu({ name, ...GUEST });
  try {
    await vm.waitForAgent(BOOT_MS);
    return await fn(vm);
  } finally {
    await vm.stop();
  }
}

/** (a) provider update through libvirt. */
export const providerLibvirt: Method = (name, n) =>
  onLibvirtGuest(name, (vm) =>
    viaProvider({ libvirt: { uri: "qemu:///system", domain: vm.name }, maxVcpus: GUEST.maxVcpus, guestAgent: "required" }, n));

/** (b) provider update through raw QMP + the agent chardev. */
export const providerQmp: Method = (name, n) =>
  onRawGuest(name, (vm) =>
    viaProvider({ qmp: { socket: vm.qmpSocket, agentSocket: vm.agentSocket }, maxVcpus: GUEST.maxVcpus, guestAgent: "required" }, n));

/** (c) the manual flow with virsh. */
export const manualVirsh: Method = (name, n) =>
  onLibvirtGuest(name, async (vm) => {
    const want = Array.from({ length: n - 1 }, (_, i) => ({ "logical-id": i + 1, online: true }));
    const t0 = performance.now();
    await virsh(["setvcpus", vm.name, String(n), "--live"]);
    for (;;) {
      await virsh(["qemu-agent-command", vm.name, JSON.stringify({ execute: "guest-set-vcpus", arguments: { vcpus: want } })]).catch(() => undefined);
      if ((await vm.guestOnlineCpus()).length >= n) return performance.now() - t0;
    }
  });

/** (d) the floor: device_add per slot, wait for the guest to list them, one guest-set-vcpus. */
export const floorSockets: Method = (name, n) =>
  onRawGuest(name, async (vm) => {
    const monitor = await SocketMonitor.connect(unixDialer(vm.qmpSocket));
    const agent = await SocketGuestAgent.connect(unixDialer(vm.agentSocket));
    try {
      const free = (await query(monitor, "query-hotpluggable-cpus")).filter((s) => !s["qom-path"]).sort((a, b) => (a.props["core-id"] ?? 0) - (b.props["core-id"] ?? 0));
      const t0 = performance.now();
      for (const [i, slot] of free.slice(0, n - 1).entries()) await plugCpu(monitor, slot, `floor${i + 1}`);
      let cpus = await agent.getVcpus();
      while (cpus.length < n) cpus = await agent.getVcpus();
      await agent.setVcpus(cpus.filter((c) => !c.online).map((c) => ({ logicalId: c.logicalId, online: true })));
      return performance.now() - t0;
    } finally {
      await Promise.all([monitor.close(), agent.close()]);
    }
  });

/** The loopback sshd's key and known_hosts for row e, made on first use (see {@link closeSshFixture}). */
let sshFixture: Promise<SshFixture> | undefined;

/** Removes row e's key from the loopback sshd's authorized keys (if it was made). */
export async function closeSshFixture(): Promise<void> {
  (await sshFixture?.catch(() => undefined))?.cleanup();
}

/** (e) provider update through QMP over SSH: the same sockets reached through the loopback sshd. */
export const providerQmpSsh: Method = async (name, n) => {
  sshFixture ??= makeSshFixture();
  const fx = await sshFixture;
  const ssh = { host: SSHD_HOST, user: "root", keyfile: fx.key, knownHosts: fx.knownHosts };
  return onRawGuest(name, (vm) =>
    viaProvider({ qmp: { ssh, socket: vm.qmpSocket, agentSocket: vm.agentSocket }, maxVcpus: GUEST.maxVcpus, guestAgent: "required" }, n));
};

/** The token row f's gateway is given (the stack config value the provider's `configure` sees). */
const GATEWAY_TOKEN = "bench-gateway-token";

/** (f) provider update through `pulumi-qemu-vcpu gateway` (started in this process on loopback; wss, token from
 * `configure`): the same sockets, served by the gateway. */
export const providerGateway: Method = async (name, n) =>
  onRawGuest(name, async (vm) => {
    const gw = await startTestGateway({ vm: { qmp: vm.qmpSocket, agent: vm.agentSocket } }, [{ name: "bench", token: GATEWAY_TOKEN, vms: ["vm"] }]);
    try {
      await provider.configure!({ config: { get: (k: string) => (k === "qemu-vcpu:gatewayToken" ? GATEWAY_TOKEN : undefined) } } as never);
      return await viaProvider({ qmp: { url: gw.url("vm"), ca: gw.ca }, maxVcpus: GUEST.maxVcpus, guestAgent: "required" }, n);
    } finally {
      await gw.close();
    }
  });
