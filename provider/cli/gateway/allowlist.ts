/**
 * The gateway's allowlist: one table, a row per command a client may send, each with the reason it is there and
 * the rule its arguments must pass. Only what pulumi-qemu-vcpu itself sends is listed (README "Remote QEMU
 * through the gateway"); everything else is refused with a QMP-shaped error and an audit line.
 */
import { z } from "zod";

/** The two channels of a VM: its QMP monitor and its guest agent. */
export type Channel = "qmp" | "agent";

/** What the rules may ask QEMU (through the gateway's own connection) before allowing a command. */
export interface VmFacts {
  /** `query-hotpluggable-cpus` as QEMU answers it now. */
  cpuSlots(): Promise<readonly { type: string; props: Record<string, unknown>; "qom-path"?: string }[]>;
}

/** A verdict: allowed, or refused with the reason shown to the client and written to the audit log. */
export type Verdict = { allowed: true } | { allowed: false; reason: string };

/** One row of {@link ALLOWLIST}. */
export interface AllowRule {
  readonly channel: Channel;
  /** Why the provider needs this command. */
  readonly why: string;
  /** The arguments it may carry (strict: any other member refuses the command). */
  readonly args: z.ZodType;
  /** A check against the VM's present state, after `args` passed (undefined: none). */
  readonly check?: (args: Record<string, unknown>, vm: VmFacts) => Promise<string | undefined>;
}

const none = z.strictObject({});
const int = z.number().int().min(0).max(1_000_000);

/** `CpuInstanceProperties` members (qapi/machine.json) a CPU `device_add` may carry, besides driver and id. */
export const CPU_SLOT_PROPS = ["node-id", "drawer-id", "book-id", "socket-id", "die-id", "cluster-id", "module-id", "core-id", "thread-id"] as const;

const deviceAddArgs = z.strictObject({
  driver: z.string().min(1).max(128),
  id: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/).optional(),
  ...Object.fromEntries(CPU_SLOT_PROPS.map((p) => [p, int.optional()])),
});

/** device_add: the driver must be a CPU type this VM offers in a slot, and the props those of a free slot. */
async function cpuDeviceAdd(args: Record<string, unknown>, vm: VmFacts): Promise<string | undefined> {
  const slots = await vm.cpuSlots();
  const types = [...new Set(slots.map((s) => s.type))];
  if (!types.includes(String(args["driver"]))) {
    return `device_add is allowed only for this VM's CPU types (${types.join(", ") || "none"}), not "${String(args["driver"])}"`;
  }
  const props = CPU_SLOT_PROPS.filter((p) => args[p] !== undefined);
  const free = slots.filter((s) => s["qom-path"] === undefined && s.type === args["driver"]);
  const match = free.find((s) => Object.keys(s.props).length === props.length && props.every((p) => s.props[p] === args[p]));
  return match ? undefined : "device_add must name a free CPU slot with exactly its props (query-hotpluggable-cpus)";
}

/** device_del: only of a plugged vCPU (its QOM path, or its id under /machine/peripheral). */
async function cpuDeviceDel(args: Record<string, unknown>, vm: VmFacts): Promise<string | undefined> {
  const id = String(args["id"]);
  const plugged = (await vm.cpuSlots()).map((s) => s["qom-path"]).filter((p): p is string => p !== undefined);
  if (plugged.includes(id) || plugged.includes(`/machine/peripheral/${id}`)) return undefined;
  return `device_del is allowed only for a plugged vCPU (${plugged.join(", ") || "none"}), not "${id}"`;
}

/** The rows, by `<channel>:<command>`. */
export const ALLOWLIST: Readonly<Record<string, AllowRule>> = {
  "qmp:qmp_capabilities": { channel: "qmp", why: "capability negotiation (answered by the gateway itself)", args: z.strictObject({ enable: z.array(z.string()).max(0).optional() }) },
  "qmp:query-status": { channel: "qmp", why: "read: run state", args: none },
  "qmp:query-uuid": { channel: "qmp", why: "read: the VM's identity", args: none },
  "qmp:query-name": { channel: "qmp", why: "read: the VM's identity", args: none },
  "qmp:query-version": { channel: "qmp", why: "read: QEMU version (version gates)", args: none },
  "qmp:query-cpus-fast": { channel: "qmp", why: "read: present CPUs and architecture", args: none },
  "qmp:query-hotpluggable-cpus": { channel: "qmp", why: "read: CPU slots (plugged or free)", args: none },
  "qmp:query-machines": { channel: "qmp", why: "preview: the machine types this QEMU offers", args: none },
  "qmp:qom-get": {
    channel: "qmp",
    why: "read: the machine's -smp, type and ACPI (only these three properties of /machine)",
    args: z.strictObject({ path: z.literal("/machine"), property: z.enum(["smp", "type", "acpi"]) }),
  },
  "qmp:device_add": { channel: "qmp", why: "hot-add one vCPU into a free slot", args: deviceAddArgs, check: cpuDeviceAdd },
  "qmp:device_del": { channel: "qmp", why: "unplug one plugged vCPU", args: z.strictObject({ id: z.string().min(1).max(256) }), check: cpuDeviceDel },
  "qmp:cpu-add": { channel: "qmp", why: "hot-add on QEMU < 2.7 (gone since 5.2; QEMU answers CommandNotFound)", args: z.strictObject({ id: int }) },
  "agent:guest-sync-delimited": { channel: "agent", why: "resynchronise the agent stream", args: z.strictObject({ id: z.number().int() }) },
  "agent:guest-ping": { channel: "agent", why: "is the agent answering", args: none },
  "agent:guest-info": { channel: "agent", why: "agent version and commands", args: none },
  "agent:guest-get-vcpus": { channel: "agent", why: "read: the guest's CPUs and which are online", args: none },
  "agent:guest-set-vcpus": {
    channel: "agent",
    why: "online/offline guest CPUs",
    args: z.strictObject({ vcpus: z.array(z.strictObject({ "logical-id": int, online: z.boolean() })).min(1).max(1024) }),
  },
};

/** One command as a client sent it. */
export interface ClientCommand {
  execute: string;
  arguments?: Record<string, unknown>;
  id?: unknown;
}

/** Parses one message: a JSON object with `execute`, optional `arguments` and `id`, nothing else. */
export function parseCommand(text: string): { command: ClientCommand } | { error: string; id?: unknown } {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { error: "JSON parse error" };
  }
  if (typeof msg !== "object" || msg === null || Array.isArray(msg)) return { error: "Expected a JSON object" };
  const m = msg as Record<string, unknown>;
  const id = m["id"];
  const extra = Object.keys(m).filter((k) => !["execute", "arguments", "id"].includes(k));
  if (extra.length) return { error: `only execute, arguments and id are accepted, not ${extra.join(", ")}`, id };
  if (typeof m["execute"] !== "string") return { error: "a command needs 'execute' (a string)", id };
  const args = m["arguments"];
  if (args !== undefined && (typeof args !== "object" || args === null || Array.isArray(args))) return { error: "'arguments' must be an object", id };
  return { command: { execute: m["execute"], ...(args === undefined ? {} : { arguments: args as Record<string, unknown> }), ...(id === undefined ? {} : { id }) } };
}

/** Judges `cmd` on `channel` against {@link ALLOWLIST}, asking `vm` when the row has a check. */
export async function judge(channel: Channel, cmd: ClientCommand, vm: VmFacts): Promise<Verdict> {
  const rule = Object.hasOwn(ALLOWLIST, `${channel}:${cmd.execute}`) ? ALLOWLIST[`${channel}:${cmd.execute}`] : undefined;
  if (!rule) return { allowed: false, reason: `'${cmd.execute}' is not on the gateway's allowlist for the ${channel} channel` };
  const args = rule.args.safeParse(cmd.arguments ?? {});
  if (!args.success) {
    const what = args.error.issues.map((i) => `${i.path.join(".") || "arguments"}: ${i.message}`).join("; ");
    return { allowed: false, reason: `'${cmd.execute}' with these arguments is not allowed (${what})` };
  }
  const problem = await rule.check?.(cmd.arguments ?? {}, vm);
  return problem ? { allowed: false, reason: problem } : { allowed: true };
}
