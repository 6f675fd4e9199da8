/**
 * An in-memory VM implementing the executor's Hypervisor port: for the executor's contract
 * (ordering, count checks, error shapes). Real behaviour is proven by the integration tests.
 */
import type { GuestCpu, GuestPort, Hypervisor, Lease, UnplugOutcome } from "../../provider/apply";
import { VmBusyError } from "../../provider/errors";
import type { DefineConfigStep, HotAddStep, UnplugStep } from "../../provider/plan";
import type { LiveState } from "../../provider/spec";
import { runningVm } from "./live";

export interface FakeVmOptions {
  max?: number;
  plugged?: number;
  /** What an unplug does: confirmed, libvirt timeout but QEMU removed it, or stuck forever. */
  unplug?: "ok" | "timeout-removed" | "stuck";
  /** guest-set-vcpus applies only this many entries per call. */
  guestApplyLimit?: number;
  /** CPUs the guest refuses to offline. */
  pinned?: number[];
  /** CPUs whose bring-up always fails in the guest (guest-set-vcpus stops there). */
  failsOnline?: number[];
  agent?: boolean;
  /** Plugged CPUs that are offline in the guest at the start. */
  offline?: number[];
  /** Whether its lease is seen by other processes (libvirt), only this one's lock holds it (QMP, the default), or another process holds it. */
  lease?: "local" | "cross-process" | "busy";
  /** Awaited before every change (hotAdd, unplug, guest-set, config), with the call's name: holds an operation mid-way. */
  gate?: (call: string) => Promise<void>;
}

export class FakeVm implements Hypervisor {
  readonly calls: string[] = [];
  plugged: Set<number>;
  guestPresent: Set<number>;
  guestOnline: Set<number>;
  config: { maxVcpus: number; vcpus: number };
  private order = new Map<number, number>();
  constructor(private readonly o: FakeVmOptions = {}) {
    const n = o.plugged ?? 1;
    this.plugged = new Set(Array.from({ length: n }, (_, i) => i));
    this.guestPresent = new Set(this.plugged);
    this.guestOnline = new Set([...this.plugged].filter((id) => !(o.offline ?? []).includes(id)));
    this.config = { maxVcpus: o.max ?? 4, vcpus: n };
    [...this.plugged].forEach((id) => this.order.set(id, id + 1));
  }

  async read(): Promise<LiveState> {
    this.calls.push("read");
    const base = runningVm({ max: this.o.max ?? 4, plugged: 0 });
    const slots = base.running!.slots.map((s) => ({ ...s, enabled: this.plugged.has(s.id), order: this.order.get(s.id) }));
    const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
    return {
      ...base,
      running: { ...base.running!, vcpus: this.plugged.size, libvirtVcpus: this.plugged.size, slots },
      config: { ...base.config!, ...this.config },
      agent: this.o.agent === false ? "unavailable" : "connected",
      guest: this.o.agent === false ? undefined : { present: sorted(this.guestPresent), online: sorted(this.guestOnline), offlinable: sorted(this.guestOnline).filter((i) => i > 0) },
    };
  }
  async lease(): Promise<Lease> {
    this.calls.push("lease");
    if (this.o.lease === "busy") throw new VmBusyError("VM busy", { owner: "other:1:ab", operation: "update", resource: "VmCpu other", expires: Date.now() + 60_000 });
    return {
      crossProcess: this.o.lease === "cross-process",
      renew: async () => void this.calls.push("renew"),
      release: async () => void this.calls.push("release"),
    };
  }
  /** Records a change, after the gate (if any) lets it through. */
  private async change(call: string) {
    await this.o.gate?.(call);
    this.calls.push(call);
  }
  async hotAdd(step: HotAddStep) {
    await this.change(`hotAdd:${step.vcpuIds}`);
    step.vcpuIds.forEach((id) => { this.plugged.add(id); this.order.set(id, Math.max(0, ...this.order.values()) + 1); this.guestPresent.add(id); });
  }
  async unplug(step: UnplugStep, _deadline: number): Promise<UnplugOutcome> {
    await this.change(`unplug:${step.vcpuIds}`);
    if (this.o.unplug === "stuck") return { removed: false, libvirtTimedOut: true, detail: "QEMU still lists it", confirmed: false };
    step.vcpuIds.forEach((id) => { this.plugged.delete(id); this.guestPresent.delete(id); this.guestOnline.delete(id); });
    return { removed: true, libvirtTimedOut: this.o.unplug === "timeout-removed", detail: "slot free", confirmed: this.o.unplug !== "timeout-removed" };
  }
  async setConfigVcpus(n: number) { await this.change(`config:${n}`); this.config.vcpus = n; }
  async defineConfig(step: DefineConfigStep) { this.calls.push("defineConfig"); this.config = { maxVcpus: step.config.maxVcpus, vcpus: step.config.vcpus }; }
  async restart() { this.calls.push("restart"); }
  async waitForAgent() { this.calls.push("waitForAgent"); return this.o.agent !== false; }
  guest(): GuestPort | undefined {
    if (this.o.agent === false) return undefined;
    return {
      getVcpus: async (): Promise<GuestCpu[]> =>
        [...this.guestPresent].sort((a, b) => a - b).map((id) => ({ logicalId: id, online: this.guestOnline.has(id), canOffline: id > 0 && !(this.o.pinned ?? []).includes(id) })),
      setVcpus: async (changes) => {
        await this.change(`guest-set:${changes.map((c) => `${c.logicalId}${c.online ? "+" : "-"}`)}`);
        let applied = 0;
        for (const c of changes) {
          if (applied >= (this.o.guestApplyLimit ?? Infinity)) break;
          if (!c.online && (this.o.pinned ?? []).includes(c.logicalId)) break;
          if (c.online && (this.o.failsOnline ?? []).includes(c.logicalId)) break;
          if (c.online) this.guestOnline.add(c.logicalId); else this.guestOnline.delete(c.logicalId);
          applied++;
        }
        return applied;
      },
    };
  }
  async close() {}
}
