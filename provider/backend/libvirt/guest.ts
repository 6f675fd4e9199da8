/**
 * The libvirt backend's {@link GuestPort}: `guest-get-vcpus` / `guest-set-vcpus` through
 * {@link LibvirtAgent}, every call bounded by the step's deadline (`timeouts.agentSeconds`).
 * An agent that does not answer in time is AGENT_UNAVAILABLE, with libvirt's or our timeout as cause.
 */
import type { DomainRef, LibvirtClient } from "../../libvirt";
import type { GuestCpu, GuestPort } from "../../apply";
import { ProviderError } from "../../errors";
import type { FunctionGuestAgent } from "../../qmp";
import { toGuestCpu } from "../guest-view";
import { agentFailure, libvirtAgent } from "./agent";

/** {@link GuestPort} over libvirt, bounded by `deadline` (epoch ms). */
export class LibvirtGuest implements GuestPort {
  private readonly agent: FunctionGuestAgent;

  constructor(client: LibvirtClient, dom: DomainRef, private readonly deadline: number) {
    this.agent = libvirtAgent(client, dom, deadline);
  }

  getVcpus(): Promise<GuestCpu[]> {
    return this.bounded("asking the guest for its CPUs", async () =>
      (await this.agent.getVcpus()).map(toGuestCpu));
  }

  /** `guest-set-vcpus`: how many leading entries the guest applied (it stops at the first it can't). */
  setVcpus(changes: readonly { logicalId: number; online: boolean }[]): Promise<number> {
    return this.bounded("onlining/offlining guest CPUs", () => this.agent.setVcpus(changes));
  }

  private async bounded<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (agentFailure(err) === "error") throw err;
      const left = Math.max(0, Math.round((this.deadline - Date.now()) / 1000));
      throw new ProviderError("AGENT_UNAVAILABLE", `qemu-guest-agent did not answer ${what} in time (${left} s of agentSeconds left)`, { cause: err });
    }
  }
}
