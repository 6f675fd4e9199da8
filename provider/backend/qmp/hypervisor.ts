/**
 * The raw-QEMU backend: a {@link Hypervisor} over a QMP socket (unix or TCP) and, optionally,
 * the host side of the guest agent's virtio-serial chardev. Hot-add is `device_add` with the
 * slot's `type` and every slot prop passed verbatim, under a stable id derived from the slot
 * (`vcpu<N>`), or `cpu-add id=N` on a QEMU before 2.7 (no `query-hotpluggable-cpus`); unplug is `device_del`, completed by `DEVICE_DELETED` (fast path) or by QEMU's
 * slot view (under TCG only the vCPU's `lapic` child is ever reported deleted).
 */
import { LOCAL_LEASE, type GuestPort, type Hypervisor, type Lease, type OfferedMachines, type ReadOptions, type UnplugOutcome } from "../../apply";
import { ProviderError } from "../../errors";
import type { HotAddStep, UnplugStep } from "../../plan";
import {
  QmpBaseError,
  QmpDialError,
  SocketGuestAgent,
  SocketMonitor,
  addCpuLegacy,
  anyOf,
  cpuLapicDeleted,
  deviceDeleted,
  isCommandNotFound,
  plugCpu,
  query,
  requestDeviceDel,
  gatewayDialer,
  tcpDialer,
  unixDialer,
  unplugGuestError,
  type GuestAgent,
  type Monitor,
  type QmpDialer,
} from "../../qmp";
import type { LiveState, QmpConnection, Topology } from "../../spec";
import { streamLocalDialer } from "../../ssh";
import { guestView, toGuestCpu } from "../guest-view";
import { firstVcpuId, inferTopology, qemuVcpus } from "../slots";
import { hotpluggableSlots, machineSmp, toQemuSlot } from "../qemu-view";
import { qmpCall } from "./errors";
import { readQmp, type QmpAgentRead } from "./read";

/** How long a read waits for a silent agent before calling it unavailable. */
const AGENT_PROBE_MS = 1500;

/**
 * Bound of dial + greeting + `qmp_capabilities`. QEMU greets at once; the only monitor that
 * never does is one already serving another client (QMP serves one at a time), and 5 s keeps
 * that case inside a preview's PREVIEW_READ_MS.
 */
const CONNECT_TIMEOUT_MS = 5_000;

/** The phase of the QMP handshake an error came from, in words ("greeting: …"). */
function connectFailure(err: unknown): string {
  const phase = err instanceof QmpDialError ? "dial" : err instanceof QmpBaseError && "command" in err ? err.command : undefined;
  return phase === undefined ? (err as Error).message : `${phase} failed: ${(err as Error).message}`;
}

/** The dialer of `path` (the QMP socket, or the agent's): over SSH on `c.ssh`'s host, else here. */
function dialerFor(c: QmpConnection, path = c.socket): QmpDialer {
  if (c.ssh) return streamLocalDialer(c.ssh, path!);
  if (path) return unixDialer(path);
  return tcpDialer(c.host!, c.port!);
}

/** What a gateway connection (`qmp.url`) needs besides the spec: the token from stack config, the CA read. */
export interface GatewayCredentials {
  token: string;
  ca?: string | Buffer;
}

/** The monitor's and the agent's dialers (the agent's undefined when there is none): through a gateway for
 * `qmp.url`, else {@link dialerFor}. */
function dialersFor(c: QmpConnection, gateway?: GatewayCredentials): { monitor: QmpDialer; agent: QmpDialer | undefined } {
  if (c.url) {
    if (!gateway) throw new ProviderError("INVALID_INPUT", `qmp.url ${c.url} needs the gateway's token (stack config)`);
    const opts = { token: gateway.token, ...(gateway.ca === undefined ? {} : { ca: gateway.ca }) };
    return { monitor: gatewayDialer(`${c.url}/qmp`, opts), agent: gatewayDialer(`${c.url}/agent`, { ...opts, agent: true }) };
  }
  return { monitor: dialerFor(c), agent: c.agentSocket ? dialerFor(c, c.agentSocket) : undefined };
}

/** The endpoint in messages and ids: the socket path, host:port, ssh://user@host:port/path, or the gateway URL. */
export function qmpEndpoint(c: QmpConnection): string {
  if (c.url) return c.url;
  if (c.ssh) return `ssh://${c.ssh.user ?? "root"}@${c.ssh.host}:${c.ssh.port ?? 22}${c.socket}`;
  return c.socket ?? `${c.host}:${c.port}`;
}

/** {@link Hypervisor} over raw QMP. */
export class QmpHypervisor implements Hypervisor {
  private agent: GuestAgent | undefined;
  /** The agent connection under way (started with the monitor's, see {@link open}). */
  private agentPending: Promise<GuestAgent | undefined> | undefined;
  /** Topology and architecture, fixed for the life of the QEMU process: read once per connection. */
  private layout: Promise<{ topology: Topology; arch: string }> | undefined;

  private constructor(
    private readonly monitor: Monitor,
    private readonly conn: QmpConnection,
    private readonly useAgent: boolean,
    private readonly agentDialer: QmpDialer | undefined,
  ) {}

  /**
   * Connects to QMP within `connectTimeoutMs` (dial + greeting + `qmp_capabilities` together);
   * CONNECTION_FAILED naming the endpoint and the phase when it can't, the QMP error as cause.
   */
  static async open(conn: QmpConnection, useAgent: boolean, connectTimeoutMs = CONNECT_TIMEOUT_MS, gateway?: GatewayCredentials): Promise<QmpHypervisor> {
    const { monitor: dialer, agent: agentDialer } = dialersFor(conn, gateway);
    // The agent is dialed alongside the monitor: qemu-ga polls a chardev nobody is attached to only every
    // 100 ms (qga/main.c sleeps on virtio EOF), so its first answer takes up to that long after we attach;
    // started here, that wait overlaps the QMP handshake and the first read instead of following them.
    const agent = useAgent && agentDialer ? QmpHypervisor.dialAgent(agentDialer, AGENT_PROBE_MS) : undefined;
    try {
      const hv = new QmpHypervisor(await SocketMonitor.connect(dialer, { connectTimeoutMs }), conn, useAgent, agentDialer);
      hv.agentPending = agent;
      return hv;
    } catch (err) {
      void agent?.then((a) => a?.close());
      throw new ProviderError("CONNECTION_FAILED", `can't open QMP at ${dialer.target}: ${connectFailure(err)}`, { cause: err });
    }
  }

  private static dialAgent(dialer: QmpDialer, waitMs: number): Promise<GuestAgent | undefined> {
    return SocketGuestAgent.connect(dialer, { totalTimeoutMs: waitMs }).catch(() => undefined);
  }

  private get endpoint(): string {
    return qmpEndpoint(this.conn);
  }

  /**
   * The agent, connected once; undefined when it does not answer within `waitMs`. A connection
   * under way is awaited first; when it failed, a new attempt is made only if `retry`.
   */
  private async connectAgent(waitMs: number, retry = false): Promise<GuestAgent | undefined> {
    if (this.agent) return this.agent;
    if (!this.useAgent || !this.agentDialer) return undefined;
    if (this.agentPending) {
      this.agent = await this.agentPending;
      if (this.agent || !retry) return this.agent;
    }
    this.agentPending = QmpHypervisor.dialAgent(this.agentDialer, waitMs);
    this.agent = await this.agentPending;
    return this.agent;
  }

  private async readAgent(withGuest: boolean): Promise<QmpAgentRead> {
    if (!this.useAgent) return { status: "off", guest: undefined };
    if (!this.agentDialer) return { status: "not-configured", guest: undefined };
    const agent = await this.connectAgent(AGENT_PROBE_MS);
    if (!agent) return { status: "unavailable", guest: undefined };
    if (!withGuest) return { status: "connected", guest: undefined };
    return { status: "connected", guest: guestView(await agent.getVcpus()) };
  }

  read(opts?: ReadOptions): Promise<LiveState> {
    return qmpCall(`reading QEMU at ${this.endpoint}`, () => readQmp(this.monitor, this.endpoint, () => this.readAgent(opts?.guest ?? true)));
  }

  /** The machine types this QEMU binary offers (`query-machines`; one binary is one architecture). */
  async machines(arch: string): Promise<OfferedMachines> {
    const list = await qmpCall(`reading QEMU's machine types at ${this.endpoint}`, () => query(this.monitor, "query-machines"));
    return { where: `this QEMU (${arch}, ${this.endpoint})`, machines: list.map((m) => (m.alias ? { name: m.name, alias: m.alias } : { name: m.name })) };
  }

  private topologyAndArch(): Promise<{ topology: Topology; arch: string }> {
    this.layout ??= this.readLayout();
    return this.layout;
  }

  private async readLayout(): Promise<{ topology: Topology; arch: string }> {
    const [smp, cpus, slots] = await Promise.all([
      machineSmp(this.monitor).catch(() => undefined),
      query(this.monitor, "query-cpus-fast"),
      hotpluggableSlots(this.monitor),
    ]);
    const arch = cpus[0]?.target ?? "unknown";
    return { topology: smp?.topology ?? inferTopology(slots, arch), arch };
  }

  hotAdd(step: HotAddStep): Promise<void> {
    return qmpCall(`hot-adding vCPU ${step.entity}`, () => this.plug(step));
  }

  private async plug(step: HotAddStep): Promise<void> {
    const raw = await query(this.monitor, "query-hotpluggable-cpus").catch((err: unknown) => {
      if (isCommandNotFound(err)) return undefined;
      throw err;
    });
    // QEMU before 2.7: the legacy cpu-add takes the vCPU's linear index (the version gates allow it on x86 only).
    if (!raw) return addCpuLegacy(this.monitor, step.entity);
    const { topology, arch } = await this.topologyAndArch();
    const slot = raw.find((s) => firstVcpuId(arch, toQemuSlot(s), topology) === step.entity);
    if (!slot) throw new ProviderError("PRECONDITION_FAILED", `QEMU has no hotpluggable slot for vCPU ${step.entity}`);
    await plugCpu(this.monitor, slot, `vcpu${step.entity}`);
  }

  private async pluggedPath(entity: number): Promise<string | undefined> {
    const [slots, { topology, arch }] = await Promise.all([hotpluggableSlots(this.monitor), this.topologyAndArch()]);
    return qemuVcpus(arch, slots, topology).find((v) => v.id === entity && v.enabled)?.qomPath;
  }

  unplug(step: UnplugStep, deadline: number): Promise<UnplugOutcome> {
    return qmpCall(`unplugging vCPU ${step.entity}`, () => this.unplugAndWait(step, deadline));
  }

  private async unplugAndWait(step: UnplugStep, deadline: number): Promise<UnplugOutcome> {
    const path = await this.pluggedPath(step.entity);
    if (!path) return { removed: true, libvirtTimedOut: false, detail: "the slot was already free", confirmed: true };
    const start = this.monitor.mark();
    let mark = start;
    await requestDeviceDel(this.monitor, path);
    const cpuDeleted = deviceDeleted({ path });
    const done = anyOf(cpuDeleted, cpuLapicDeleted(path));
    const failed = unplugGuestError({ path });
    // Confirmed only by DEVICE_DELETED for the vCPU itself (under TCG QEMU sends it for the lapic only).
    const outcome = async (removed: boolean, detail: string): Promise<UnplugOutcome> =>
      ({ removed, libvirtTimedOut: false, detail, confirmed: removed && (await this.monitor.waitForEvent(cpuDeleted, 0, start)) !== undefined });
    for (;;) {
      if (!(await this.pluggedPath(step.entity))) return outcome(true, "QEMU's query-hotpluggable-cpus shows the slot free");
      const left = deadline - Date.now();
      if (left <= 0) return outcome(false, `QEMU still lists ${path} as plugged (the guest did not finish the ACPI eject)`);
      const event = await this.monitor.waitForEvent(anyOf(done, failed), Math.min(left, 250), mark);
      mark = this.monitor.mark();
      if (event && failed(event)) return outcome(false, `the guest refused the eject (DEVICE_UNPLUG_GUEST_ERROR for ${path})`);
    }
  }

  async setConfigVcpus(): Promise<void> {
    throw new ProviderError("PRECONDITION_FAILED", "a raw QMP VM has no persistent definition");
  }

  async defineConfig(): Promise<void> {
    throw new ProviderError("PRECONDITION_FAILED", "a raw QMP VM has no persistent definition");
  }

  async restart(): Promise<void> {
    throw new ProviderError("PRECONDITION_FAILED", "the provider can't restart a QEMU it did not start");
  }

  async waitForAgent(deadline: number): Promise<boolean> {
    return (await this.connectAgent(Math.max(1, deadline - Date.now()), true)) !== undefined;
  }

  /** No lease: QMP has no shared place to keep one (and QEMU serves one QMP client per socket). */
  async lease(): Promise<Lease> {
    return LOCAL_LEASE;
  }

  guest(): GuestPort | undefined {
    if (!this.useAgent || !this.agentDialer) return undefined;
    const agent = () => this.connectAgent(AGENT_PROBE_MS).then((a) => {
      if (!a) throw new ProviderError("AGENT_UNAVAILABLE", "qemu-guest-agent does not answer");
      return a;
    });
    return {
      getVcpus: () => qmpCall("asking the guest agent for the guest's CPUs", async () =>
        (await (await agent()).getVcpus()).map(toGuestCpu)),
      setVcpus: (changes) => qmpCall("onlining/offlining guest CPUs through the guest agent", async () => (await agent()).setVcpus(changes)),
    };
  }

  async close(): Promise<void> {
    const agent = this.agent ?? (await this.agentPending?.catch(() => undefined));
    await Promise.all([this.monitor.close().catch(() => undefined), agent?.close().catch(() => undefined)]);
  }
}
