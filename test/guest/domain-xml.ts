/** The libvirt domain definition of the test guest: {@link DomainOptions} and the pure {@link domainXml}. */
import { accelerator } from "./build";
import { guestCmdline } from "./paths";
import { numaCells } from "./numa";
import { defaultTopology, type Topology } from "./topology";

/** How to define a test domain (see {@link domainXml}). */
export interface DomainOptions {
  /** Full domain name (use uniqueName). */
  name: string;
  /** "pc" (default), "q35" or a versioned machine type. */
  machine?: "pc" | "q35" | string;
  maxVcpus: number;
  /** vCPUs present at boot (`<vcpu current=…>`). */
  vcpus: number;
  /** Default: 1 socket, 1 die, maxVcpus cores, 1 thread. */
  topology?: Topology;
  /** virtio-serial channel org.qemu.guest_agent.0 (default true). */
  agent?: boolean;
  /** `<acpi/>` feature; x86 CPU hotplug needs it (default true). */
  acpi?: boolean;
  /** Default 128. */
  memoryMiB?: number;
  /**
   * Emit `<vcpus>`: vcpu 0 hotpluggable='no', 1..max-1 hotpluggable='yes', enabled for ids < vcpus. Without it
   * libvirt makes every boot vCPU non-hotpluggable (so they can never be unplugged).
   */
  hotpluggableVcpus?: boolean;
  /** Serial console file (default: <temp dir>/console.log). */
  serialLog?: string;
  /** Default {@link accelerator}(). */
  accel?: "kvm" | "qemu";
  /** Kernel and initramfs instead of the built guest's (see {@link GuestFiles}). */
  kernel?: string;
  initrd?: string;
  /** Appended to GUEST_CMDLINE. */
  extraCmdline?: string;
  /** CPU model (default qemu64). */
  cpuModel?: string;
  /** `<emulator>` path (default: libvirt's choice). */
  emulator?: string;
  /**
   * NUMA nodes (`<cpu><numa><cell>`): whole sockets per node (see numaCells), memory split evenly; memory
   * defaults to 128 MiB per node.
   */
  numaNodes?: number;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/'/g, "&apos;").replace(/"/g, "&quot;");
}

/** The kernel and initramfs a domain boots (the built guest's, from ensureGuestBuilt). */
export interface GuestFiles {
  kernel: string;
  initrd: string;
}

/** Domain XML for the test guest (note §1.6). Pure; does not check that the kernel exists. */
export function domainXml(opts: DomainOptions & GuestFiles): string {
  const { name, maxVcpus, vcpus } = opts;
  if (!Number.isInteger(maxVcpus) || maxVcpus < 1) throw new Error(`maxVcpus must be a positive integer: ${maxVcpus}`);
  if (!Number.isInteger(vcpus) || vcpus < 1 || vcpus > maxVcpus) throw new Error(`vcpus must be in 1..${maxVcpus}: ${vcpus}`);
  const topo = defaultTopology(maxVcpus, opts.topology);
  const accel = opts.accel ?? accelerator();
  const { kernel, initrd } = opts;
  const cmdline = guestCmdline(opts.extraCmdline);
  const serial = opts.serialLog;
  const e = xmlEscape;
  const lines: string[] = [];
  lines.push(`<domain type='${accel}'>`);
  lines.push(`  <name>${e(name)}</name>`);
  const memoryMiB = opts.memoryMiB ?? 128 * (opts.numaNodes ?? 1);
  lines.push(`  <memory unit='MiB'>${memoryMiB}</memory>`);
  lines.push(`  <vcpu placement='static' current='${vcpus}'>${maxVcpus}</vcpu>`);
  if (opts.hotpluggableVcpus) {
    lines.push("  <vcpus>");
    for (let id = 0; id < maxVcpus; id++) {
      const enabled = id < vcpus;
      const order = enabled ? ` order='${id + 1}'` : "";
      lines.push(`    <vcpu id='${id}' enabled='${enabled ? "yes" : "no"}' hotpluggable='${id === 0 ? "no" : "yes"}'${order}/>`);
    }
    lines.push("  </vcpus>");
  }
  lines.push("  <os>");
  lines.push(`    <type arch='x86_64' machine='${e(opts.machine ?? "pc")}'>hvm</type>`);
  lines.push(`    <kernel>${e(kernel)}</kernel>`);
  lines.push(`    <initrd>${e(initrd)}</initrd>`);
  lines.push(`    <cmdline>${e(cmdline)}</cmdline>`);
  lines.push("  </os>");
  lines.push(`  <features>${opts.acpi === false ? "" : "<acpi/>"}<apic/></features>`);
  lines.push("  <cpu mode='custom' match='exact' check='none'>");
  lines.push(`    <model fallback='forbid'>${e(opts.cpuModel ?? "qemu64")}</model>`);
  lines.push(`    <topology sockets='${topo.sockets}' dies='${topo.dies}' cores='${topo.cores}' threads='${topo.threads}'/>`);
  if (opts.numaNodes) {
    lines.push("    <numa>");
    for (const c of numaCells(opts.numaNodes, maxVcpus, memoryMiB, topo)) {
      lines.push(`      <cell id='${c.id}' cpus='${c.vcpuIds[0]}-${c.vcpuIds[c.vcpuIds.length - 1]}' memory='${c.memoryMiB}' unit='MiB'/>`);
    }
    lines.push("    </numa>");
  }
  lines.push("  </cpu>");
  lines.push("  <clock offset='utc'/>");
  lines.push("  <on_poweroff>destroy</on_poweroff>");
  lines.push("  <on_reboot>destroy</on_reboot>");
  lines.push("  <on_crash>destroy</on_crash>");
  lines.push("  <devices>");
  if (opts.emulator) lines.push(`    <emulator>${e(opts.emulator)}</emulator>`);
  lines.push("    <controller type='usb' model='none'/>");
  if (serial) {
    lines.push(`    <serial type='file'><source path='${e(serial)}' append='off'/><target port='0'/></serial>`);
    lines.push(`    <console type='file'><source path='${e(serial)}' append='off'/><target type='serial' port='0'/></console>`);
  } else {
    lines.push("    <serial type='null'><target port='0'/></serial>");
  }
  if (opts.agent !== false) {
    lines.push("    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>");
  }
  lines.push("    <memballoon model='none'/>");
  lines.push("  </devices>");
  lines.push("</domain>");
  return lines.join("\n") + "\n";
}
