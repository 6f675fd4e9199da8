/**
 * The guest side of a {@link FakeDomain}: qemu-ga's `guest-ping`, `guest-get-vcpus` and
 * `guest-set-vcpus` (applied in order, stopping at the first CPU the guest refuses, answering
 * the count) through QEMU_PROC_DOMAIN_AGENT_COMMAND, as libvirt relays them; and libvirt's typed
 * agent APIs, DOMAIN_GET_GUEST_VCPUS (three STRING typed params, notes §2) and
 * DOMAIN_SET_GUEST_VCPUS. A "hung" agent answers as libvirt does when its per-call timeout runs out.
 */
import * as Q from "../../../../provider/libvirt/protocol/qemu-procedures";
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
      .on(R.DomainSetGuestVcpus, W.readDomCpumap, (a) => this.agentError() ?? this.set(parseIds(a.cpumap), a.state === 1))
      .on(Q.QemuDomainAgentCommand, W.readAgentCommand, (a) => this.agentError() ?? this.command(a.cmd));
  }

  /** One qemu-ga command as JSON, answered as JSON text (libvirt relays the reply verbatim). */
  private command(json: string): FakeReply {
    const { execute, arguments: args } = JSON.parse(json) as { execute: string; arguments?: { vcpus?: { "logical-id": number; online: boolean }[] } };
    const reply = (value: unknown) => W.remoteStringRet(JSON.stringify({ return: value }));
    if (execute === "guest-ping") return reply({});
    if (execute === "guest-get-vcpus") {
      return reply(this.present().map((id) => ({ "logical-id": id, online: this.online.has(id), "can-offline": id !== 0 })));
    }
    if (execute === "guest-set-vcpus") return reply(this.apply(args?.vcpus ?? []));
    return W.remoteStringRet(JSON.stringify({ error: { class: "CommandNotFound", desc: `The command ${execute} has not been found` } }));
  }

  /** guest-set-vcpus: entries in order until the first the guest refuses; the count applied. */
  private apply(vcpus: readonly { "logical-id": number; online: boolean }[]): number {
    let applied = 0;
    for (const v of vcpus) {
      if (this.refuses.has(v["logical-id"]) || !this.d.qemuPlugged.has(v["logical-id"])) break;
      if (v.online) this.online.add(v["logical-id"]);
      else this.online.delete(v["logical-id"]);
      applied++;
    }
    return applied;
  }

  private agentError(): FakeReply | undefined {
    if (this.d.agent === "no-channel") return fail(W.LIBVIRT_ERRORS.agentNotConfigured);
    if (this.d.agent === "disconnected") return fail(W.LIBVIRT_ERRORS.agentNotConnected);
    if (this.d.agent === "hung") return fail(W.LIBVIRT_ERRORS.agentTimedOut);
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
