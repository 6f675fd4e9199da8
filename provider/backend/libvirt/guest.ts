/**
 * The guest agent through libvirt's typed APIs (`virDomainGetGuestVcpus` /
 * `virDomainSetGuestVcpus`), which do not taint the domain the way raw agent commands do.
 */
import { formatCpuList, type DomainRef, type LibvirtClient } from "../../libvirt";
import type { GuestCpu, GuestPort } from "../../apply";

/** {@link GuestPort} over libvirt. */
export class LibvirtGuest implements GuestPort {
  constructor(private readonly client: LibvirtClient, private readonly dom: DomainRef) {}

  async getVcpus(): Promise<GuestCpu[]> {
    const g = await this.client.domainGetGuestVcpus(this.dom);
    return g.vcpus
      .map((id) => ({ logicalId: id, online: g.online.includes(id), canOffline: g.offlinable.includes(id) }))
      .sort((a, b) => a.logicalId - b.logicalId);
  }

  /**
   * libvirt applies a whole cpumap per state or fails; to keep guest-set-vcpus' "count
   * applied" contract, a failure is followed by a re-read counting what did take effect.
   */
  async setVcpus(changes: readonly { logicalId: number; online: boolean }[]): Promise<number> {
    for (const online of [true, false]) {
      const ids = changes.filter((c) => c.online === online).map((c) => c.logicalId);
      if (!ids.length) continue;
      try {
        await this.client.domainSetGuestVcpus(this.dom, formatCpuList(ids), online);
      } catch (err) {
        const now = await this.getVcpus().catch(() => []);
        const applied = changes.filter((c) => now.some((n) => n.logicalId === c.logicalId && n.online === c.online)).length;
        if (applied >= changes.length) throw err;
        return applied;
      }
    }
    return changes.length;
  }
}
