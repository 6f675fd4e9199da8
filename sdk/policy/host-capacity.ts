/**
 * `vmcpu-host-capacity` (mandatory, stack policy): the vCPUs the stack's `VmCpu` resources
 * declare on one libvirt host must fit the host's CPUs × an overcommit ratio. Resources are
 * grouped by the host their `libvirt.uri` names ({@link hostOfUri}); raw QMP resources name no
 * host and are left out. Not applicable until a capacity is configured.
 */
import { validateStackResourcesOfType, type PolicyResource, type StackValidationPolicy } from "@pulumi/policy";
import { z } from "zod";
import { VmCpu } from "../vmcpu";
import { resolveConfig, type PolicyOptions } from "./config";
import { hostOfUri } from "./match";
import { VmCpuView } from "./view";

/** Policy name. */
export const HOST_CAPACITY = "vmcpu-host-capacity";

/** Config of {@link hostCapacity}. */
export const HostCapacityConfig = z.object({
  hostCpus: z.number().int().min(1).optional().describe("CPUs of each libvirt host not listed in hosts"),
  hosts: z
    .record(z.string().min(1), z.number().int().min(1))
    .optional()
    .describe("CPUs per libvirt host, keyed by host name as in the URI (localhost for qemu:///system) or by the full URI"),
  overcommit: z.number().positive().max(64).default(1).describe("Declared vCPUs allowed per host CPU"),
  count: z.enum(["vcpus", "maxVcpus"]).default("vcpus").describe("Count each VM's declared vcpus, or its maxVcpus"),
});
type Config = z.output<typeof HostCapacityConfig>;

interface Member {
  readonly name: string;
  readonly uri: string;
  readonly count: number;
}

function byHost(resources: readonly PolicyResource[], count: Config["count"]): Map<string, Member[]> {
  const groups = new Map<string, Member[]>();
  for (const r of resources) {
    const vm = new VmCpuView(r.props, r.name, r.urn);
    const uri = vm.libvirtUri;
    if (uri === undefined) continue;
    const host = hostOfUri(uri);
    groups.set(host, [...(groups.get(host) ?? []), { name: r.name, uri, count: vm.declaredCount(count) }]);
  }
  return groups;
}

function capacityOf(host: string, members: readonly Member[], config: Config): number | undefined {
  const listed = config.hosts?.[host] ?? members.map((m) => config.hosts?.[m.uri]).find((n) => n !== undefined);
  return listed ?? config.hostCpus;
}

function largest(members: readonly Member[]): string {
  const sorted = [...members].sort((a, b) => b.count - a.count);
  const shown = sorted.slice(0, 5).map((m) => `${m.name} (${m.count})`);
  return sorted.length > 5 ? `${shown.join(", ")} and ${sorted.length - 5} more` : shown.join(", ");
}

function checkHost(host: string, members: readonly Member[], config: Config, report: (m: string) => void): void {
  const cpus = capacityOf(host, members, config);
  if (cpus === undefined) return;
  const allowed = Math.floor(cpus * config.overcommit);
  const total = members.reduce((sum, m) => sum + m.count, 0);
  if (total <= allowed) return;
  report(
    `libvirt host ${host} (${[...new Set(members.map((m) => m.uri))].join(", ")}): ${members.length} VmCpu resource(s) declare ${total} ${config.count}, above ${cpus} CPUs × overcommit ${config.overcommit} = ${allowed}: lower ${config.count} by ${total - allowed} across ${largest(members)}, move a VM to another host, or correct this policy's hosts/hostCpus config if the host has more CPUs`,
  );
}

/** The host-capacity stack policy; `options` set its enforcement level and config defaults. */
export function hostCapacity(options: PolicyOptions<typeof HostCapacityConfig> = {}): StackValidationPolicy {
  const config = resolveConfig(HOST_CAPACITY, HostCapacityConfig, options);
  return {
    name: HOST_CAPACITY,
    description: "The vCPUs declared on one libvirt host must fit the host's CPUs × the configured overcommit ratio.",
    enforcementLevel: options.enforcementLevel ?? "mandatory",
    configSchema: config.configSchema,
    validateStack: validateStackResourcesOfType(VmCpu, (_typed, args, report) => {
      const cfg = config.read(args.getConfig());
      if (cfg.hostCpus === undefined && cfg.hosts === undefined) {
        args.notApplicable("no host capacity configured: set hostCpus or hosts");
      }
      const groups = byHost(args.resources, cfg.count);
      if (groups.size === 0) args.notApplicable("no VmCpu in this stack uses a libvirt connection");
      for (const [host, members] of groups) checkHost(host, members, cfg, (message) => report(message));
    }),
  };
}
