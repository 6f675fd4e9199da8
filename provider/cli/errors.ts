/**
 * Typed errors of the `pulumi-qemu-vcpu` command line, each with a stable `code`. The CLI
 * turns them into one `error: …` line on stderr and exit code 1; a per-VM input error becomes
 * that VM's row (verdict `error`) and the other VMs are still read.
 */

/** Stable discriminants of {@link CliError}. */
export type CliErrorCode =
  /** Bad command line (unknown flag, missing file argument, bad number). */
  | "USAGE"
  /** The input file (or stdin) could not be read. */
  | "INPUT_UNREADABLE"
  /** The input is not JSON, or neither a stack export nor a spec file. */
  | "INPUT_FORMAT"
  /** The input holds no `VmCpu` resource at all (nothing to report on is an error, not "no drift"). */
  | "NO_VMCPU"
  /** One VM's entry is invalid (fields fail the `VmCpu` schema). */
  | "INPUT_INVALID"
  /** A field the report needs is an encrypted Pulumi secret (`ciphertext`). */
  | "SECRET_ENCRYPTED"
  /** The package's own package.json (for `--version`) could not be found. */
  | "PACKAGE_UNREADABLE"
  /** A host did not answer within `--timeout`. */
  | "HOST_TIMEOUT"
  /** The `--html` page could not be written (missing directory, no permission, disk full). */
  | "OUTPUT_UNWRITABLE";

/** An error the command line raises on purpose. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    readonly code: CliErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for a {@link CliError}, optionally with the given code. */
export function isCliError(err: unknown, code?: CliErrorCode): err is CliError {
  return err instanceof CliError && (code === undefined || err.code === code);
}
