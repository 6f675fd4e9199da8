/**
 * Cheap benchmark domains: firmware-only TCG machines (no kernel, no disk, 64 MiB) started
 * paused, so N of them cost memory but no CPU. Created and removed with our libvirt client;
 * names embed the pid so a crashed run's leftovers are recognised and removed next time.
 */
import { LibvirtClient, START_PAUSED, isNoDomain, type DomainRef } from "../provider/libvirt";
import { mapBounded } from "../provider/cli/pool";

/** Every benchmark domain's name starts with this. */
export const BENCH_PREFIX = "qvt-bench-";

/** Options of {@link firmwareOnlyXml}. */
export interface FirmwareOnlyDomain {
  readonly name: string;
  readonly maxVcpus: number;
  readonly vcpus: number;
}

/** Domain XML of a firmware-only TCG machine (pc, ACPI, one socket of maxVcpus cores). */
export function firmwareOnlyXml(d: FirmwareOnlyDomain): string {
  return `<domain type='qemu'>
  <name>${d.name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu placement='static' current='${d.vcpus}'>${d.maxVcpus}</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/><apic/></features>
  <cpu mode='custom' match='exact' check='none'><model fallback='forbid'>qemu64</model><topology sockets='1' dies='1' cores='${d.maxVcpus}' threads='1'/></cpu>
  <devices><controller type='usb' model='none'/><memballoon model='none'/></devices>
</domain>
`;
}

/** Defines and starts (paused) `count` domains named `<prefix><i>`, a few at a time. */
export async function startPausedDomains(client: LibvirtClient, prefix: string, count: number, shape: Omit<FirmwareOnlyDomain, "name">): Promise<DomainRef[]> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(3, "0")}`);
  return mapBounded(names, 4, async (name) => {
    const dom = await client.domainDefineXmlFlags(firmwareOnlyXml({ name, ...shape }), 0);
    return client.domainCreateWithFlags(dom, START_PAUSED);
  });
}

/** Destroys (if running) and undefines one domain; an already-gone domain is fine. */
export async function removeDomain(client: LibvirtClient, name: string): Promise<void> {
  try {
    const dom = await client.domainLookupByName(name);
    if (await client.domainIsActive(dom)) await client.domainDestroy(dom);
    await client.domainUndefineFlags(dom, 0);
  } catch (err) {
    if (!isNoDomain(err)) throw err;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes benchmark domains whose owning process (`qvt-bench-<pid>-…`) is gone; returns their names. */
export async function removeStaleDomains(client: LibvirtClient): Promise<string[]> {
  const all = await client.connectListAllDomains(0);
  const stale = all
    .map((d) => d.name)
    .filter((n) => n.startsWith(BENCH_PREFIX))
    .filter((n) => {
      const pid = Number(n.slice(BENCH_PREFIX.length).split("-")[0]);
      return Number.isInteger(pid) && pid !== process.pid && !pidAlive(pid);
    });
  for (const n of stale) await removeDomain(client, n);
  return stale;
}
