/**
 * The gateway's own connections to each VM: one QMP monitor and one guest-agent connection per VM, shared by all
 * its clients (QEMU's QMP socket and qemu-ga's chardev serve one client at a time, so the gateway multiplexes).
 * Opened on first use, opened again after they drop. The monitor's greeting and `qmp_capabilities` are done
 * here once; clients get the greeting QEMU sent and their own `qmp_capabilities` is answered by the gateway.
 */
import { SocketGuestAgent, SocketMonitor, query, unixDialer, type HotpluggableCpu, type QmpGreeting } from "../../qmp";
import type { GatewayVm } from "./config";
import type { VmFacts } from "./allowlist";

/** Bound of connecting to QEMU's monitor (it greets at once) and of resynchronising with the agent. */
const CONNECT_MS = 5000;

/** One VM's upstream connections. */
export class VmUpstream implements VmFacts {
  private monitorP: Promise<SocketMonitor> | undefined;
  private agentP: Promise<SocketGuestAgent> | undefined;
  private closed = false;

  constructor(
    readonly name: string,
    private readonly vm: GatewayVm,
  ) {}

  /** Whether the VM has a guest-agent socket configured. */
  get hasAgent(): boolean {
    return this.vm.agent !== undefined;
  }

  /** The connected monitor (connecting, or connecting again after a drop). */
  monitor(): Promise<SocketMonitor> {
    if (this.closed) return Promise.reject(new Error("the gateway is shutting down"));
    const current = this.monitorP;
    if (current) {
      return current.then((m) => (m.closed ? this.reconnectMonitor(current) : m), () => this.reconnectMonitor(current));
    }
    return this.reconnectMonitor(undefined);
  }

  private reconnectMonitor(stale: Promise<SocketMonitor> | undefined): Promise<SocketMonitor> {
    if (this.monitorP === stale) {
      this.monitorP = SocketMonitor.connect(unixDialer(this.vm.qmp), { connectTimeoutMs: CONNECT_MS });
      this.monitorP.catch(() => undefined);
    }
    return this.monitorP!;
  }

  /** The greeting QEMU sent on the gateway's connection. */
  async greeting(): Promise<QmpGreeting> {
    return (await this.monitor()).greeting;
  }

  /** The agent connection (resynchronised); rejects when the VM has none or qemu-ga does not answer. */
  agent(): Promise<SocketGuestAgent> {
    if (this.closed) return Promise.reject(new Error("the gateway is shutting down"));
    if (!this.vm.agent) return Promise.reject(new Error(`VM ${this.name} has no guest-agent socket in the gateway config`));
    const path = this.vm.agent;
    if (!this.agentP) {
      const p = SocketGuestAgent.connect(unixDialer(path), { totalTimeoutMs: CONNECT_MS });
      this.agentP = p;
      p.catch(() => {
        if (this.agentP === p) this.agentP = undefined;
      });
    }
    return this.agentP;
  }

  /** Drops the agent connection (after it failed), so the next call connects and resynchronises afresh. */
  dropAgent(): void {
    const p = this.agentP;
    this.agentP = undefined;
    void p?.then((a) => a.close()).catch(() => undefined);
  }

  async cpuSlots(): Promise<HotpluggableCpu[]> {
    return query(await this.monitor(), "query-hotpluggable-cpus");
  }

  /** Closes both connections. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([
      this.monitorP?.then((m) => m.close()).catch(() => undefined),
      this.agentP?.then((a) => a.close()).catch(() => undefined),
    ]);
  }
}
