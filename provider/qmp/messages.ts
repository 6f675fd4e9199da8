/**
 * zod schemas (and the types inferred from them) for the QMP and qemu-ga messages this provider reads. Names follow
 * the QAPI struct names; wire member names stay verbatim ("vcpus-count", "qom-path", "logical-id"). Objects keep
 * unknown members out of the way (zod's default strip) except CPU `props`, which are passed back to `device_add`
 * verbatim and so must survive members a newer QEMU adds ({@link CpuInstanceProperties} is loose).
 */
import { z } from "zod";
import { QmpProtocolError } from "./errors";

const int = z.number().int();

// ------------------------------------------------------------------------------------------------ envelopes

/** QMP greeting `{"QMP": {"version": VersionInfo, "capabilities": [QMPCapability]}}` (docs/interop/qmp-spec). */
export const QmpGreeting = z.object({
  QMP: z.object({
    version: z.object({ qemu: z.object({ major: int, minor: int, micro: int }), package: z.string() }),
    capabilities: z.array(z.string()),
  }),
});
export type QmpGreeting = z.infer<typeof QmpGreeting>;

/** The error member of an error reply: `{"class": QapiErrorClass, "desc": str}` (qmp-spec "error response"). */
export const QmpErrorBody = z.object({ class: z.string(), desc: z.string() });
export type QmpErrorBody = z.infer<typeof QmpErrorBody>;

/** Error reply `{"error": {class, desc}, "id"?}`. */
export const QmpErrorReply = z.object({ error: QmpErrorBody, id: z.unknown().optional() });
export type QmpErrorReply = z.infer<typeof QmpErrorReply>;

/** Success reply `{"return": json-value, "id"?}`. */
export const QmpReturnReply = z.object({ return: z.unknown(), id: z.unknown().optional() });
export type QmpReturnReply = z.infer<typeof QmpReturnReply>;

/** Asynchronous event `{"event": str, "data"?: object, "timestamp": {seconds, microseconds}}` (qmp-spec "events").
 * `data` defaults to `{}` for events that have none (STOP, RESUME…). */
export const QmpEvent = z.object({
  event: z.string(),
  data: z.record(z.string(), z.unknown()).default({}),
  timestamp: z.object({ seconds: int, microseconds: int }),
});
export type QmpEvent = z.infer<typeof QmpEvent>;

// ------------------------------------------------------------------------------------------------ machine.json

/** `CpuInstanceProperties` (qapi/machine.json): where a vCPU sits. Absent members do not apply to the target
 * (x86 with dies=1 has no die-id). Loose: unknown members are kept so `device_add` gets them verbatim. */
export const CpuInstanceProperties = z.looseObject({
  "node-id": int.optional(),
  "drawer-id": int.optional(),
  "book-id": int.optional(),
  "socket-id": int.optional(),
  "die-id": int.optional(),
  "cluster-id": int.optional(),
  "module-id": int.optional(),
  "core-id": int.optional(),
  "thread-id": int.optional(),
});
export type CpuInstanceProperties = z.infer<typeof CpuInstanceProperties>;

/** `HotpluggableCPU` (qapi/machine.json, returned by `query-hotpluggable-cpus`). `qom-path` is present only when
 * the slot is plugged; `type` is the `driver` for `device_add`. QEMU 7.2 lists x86 slots in descending core-id. */
export const HotpluggableCpu = z.object({
  type: z.string(),
  "vcpus-count": int,
  props: CpuInstanceProperties,
  "qom-path": z.string().optional(),
});
export type HotpluggableCpu = z.infer<typeof HotpluggableCpu>;

/** `CpuInfoFast` (qapi/machine.json, returned by `query-cpus-fast`); `thread-id` is the host thread. */
export const CpuInfoFast = z.object({
  "cpu-index": int,
  "qom-path": z.string(),
  "thread-id": int,
  props: CpuInstanceProperties.optional(),
  target: z.string(),
});
export type CpuInfoFast = z.infer<typeof CpuInfoFast>;

/**
 * `CpuInfo` (qapi-schema.json, returned by `query-cpus`: QEMU 0.14–5.2, removed in 6.0; superseded by
 * `query-cpus-fast`, 2.12). `CPU` is the vCPU index, which is also the id `cpu-add` takes; `qom_path` exists
 * since 2.4 and `arch` (`x86`, `ppc`, `s390`, …) since 2.6. Note the underscores.
 */
export const CpuInfo = z.looseObject({
  CPU: int,
  current: z.boolean(),
  halted: z.boolean(),
  qom_path: z.string().optional(),
  thread_id: int,
  arch: z.string().optional(),
});
export type CpuInfo = z.infer<typeof CpuInfo>;

/** `MachineInfo` (qapi/machine.json, returned by `query-machines`). `acpi` exists since QEMU 8.0. */
export const MachineInfo = z.object({
  name: z.string(),
  alias: z.string().optional(),
  "is-default": z.boolean().optional(),
  "cpu-max": int,
  /** Since QEMU 2.7 (absent before). */
  "hotpluggable-cpus": z.boolean().optional(),
  "numa-mem-supported": z.boolean().optional(),
  deprecated: z.boolean().optional(),
  "default-cpu-type": z.string().optional(),
  "default-ram-id": z.string().optional(),
  acpi: z.boolean().optional(),
});
export type MachineInfo = z.infer<typeof MachineInfo>;

/** `CurrentMachineParams` (qapi/machine.json, returned by `query-current-machine`). */
export const CurrentMachineParams = z.object({ "wakeup-suspend-support": z.boolean() });
export type CurrentMachineParams = z.infer<typeof CurrentMachineParams>;

/** `VersionInfo` (qapi/control.json, returned by `query-version`). */
export const VersionInfo = z.object({
  qemu: z.object({ major: int, minor: int, micro: int }),
  package: z.string(),
});
export type VersionInfo = z.infer<typeof VersionInfo>;

/** `NameInfo` (qapi/misc.json, returned by `query-name`); `{}` when -name was not given. */
export const NameInfo = z.object({ name: z.string().optional() });
export type NameInfo = z.infer<typeof NameInfo>;

/** `UuidInfo` (qapi/machine.json, returned by `query-uuid`); all zeroes when -uuid was not given. */
export const UuidInfo = z.object({ UUID: z.string() });
export type UuidInfo = z.infer<typeof UuidInfo>;

/** `StatusInfo` (qapi/run-state.json, returned by `query-status`); `singlestep` was dropped after 8.0. */
export const StatusInfo = z.object({ running: z.boolean(), status: z.string(), singlestep: z.boolean().optional() });
export type StatusInfo = z.infer<typeof StatusInfo>;

// ------------------------------------------------------------------------------------------------ events

/** `DEVICE_DELETED` data (qapi/qdev.json): `device` is the id (absent for unnamed devices such as a vCPU's lapic).
 * Under TCG QEMU 7.2/10.0 emit it only for `<cpu>/lapic`, never for the vCPU itself (note test-guest §TL;DR 4). */
export const DeviceDeletedData = z.object({ device: z.string().optional(), path: z.string() });
export type DeviceDeletedData = z.infer<typeof DeviceDeletedData>;

/** `DEVICE_UNPLUG_GUEST_ERROR` data (qapi/qdev.json, since 6.2): the guest refused or failed the unplug. */
export const DeviceUnplugGuestErrorData = z.object({ device: z.string().optional(), path: z.string() });
export type DeviceUnplugGuestErrorData = z.infer<typeof DeviceUnplugGuestErrorData>;

/** `ACPIOSTInfo` (qapi/acpi.json), the `info` of `ACPI_DEVICE_OST`. For CPUs `slot-type` is "CPU"; `source` 1 is
 * insert, 3 eject; `status` 0 success, 132 (0x84) "eject in progress". */
export const AcpiOstInfo = z.object({
  device: z.string().optional(),
  slot: z.string(),
  "slot-type": z.string(),
  source: int,
  status: int,
});
export type AcpiOstInfo = z.infer<typeof AcpiOstInfo>;

/** `ACPI_DEVICE_OST` data (qapi/acpi.json). */
export const AcpiDeviceOstData = z.object({ info: AcpiOstInfo });
export type AcpiDeviceOstData = z.infer<typeof AcpiDeviceOstData>;

// ------------------------------------------------------------------------------------------------ qemu-ga

/** `GuestLogicalProcessor` (qga/qapi-schema.json, items of `guest-get-vcpus`). `can-offline` is optional in QAPI
 * (absent on Windows); Linux reports false for cpu0. */
export const GuestLogicalProcessor = z.object({
  "logical-id": int,
  online: z.boolean(),
  "can-offline": z.boolean().optional(),
});
export type GuestLogicalProcessor = z.infer<typeof GuestLogicalProcessor>;

/** `GuestAgentCommandInfo` (qga/qapi-schema.json). */
export const GuestAgentCommandInfo = z.object({ name: z.string(), enabled: z.boolean(), "success-response": z.boolean() });
export type GuestAgentCommandInfo = z.infer<typeof GuestAgentCommandInfo>;

/** `GuestAgentInfo` (qga/qapi-schema.json, returned by `guest-info`). Note the underscore in `supported_commands`. */
export const GuestAgentInfo = z.object({ version: z.string(), supported_commands: z.array(GuestAgentCommandInfo) });
export type GuestAgentInfo = z.infer<typeof GuestAgentInfo>;

// ------------------------------------------------------------------------------------------------ reply tables

/** Return types of the QMP commands we use, by command name (verbatim). `device_add`/`device_del`/
 * `qmp_capabilities` return `{}`. */
export const QmpReplies = {
  qmp_capabilities: z.object({}),
  "query-hotpluggable-cpus": z.array(HotpluggableCpu),
  "query-cpus-fast": z.array(CpuInfoFast),
  "query-machines": z.array(MachineInfo),
  "query-current-machine": CurrentMachineParams,
  "query-version": VersionInfo,
  "query-name": NameInfo,
  "query-uuid": UuidInfo,
  "query-status": StatusInfo,
  device_add: z.object({}),
  device_del: z.object({}),
  "query-cpus": z.array(CpuInfo),
  "cpu-add": z.object({}),
} as const;
/** A QMP command with a known return schema. */
export type QmpCommand = keyof typeof QmpReplies;
/** The validated return type of QMP command `C`. */
export type QmpReply<C extends QmpCommand> = z.output<(typeof QmpReplies)[C]>;

/** Return types of the qemu-ga commands we use (qga/qapi-schema.json). */
export const AgentReplies = {
  "guest-sync-delimited": int,
  "guest-ping": z.object({}),
  "guest-info": GuestAgentInfo,
  "guest-get-vcpus": z.array(GuestLogicalProcessor),
  "guest-set-vcpus": int,
} as const;
/** A qemu-ga command with a known return schema. */
export type AgentCommand = keyof typeof AgentReplies;
/** The validated return type of agent command `C`. */
export type AgentReply<C extends AgentCommand> = z.output<(typeof AgentReplies)[C]>;

/** Validates `raw` (a reply's `return` member) against `schema`; a mismatch is a {@link QmpProtocolError} that
 * names `command` and keeps the zod error as `cause`. */
export function parseReply<S extends z.ZodType>(command: string, schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new QmpProtocolError(`unexpected reply: ${z.prettifyError(parsed.error)}`, { command, cause: parsed.error });
}
