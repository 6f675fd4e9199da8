/**
 * Typed errors of `pulumi-qemu-vcpu gateway`: a stable `code`, the cause kept, and a message that names the
 * file or field and says what to do.
 */

/** Stable discriminants of {@link GatewayError}. */
export type GatewayErrorCode =
  /** The config file could not be read or is not JSON. */
  | "CONFIG_UNREADABLE"
  /** The config does not match the schema (the message names each field). */
  | "CONFIG_INVALID"
  /** The TLS certificate or key file is missing or unreadable. */
  | "TLS_FILES"
  /** The listen address could not be bound. */
  | "LISTEN_FAILED";

/** An error the gateway raises on purpose (at startup; refusals of clients are audit lines, not errors). */
export class GatewayError extends Error {
  override readonly name = "GatewayError";
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
