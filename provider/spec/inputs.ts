/**
 * The `VmCpu` inputs: zod schemas are the single source of the input types (the SDK's
 * `VmCpuArgs` and the provider's checked inputs are both derived from here).
 */
import { z } from "zod";
import { MACHINE_SHAPES, machineFamily } from "./platform";

const wholeNumber = (field: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .number({ error: `${field} must be a whole number` })
    .int({ error: `${field} must be a whole number` })
    .min(min, { error: `${field} must be at least ${min}` })
    .max(max, { error: `${field} must be at most ${max}` });

const seconds = (field: string) =>
  z
    .number({ error: `${field} must be a number of seconds` })
    .positive({ error: `${field} must be more than 0 seconds` })
    .max(3600, { error: `${field} must be at most 3600 seconds` });

/** How to reach a VM through libvirt. `uri` as virsh takes it, `domain` is the domain name. */
export const LibvirtConnection = z.strictObject({
  uri: z
    .string({ error: "libvirt.uri must be a string such as qemu:///system" })
    .regex(/^qemu(\+[a-z]+)?:\/\/[^\s]*\/(system|session)(\?.*)?$/, {
      error: "libvirt.uri must be a QEMU driver URI such as qemu:///system, qemu+ssh://host/system or qemu+tls://host/system",
    }),
  domain: z.string({ error: "libvirt.domain must be the libvirt domain name" }).min(1, {
    error: "libvirt.domain must be the libvirt domain name",
  }),
});
export type LibvirtConnection = z.infer<typeof LibvirtConnection>;

/** How to reach a VM straight through QMP (no libvirt): a unix socket or host + port. */
export const QmpConnection = z
  .strictObject({
    socket: z.string().min(1).optional(),
    host: z.string().min(1).optional(),
    port: wholeNumber("qmp.port", 1, 65535).optional(),
    agentSocket: z.string().min(1).optional(),
  })
  .superRefine((qmp, ctx) => {
    const viaTcp = qmp.host !== undefined || qmp.port !== undefined;
    if ((qmp.socket !== undefined) === viaTcp) {
      ctx.addIssue({ code: "custom", message: "qmp needs exactly one of socket, or host with port", path: [] });
    } else if (viaTcp && (qmp.host === undefined || qmp.port === undefined)) {
      ctx.addIssue({ code: "custom", message: "qmp.host and qmp.port go together", path: [qmp.host ? "port" : "host"] });
    }
  });
export type QmpConnection = z.infer<typeof QmpConnection>;

/** CPU topology (QEMU `-smp`, libvirt `<cpu><topology>`); the product must equal maxVcpus. */
export const Topology = z.strictObject({
  sockets: wholeNumber("topology.sockets", 1),
  dies: wholeNumber("topology.dies", 1).optional(),
  clusters: wholeNumber("topology.clusters", 1).optional(),
  cores: wholeNumber("topology.cores", 1),
  threads: wholeNumber("topology.threads", 1),
});
export type Topology = z.infer<typeof Topology>;

/** Machine type: an alias (`q35`) or a versioned type (`pc-q35-7.2`). */
export const Machine = z.string().refine((m) => machineFamily(m) !== undefined, {
  error: (issue) => `machine "${String(issue.input)}" is not a machine type we know; valid: ${MACHINE_SHAPES}`,
});

/** Whether and how to use qemu-guest-agent to online/offline CPUs inside the guest. */
export const GuestAgentMode = z.enum(["required", "optional", "off"], {
  error: 'guestAgent must be "required", "optional" or "off"',
});
export type GuestAgentMode = z.infer<typeof GuestAgentMode>;

/** What to do with changes that can't be applied to a running VM. */
export const ColdChanges = z.enum(["refuse", "persist", "restart"], {
  error: 'coldChanges must be "refuse", "persist" or "restart"',
});
export type ColdChanges = z.infer<typeof ColdChanges>;

/** Bounded waits, in seconds. */
export const Timeouts = z.strictObject({
  /** How long to wait for QEMU and the guest to finish one vCPU unplug. */
  unplugSeconds: seconds("timeouts.unplugSeconds").default(30),
  /** How long to wait for the guest agent to answer, see new CPUs, and online them. */
  agentSeconds: seconds("timeouts.agentSeconds").default(30),
  /** How long a graceful shutdown may take before `coldChanges: "restart"` gives up. */
  shutdownSeconds: seconds("timeouts.shutdownSeconds").default(120),
});
export type Timeouts = z.infer<typeof Timeouts>;

/** The input fields, without cross-field rules (see {@link VmCpuInputs}). */
export const VmCpuInputFields = z.strictObject({
  libvirt: LibvirtConnection.optional(),
  qmp: QmpConnection.optional(),
  maxVcpus: wholeNumber("maxVcpus", 1, 1024),
  vcpus: wholeNumber("vcpus", 1, 1024),
  topology: Topology.optional(),
  machine: Machine.optional(),
  guestAgent: GuestAgentMode.default("optional"),
  coldChanges: ColdChanges.default("refuse"),
  timeouts: Timeouts.default({ unplugSeconds: 30, agentSeconds: 30, shutdownSeconds: 120 }),
});
