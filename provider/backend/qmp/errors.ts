/**
 * The QMP client's errors as the provider's typed errors: the code says what failed in the
 * provider's terms, the message what was being done, and the QMP client's error (with QEMU's
 * `{class, desc}` for an error reply) stays the `cause`. provider/qmp knows nothing of these codes.
 */
import { ProviderError, type ProviderErrorCode } from "../../errors";
import { QmpBaseError, type QmpErrorCode } from "../../qmp";

/** The provider code for each QMP client code. */
const PROVIDER_CODE: Readonly<Record<QmpErrorCode, ProviderErrorCode>> = {
  QMP_ERROR: "QMP_COMMAND_FAILED",
  QMP_PROTOCOL_ERROR: "QMP_COMMAND_FAILED",
  QMP_CONNECTION_CLOSED: "QMP_UNAVAILABLE",
  QMP_TIMEOUT: "QMP_UNAVAILABLE",
  QMP_DIAL_FAILED: "CONNECTION_FAILED",
  AGENT_ERROR: "AGENT_COMMAND_FAILED",
  AGENT_PARTIAL_APPLY: "AGENT_COMMAND_FAILED",
  AGENT_TIMEOUT: "AGENT_UNAVAILABLE",
  QMP_GATEWAY_REFUSED: "CONNECTION_FAILED",
};

/** A QMP client error as a {@link ProviderError} (`doing` first in the message); anything else as it is. */
export function fromQmpError(err: unknown, doing: string): unknown {
  if (!(err instanceof QmpBaseError)) return err;
  return new ProviderError(PROVIDER_CODE[err.code], `${doing}: ${err.message}`, { cause: err });
}

/** Runs `fn`, turning a QMP client error into a {@link ProviderError} that says what was being done. */
export async function qmpCall<T>(doing: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw fromQmpError(err, doing);
  }
}
