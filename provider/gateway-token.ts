/**
 * The gateway token, from stack config: the dynamic provider's `configure` hands the stack's config here (it
 * lives in this module, in the provider host process, never in the serialized provider or in state), and a
 * `qmp: { url }` connection looks its token up by `qmp.tokenConfigKey` (default `qemu-vcpu:gatewayToken`).
 * Set it as a secret: `pulumi config set --secret qemu-vcpu:gatewayToken <token>`.
 */
import { readFileSync } from "node:fs";
import type { GatewayCredentials } from "./backend/qmp/hypervisor";
import { ProviderError } from "./errors";
import { DEFAULT_GATEWAY_TOKEN_KEY, type QmpConnection } from "./spec";

/** Reads one stack config value by key (`namespace:name`, or `name` in the project's namespace). */
export type ConfigGetter = (key: string) => string | undefined;

let getConfig: ConfigGetter | undefined;

/** Called from the dynamic provider's `configure` with the stack's config. */
export function setStackConfig(get: ConfigGetter | undefined): void {
  getConfig = get;
}

/** The token and CA for a gateway connection; INVALID_INPUT naming the config key when the token is not set. */
export function gatewayCredentials(qmp: QmpConnection): GatewayCredentials {
  const key = qmp.tokenConfigKey ?? DEFAULT_GATEWAY_TOKEN_KEY;
  const token = getConfig?.(key);
  if (!token) {
    throw new ProviderError(
      "INVALID_INPUT",
      `qmp.url ${qmp.url} needs the gateway's token in stack config "${key}": pulumi config set --secret ${key} <token>`,
    );
  }
  return { token, ...(qmp.ca === undefined ? {} : { ca: readCa(qmp.ca) }) };
}

function readCa(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new ProviderError("INVALID_INPUT", `qmp.ca ${path} can't be read: ${(cause as Error).message}`, { cause });
  }
}
