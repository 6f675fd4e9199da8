/**
 * The `VmCpu` inputs: zod schemas are the single source of the input types (the SDK's
 * `VmCpuArgs` and the provider's checked inputs are both derived from here).
 */
import { z } from "zod";
import { domainNameProblem } from "./domain-name";
import { libvirtUriProblem, validLibvirtUris } from "./libvirt-uri";
import { machineFamily, unknownMachineMessage } from "./platform";

/**
 * Type errors that name the field: "is required" when it is missing, else what it must be.
 * Other issues (unknown fields of an object) keep zod's own message; check names those.
 */
const typeError = (field: string, what: string) => ({
  error: (issue: { code?: string; input?: unknown }) =>
    issue.code !== "invalid_type" ? undefined : issue.input === undefined ? `${field} is required: ${what}` : `${field} must be ${what}`,
});

const wholeNumber = (field: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .number(typeError(field, "a whole number"))
    .int({ error: `${field} must be a whole number` })
    .min(min, { error: `${field} must be at least ${min}` })
    .max(max, { error: `${field} must be at most ${max}` });

/** One row of {@link TIMEOUT_LIMITS}. */
export interface TimeoutLimit {
  readonly min: number;
  readonly max: number;
  readonly default: number;
  /** Why the minimum is what it is. */
  readonly why: string;
}

/** The bounds of each `timeouts` field, in seconds, each minimum with its reason. */
export const TIMEOUT_LIMITS = {
  unplugSeconds: {
    min: 1, max: 3600, default: 30,
    why: "a guest needs at least a second to process the ACPI eject of one vCPU (libvirt alone waits 5 s)",
  },
  agentSeconds: {
    min: 1, max: 3600, default: 30,
    why: "one guest-agent round trip plus the guest noticing a new CPU takes longer than a second",
  },
  shutdownSeconds: {
    min: 1, max: 3600, default: 120,
    why: "no guest OS shuts down within a second of the power button",
  },
} as const satisfies Record<string, TimeoutLimit>;

const seconds = (name: keyof typeof TIMEOUT_LIMITS) => {
  const field = `timeouts.${name}`;
  const { min, max, why } = TIMEOUT_LIMITS[name];
  return z
    .number(typeError(field, "a number of seconds"))
    .min(min, { error: `${field} must be at least ${min} s: ${why}` })
    .max(max, { error: `${field} must be at most ${max} seconds` })
    .default(TIMEOUT_LIMITS[name].default);
};

const path = (field: string, what: string) =>
  z.string(typeError(field, what)).min(1, { error: `${field} must be ${what}, not empty` });

/** How to reach a VM through libvirt. `uri` as virsh takes it, `domain` is the domain name. */
export const LibvirtConnection = z.strictObject(
  {
    uri: z
      .string(typeError("libvirt.uri", `a string; ${validLibvirtUris()}`))
      .superRefine((uri, ctx) => {
        const problem = libvirtUriProblem(uri);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
    domain: z
      .string(typeError("libvirt.domain", "the libvirt domain name (a string)"))
      .superRefine((name, ctx) => {
        const problem = domainNameProblem(name);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
  },
  typeError("libvirt", "an object { uri, domain }"),
);
export type LibvirtConnection = z.infer<typeof LibvirtConnection>;

/**
 * QMP over SSH (`qmp.ssh`): the hypervisor host's sshd, through which `qmp.socket` and
 * `qmp.agentSocket` (paths on that host) are reached as unix-socket channels of one SSH connection.
 */
export const QmpSsh = z.strictObject({
  host: path("qmp.ssh.host", "the SSH host name or address of the hypervisor"),
  user: path("qmp.ssh.user", "the SSH user name (default root)").optional(),
  port: wholeNumber("qmp.ssh.port", 1, 65535).optional(),
  keyfile: path("qmp.ssh.keyfile", "the path of a private key (default: ssh-agent, then ~/.ssh/id_*)").optional(),
  knownHosts: path("qmp.ssh.knownHosts", "the path of a known_hosts file (default ~/.ssh/known_hosts)").optional(),
}, typeError("qmp.ssh", "an object { host, user?, port?, keyfile?, knownHosts? }"));
export type QmpSsh = z.infer<typeof QmpSsh>;

/** The problem with an SSH-reached `qmp`, or undefined: the sockets are absolute paths on that host, not TCP. */
function qmpSshProblem(qmp: { socket?: string | undefined; host?: string | undefined; port?: number | undefined; agentSocket?: string | undefined }): { path: string; message: string } | undefined {
  if (qmp.host !== undefined || qmp.port !== undefined) return { path: qmp.host !== undefined ? "host" : "port", message: "qmp.ssh reaches unix sockets on the SSH host: set qmp.socket (and qmp.agentSocket), not qmp.host/qmp.port" };
  if (qmp.socket === undefined) return { path: "socket", message: "qmp.ssh needs qmp.socket: the QMP socket's path on the SSH host (e.g. /var/run/qemu-server/101.qmp)" };
  for (const f of ["socket", "agentSocket"] as const) {
    const v = qmp[f];
    if (v !== undefined && !v.startsWith("/")) return { path: f, message: `qmp.${f} must be an absolute path on the SSH host, not "${v}"` };
  }
  return undefined;
}

/** The token's default stack-config key when `qmp.tokenConfigKey` is not given. */
export const DEFAULT_GATEWAY_TOKEN_KEY = "qemu-vcpu:gatewayToken";

/** `qmp: { url, tokenConfigKey?, ca? }`: a VM served by `pulumi-qemu-vcpu gateway` on another host. */
const GatewayFields = {
  url: z
    .string(typeError("qmp.url", "the gateway's wss://host:port/vm/<name> URL"))
    .regex(/^wss:\/\/[^/\s?#@]+\/vm\/[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
      error: "qmp.url must be wss://host:port/vm/<name> (the gateway's address and the VM's name in its config; wss only, no user, query or trailing slash)",
    })
    .optional(),
  tokenConfigKey: z
    .string(typeError("qmp.tokenConfigKey", `a stack config key such as ${DEFAULT_GATEWAY_TOKEN_KEY}`))
    .regex(/^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$/, { error: "qmp.tokenConfigKey must be a stack config key: name or namespace:name" })
    .optional(),
  ca: path("qmp.ca", "the path of a PEM file with the CA that signed the gateway's certificate").optional(),
};

/** A gateway block names only url, tokenConfigKey and ca. */
function gatewayProblems(qmp: Record<string, unknown>, ctx: z.RefinementCtx): void {
  for (const k of ["socket", "host", "port", "agentSocket", "ssh"]) {
    if (qmp[k] !== undefined) ctx.addIssue({ code: "custom", message: `qmp.${k} does not go with qmp.url: the gateway knows the VM's sockets`, path: [k] });
  }
}

/** How to reach a VM straight through QMP (no libvirt): a unix socket or host + port, or a gateway URL. */
export const QmpConnection = z
  .strictObject({
    socket: path("qmp.socket", "the path of QEMU's QMP unix socket (-qmp unix:PATH)").optional(),
    host: path("qmp.host", "the host name or address of QEMU's QMP TCP socket").optional(),
    port: wholeNumber("qmp.port", 1, 65535).optional(),
    agentSocket: path("qmp.agentSocket", "the path of the guest agent's virtio-serial unix socket").optional(),
    ssh: QmpSsh.optional(),
    ...GatewayFields,
  }, typeError("qmp", "an object { socket } or { host, port }, optionally with agentSocket (and ssh: { host, … } for sockets on another host), or { url } (a gateway)"))
  .superRefine((qmp, ctx) => {
    if (qmp.url !== undefined) return gatewayProblems(qmp, ctx);
    if (qmp.tokenConfigKey !== undefined || qmp.ca !== undefined) {
      ctx.addIssue({ code: "custom", message: "qmp.tokenConfigKey and qmp.ca go with qmp.url (a gateway)", path: [qmp.ca === undefined ? "tokenConfigKey" : "ca"] });
      return;
    }
    if (qmp.ssh !== undefined) {
      const problem = qmpSshProblem(qmp);
      if (problem) ctx.addIssue({ code: "custom", message: problem.message, path: [problem.path] });
      return;
    }
    const viaTcp = qmp.host !== undefined || qmp.port !== undefined;
    if ((qmp.socket !== undefined) === viaTcp) {
      ctx.addIssue({ code: "custom", message: "qmp needs exactly one of socket, or host with port, or url", path: [] });
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
}, typeError("topology", "an object { sockets, cores, threads } (dies, clusters optional)"));
export type Topology = z.infer<typeof Topology>;

/** Machine type: an alias (`q35`) or a versioned type (`pc-q35-7.2`). */
export const Machine = z.string(typeError("machine", "a string such as q35 or pc-q35-7.2")).refine((m) => machineFamily(m) !== undefined, {
  error: (issue) => unknownMachineMessage(String(issue.input)),
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

/**
 * Which free slots hot-adds take on a VM with several NUMA nodes: `lowest-id` (the lowest free vCPU ids; the
 * default), or `balanced` (round-robin across nodes, the node with the fewest plugged vCPUs first; unplugs take
 * from the node with the most, so the nodes stay even).
 */
export const NumaPlacement = z.enum(["lowest-id", "balanced"], {
  error: 'numaPlacement must be "lowest-id" or "balanced"',
});
export type NumaPlacement = z.infer<typeof NumaPlacement>;

/** Bounded waits, in seconds. */
export const Timeouts = z.strictObject({
  /** How long to wait for QEMU and the guest to finish one vCPU unplug. */
  unplugSeconds: seconds("unplugSeconds"),
  /** How long to wait for the guest agent to answer, see new CPUs, and online them. */
  agentSeconds: seconds("agentSeconds"),
  /** How long a graceful shutdown may take before `coldChanges: "restart"` gives up. */
  shutdownSeconds: seconds("shutdownSeconds"),
}, typeError("timeouts", "an object { unplugSeconds, agentSeconds, shutdownSeconds }"));
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
  timeouts: Timeouts.default({
    unplugSeconds: TIMEOUT_LIMITS.unplugSeconds.default,
    agentSeconds: TIMEOUT_LIMITS.agentSeconds.default,
    shutdownSeconds: TIMEOUT_LIMITS.shutdownSeconds.default,
  }),
  numaPlacement: NumaPlacement.default("lowest-id"),
});
