/**
 * Composition root for connections: opens the {@link Hypervisor} an input names
 * (libvirt or raw QMP). One connection per provider operation, closed in `finally`.
 */
import type { Hypervisor } from "./apply";
import { LibvirtHypervisor } from "./backend/libvirt";
import { QmpHypervisor } from "./backend/qmp/hypervisor";
import { ProviderError } from "./errors";
import type { VmCpuInputs } from "./spec";

/** The connection part of the inputs (a subset, so read/delete can pass old outputs). */
export type ConnectionSpec = Pick<VmCpuInputs, "libvirt" | "qmp" | "guestAgent">;

/** Opens the hypervisor for a connection spec. */
export async function openHypervisor(spec: ConnectionSpec): Promise<Hypervisor> {
  const useAgent = spec.guestAgent !== "off";
  if (spec.libvirt) return LibvirtHypervisor.open({ uri: spec.libvirt.uri, domain: spec.libvirt.domain, useAgent });
  if (spec.qmp) return QmpHypervisor.open(spec.qmp, useAgent);
  throw new ProviderError("INVALID_INPUT", "set one connection: libvirt or qmp");
}

/** Runs `fn` with an open hypervisor and always closes it. */
export async function withHypervisor<T>(spec: ConnectionSpec, fn: (hv: Hypervisor) => Promise<T>): Promise<T> {
  const hv = await openHypervisor(spec);
  try {
    return await fn(hv);
  } finally {
    await hv.close().catch(() => undefined);
  }
}

/** Stable resource id: the connection and the VM's UUID. */
export function resourceId(spec: ConnectionSpec, uuid: string): string {
  if (spec.libvirt) return `${spec.libvirt.uri}#${uuid}`;
  const q = spec.qmp;
  const endpoint = `qmp:${q?.socket ?? `${q?.host}:${q?.port}`}`;
  return uuid.startsWith("qmp:") ? uuid : `${endpoint}#${uuid}`;
}
