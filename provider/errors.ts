/**
 * Provider errors: typed data with a stable `code`, the cause kept, and — once anything
 * may have changed on the VM — the live state read afterwards (never a guess).
 */
import type { LiveState } from "./spec";
import type { Step } from "./plan";

/** Stable discriminants of {@link ProviderError}. */
export type ProviderErrorCode =
  | "INVALID_INPUT"
  | "COLD_CHANGE_REFUSED"
  | "PRECONDITION_FAILED"
  | "VM_NOT_FOUND"
  | "STEP_FAILED"
  | "UNPLUG_NOT_CONFIRMED"
  | "AGENT_UNAVAILABLE"
  | "GUEST_ONLINE_INCOMPLETE"
  | "GUEST_OFFLINE_REFUSED"
  | "SHUTDOWN_TIMEOUT"
  | "CONNECTION_FAILED"
  /** QEMU answered a QMP command with an error (or a reply that is not the protocol); the QMP error is the cause. */
  | "QMP_COMMAND_FAILED"
  /** The QMP connection closed or a command got no reply in time; the QMP error is the cause. */
  | "QMP_UNAVAILABLE"
  /** qemu-guest-agent answered with an error, or applied only part of a change; the agent error is the cause. */
  | "AGENT_COMMAND_FAILED"
  /** Another operation holds the VM (in this process past its expiry, or another process's unexpired lease); nothing was changed. */
  | "VM_BUSY"
  /** A component is older than a version gate allows (provider/spec/versions.ts), found while reading; nothing was changed. */
  | "VERSION_TOO_OLD";

/** Base class of every error the provider raises on purpose. */
export class ProviderError extends Error {
  override readonly name: string = "ProviderError";
  constructor(
    readonly code: ProviderErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A step failed (or could not be confirmed); `live` is what was read afterwards. */
export class ApplyError extends ProviderError {
  override readonly name = "ApplyError";
  constructor(
    code: ProviderErrorCode,
    message: string,
    readonly step: Step | undefined,
    readonly live: LiveState | undefined,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** Who holds a VM for an operation: this process's lock or a lease in the domain's metadata. */
export interface LeaseHolder {
  /** `HOST:PID:RANDOM` of the holding process. */
  readonly owner: string;
  /** "create" or "update" (what the holder is doing). */
  readonly operation: string;
  /** The holder's resource label (`VmCpu web01`), when it said. */
  readonly resource: string | undefined;
  /** When the hold runs out, epoch ms (NaN when the lease's `expires` can't be read). */
  readonly expires: number;
}

/** VM_BUSY: another operation holds the VM; `holder` says who and until when. Nothing was changed. */
export class VmBusyError extends ProviderError {
  override readonly name = "VmBusyError";
  constructor(
    message: string,
    readonly holder: LeaseHolder,
    options?: { cause?: unknown },
  ) {
    super("VM_BUSY", message, options);
  }
}

/** True for a {@link ProviderError} with the given code. */
export function hasCode(err: unknown, code: ProviderErrorCode): err is ProviderError {
  return err instanceof ProviderError && err.code === code;
}

/** One line describing any thrown value, keeping typed fields (code, class, domain). */
export function describeCause(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & { code?: unknown; class?: unknown; domain?: unknown };
  const tags = [e.code, e.class, e.domain !== undefined ? `domain ${String(e.domain)}` : undefined].filter((t) => t !== undefined);
  return tags.length ? `${e.message} [${tags.join(", ")}]` : e.message;
}
