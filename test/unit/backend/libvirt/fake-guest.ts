/**
 * The guest side of a {@link FakeDomain}, reached through libvirt's typed agent APIs:
 * DOMAIN_GET_GUEST_VCPUS answers three STRING typed params (`vcpus`, `online`,
 * `offlinable`, notes §2) and DOMAIN_SET_GUEST_VCPUS changes CPUs in cpumap order, stopping
 * at the first one the guest refuses — the prefix semantics of `guest-set-vcpus`.
 */
import * as R from "../../../../provider/libvirt/protocol/remote-procedures";
import { TypedParamType } from "../../../../provider/libvirt/protocol/types";
import { fail, ok, type FakeReply } from "../../../fakes/libvirtd";
import { formatIds, parseIds } from "./cpu-list";
import type { FakeDomain } from "./fake-domain";
import * as W from "./wire";

/**
 * What libvirt answers when the agent changed only some CPUs. The code/domain are those of
 * agent command failures (VIR_ERR_INTERNAL_ERROR, VIR_FROM_QEMU); the text is illustrative.
 */
export const PARTIAL_SET_ERROR = { code: 1, domain: 10, message: "internal error: guest agent was not able to change the state of every vCPU" };

/** The guest's CPUs: present = what QEMU has plugged; online as the guest keeps it. */
export class FakeGuest {
  /** CPUs online in the guest. */
  readonly online = new Set<number>();
  /** CPUs the guest refuses to change. */
  readonly refuses = new Set<number>();

  constructor(private readonly d: FakeDomain) {
    this.boot();
  }

  /** After (re)start every plugged CPU is online. */
  boot(): void {
    this.online.clear();
    this.d.qemuPlugged.forEach((id) => this.online.add(id));
  }

  /** Logical CPUs the guest sees. */
  present(): number[] {
    return [...this.d.qemuPlugged].sort((a, b) => a - b);
  }

  /** Scripts GET_GUEST_VCPUS and SET_GUEST_VCPUS on the domain. */
  install(): void {
    this.d
      .on(R.DomainGetGuestVcpus, W.readDomFlags, () => this.agentError() ?? this.view())
      .on(R.DomainSetGuestVcpus, W.readDomCpumap, (a) => this.agentError() ?? this.set(parseIds(a.cpumap), a.state === 1));
  }

  private agentError(): FakeReply | undefined {
    if (this.d.agent === "no-channel") return fail(W.LIBVIRT_ERRORS.agentNotConfigured);
    if (this.d.agent === "disconnected") return fail(W.LIBVIRT_ERRORS.agentNotConnected);
    return undefined;
  }

  private view(): FakeReply {
    const present = this.present();
    return W.typedParamsRet([
      { field: "vcpus", type: TypedParamType.STRING, value: formatIds(present) },
      { field: "online", type: TypedParamType.STRING, value: formatIds(present.filter((id) => this.online.has(id))) },
      { field: "offlinable", type: TypedParamType.STRING, value: formatIds(present.filter((id) => id !== 0)) },
    ]);
  }

  private set(ids: number[], online: boolean): FakeReply {
    for (const id of ids) {
      if (this.refuses.has(id) || !this.d.qemuPlugged.has(id)) return fail(PARTIAL_SET_ERROR);
      if (online) this.online.add(id);
      else this.online.delete(id);
    }
    return ok();
  }
}
