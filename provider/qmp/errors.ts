/**
 * Typed errors of the QMP / guest-agent client. Every error has a stable string `code`, keeps its `cause`, and
 * server errors keep QMP's `{class, desc}` (qapi/error.json `QapiErrorClass`) instead of collapsing to a message.
 * This is the only file of `provider/qmp/` that looks at message strings (see the `is…` predicates below).
 */

/** The `code` discriminant of every error thrown by `provider/qmp/`. */
export type QmpErrorCode =
  | "QMP_ERROR"
  | "QMP_CONNECTION_CLOSED"
  | "QMP_PROTOCOL_ERROR"
  | "QMP_TIMEOUT"
  | "QMP_DIAL_FAILED"
  | "AGENT_ERROR"
  | "AGENT_TIMEOUT"
  | "AGENT_PARTIAL_APPLY"
  | "QMP_GATEWAY_REFUSED";

/** Base class: a stable `code` plus the standard `cause` (ES2022). */
export abstract class QmpBaseError extends Error {
  abstract readonly code: QmpErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A QMP error reply `{"error": {"class", "desc"}}` to `command` (QMP spec "error response"). */
export class QmpError extends QmpBaseError {
  readonly code = "QMP_ERROR" as const;
  /** QMP's error class, verbatim (qapi/error.json `QapiErrorClass`; an unknown future class is kept as is). */
  readonly class: string;
  constructor(
    readonly command: string,
    errorClass: string,
    readonly desc: string,
  ) {
    super(`QMP ${command} failed: ${errorClass}: ${desc}`);
    this.class = errorClass;
  }
}

/** A qemu-ga error reply `{"error": {"class", "desc"}}` to `command` (qga/qapi-schema.json, same shape as QMP). */
export class AgentError extends QmpBaseError {
  readonly code = "AGENT_ERROR" as const;
  /** qemu-ga's error class, verbatim. */
  readonly class: string;
  constructor(
    readonly command: string,
    errorClass: string,
    readonly desc: string,
  ) {
    super(`guest agent ${command} failed: ${errorClass}: ${desc}`);
    this.class = errorClass;
  }
}

/** The connection went away (EOF, socket error, or `close()`) while `command` (if any) was waiting. */
export class QmpConnectionClosedError extends QmpBaseError {
  readonly code = "QMP_CONNECTION_CLOSED" as const;
  constructor(
    readonly command: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(command === undefined ? "QMP connection closed" : `QMP connection closed while waiting for ${command}`, options);
  }
}

/** The peer sent something that is not the protocol: malformed JSON, an unknown message shape, or a reply that does
 * not match the command's QAPI return type (then `command` names it and `cause` holds the zod error). */
export class QmpProtocolError extends QmpBaseError {
  readonly code = "QMP_PROTOCOL_ERROR" as const;
  readonly command: string | undefined;
  /** The offending line, shortened to 200 characters, when there was one. */
  readonly line: string | undefined;
  constructor(detail: string, options: { command?: string; line?: string; cause?: unknown } = {}) {
    super(options.command === undefined ? `QMP protocol error: ${detail}` : `QMP protocol error in ${options.command}: ${detail}`, options);
    this.command = options.command;
    this.line = options.line === undefined ? undefined : options.line.slice(0, 200);
  }
}

/** No reply to `command` within `timeoutMs`. For a socket monitor a late reply is dropped. */
export class QmpTimeoutError extends QmpBaseError {
  readonly code = "QMP_TIMEOUT" as const;
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
    hint?: string,
  ) {
    super(`QMP ${command}: no reply within ${timeoutMs} ms${hint ? ` (${hint})` : ""}`);
  }
}

/** Connecting to `target` (a socket path or host:port) failed; `cause` is the node error (ENOENT, ECONNREFUSED…). */
export class QmpDialError extends QmpBaseError {
  readonly code = "QMP_DIAL_FAILED" as const;
  constructor(
    readonly target: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot connect to ${target}: ${describeCause(options?.cause)}`, options);
  }
}

/** A `pulumi-qemu-vcpu gateway` refused the connection (HTTP `status` at the WebSocket upgrade: 401 no or wrong
 * token, 403 a VM the token may not reach, 404 no such VM or channel, 503 too many clients); `reason` is its text. */
export class QmpGatewayRefusedError extends QmpBaseError {
  readonly code = "QMP_GATEWAY_REFUSED" as const;
  constructor(
    readonly target: string,
    readonly status: number,
    readonly reason: string,
  ) {
    super(`the gateway at ${target} refused the connection: HTTP ${status}${reason ? `: ${reason}` : ""}`);
  }
}

/** The guest agent did not answer `command` within `timeoutMs`. `phase` "sync" means qemu-ga never answered
 * `guest-sync-delimited` (not running yet, or the guest has not opened its virtio-serial port). */
export class AgentTimeoutError extends QmpBaseError {
  readonly code = "AGENT_TIMEOUT" as const;
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
    readonly phase: "sync" | "command",
  ) {
    super(
      phase === "sync"
        ? `guest agent did not answer guest-sync-delimited within ${timeoutMs} ms (is qemu-ga running?)`
        : `guest agent did not answer ${command} within ${timeoutMs} ms`,
    );
  }
}

/**
 * `guest-set-vcpus` applied fewer entries than requested. qemu-ga stops at the first entry it cannot apply and
 * returns how many it applied (qga/qapi-schema.json `guest-set-vcpus`); only a failing *first* entry is an error.
 */
export class GuestSetVcpusPartialError extends QmpBaseError {
  readonly code = "AGENT_PARTIAL_APPLY" as const;
  constructor(
    readonly requested: number,
    readonly applied: number,
    /** The logical id of the first entry that was not applied. */
    readonly firstUnapplied: number | undefined,
  ) {
    super(`guest-set-vcpus applied ${applied} of ${requested} changes; stopped at logical-id ${firstUnapplied}`);
  }
}

// ------------------------------------------------------------------------------------------------ predicates

/** Walks `err` and its `cause` chain (like Go's errors.As) and returns the first link that satisfies `test`. */
export function findCause<T>(err: unknown, test: (e: unknown) => e is T): T | undefined {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 16; depth++) {
    if (test(e)) return e;
    e = e instanceof Error ? e.cause : undefined;
  }
  return undefined;
}

/** The `{class, desc}` of a QMP or agent error reply found in `err`'s cause chain. */
export function serverErrorOf(err: unknown): QmpError | AgentError | undefined {
  return findCause(err, (e): e is QmpError | AgentError => e instanceof QmpError || e instanceof AgentError);
}

/** True if `err` (or a cause) is a QMP/agent error reply of class `errorClass`. */
export function hasErrorClass(err: unknown, errorClass: string): boolean {
  return serverErrorOf(err)?.class === errorClass;
}

/** Class `DeviceNotFound`: e.g. `device_del` of an id that does not exist. */
export const isDeviceNotFound = (err: unknown): boolean => hasErrorClass(err, "DeviceNotFound");

/** `device_del` of a vCPU while the guest has not switched ACPI CPU hotplug out of legacy mode — no OS yet, or
 * one without ACPI CPU hotplug support (QEMU x86: GenericError "acpi: device unplug request for not supported
 * device type: <cpu type>"). Observed on QEMU 7.2 `pc` with only firmware running. */
export function isUnplugNotSupported(err: unknown): boolean {
  const e = serverErrorOf(err);
  return e?.class === "GenericError" && /unplug request for not supported device type/i.test(e.desc);
}

/** A machine without CPU hotplug (microvm; arm virt up to QEMU 10.0) refuses `query-hotpluggable-cpus`:
 * GenericError "The feature 'query-hotpluggable-cpus' is not enabled". Observed on QEMU 7.2 microvm. */
export function isHotplugFeatureDisabled(err: unknown): boolean {
  const e = serverErrorOf(err);
  return e?.class === "GenericError" && /feature 'query-hotpluggable-cpus' is not enabled/i.test(e.desc);
}

/** Class `CommandNotFound`: QEMU has no such command (e.g. `query-hotpluggable-cpus` before 2.7, `cpu-add` after 5.1). */
export const isCommandNotFound = (err: unknown): boolean => hasErrorClass(err, "CommandNotFound");

/**
 * The highest vCPU id `cpu-add` accepts, from its refusal of a larger one: QEMU 1.5–5.1 x86 answer GenericError
 * "Unable to add CPU: <id>, max allowed: <maxcpus - 1>" (hw/i386/pc.c pc_hot_add_cpu, checked before anything
 * is created). Undefined for any other error.
 */
export function cpuAddMaxAllowed(err: unknown): number | undefined {
  const e = serverErrorOf(err);
  const m = e?.class === "GenericError" ? /Unable to add CPU: -?\d+, max allowed: (\d+)/.exec(e.desc) : null;
  return m ? Number(m[1]) : undefined;
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code ? `${code}: ${cause.message}` : cause.message;
  }
  return String(cause);
}
