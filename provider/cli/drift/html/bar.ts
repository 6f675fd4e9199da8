/**
 * The numbers a VM's row and bar show, taken from its report row only: declared, plugged
 * (QEMU's own count), online (in the guest) and the maximum, and where each bar mark sits.
 */
import type { DriftRow } from "../judge";

/** Where the maximum shown comes from: the running QEMU, else the definition, else what is declared. */
export type MaxSource = "QEMU" | "definition" | "declared";

/** The four numbers of a row's bar; undefined when the report does not know it. */
export interface VcpuFacts {
  readonly declared?: number;
  readonly plugged?: number;
  readonly online?: number;
  readonly max?: number;
  readonly maxFrom?: MaxSource;
}

/** Positions along the bar, in percent of its width (rounded to 0.1). */
export interface BarGeometry {
  /** vCPUs the full width stands for. */
  readonly scale: number;
  readonly max?: number;
  readonly plugged?: number;
  readonly online?: number;
  readonly declared?: number;
}

/** The facts of a row (see {@link VcpuFacts}). */
export function vcpuFacts(row: DriftRow): VcpuFacts {
  const [max, maxFrom]: [number | undefined, MaxSource | undefined] =
    row.live ? [row.live.maxVcpus, "QEMU"] : row.config ? [row.config.maxVcpus, "definition"] : row.declared ? [row.declared.maxVcpus, "declared"] : [undefined, undefined];
  return {
    ...(row.declared ? { declared: row.declared.vcpus } : {}),
    ...(row.live ? { plugged: row.live.vcpus } : {}),
    ...(row.guestOnline !== undefined ? { online: row.guestOnline } : {}),
    ...(max !== undefined ? { max, maxFrom } : {}),
  };
}

const pct = (n: number, scale: number) => Math.round((n / scale) * 1000) / 10;

/** Bar marks of a row: the scale is the largest number in its views (at least 1). */
export function barGeometry(row: DriftRow): BarGeometry {
  const f = vcpuFacts(row);
  const known = [f.declared, f.plugged, f.online, f.max, row.declared?.maxVcpus, row.config?.maxVcpus].filter((n): n is number => n !== undefined);
  const scale = Math.max(1, ...known);
  return {
    scale,
    ...(f.max !== undefined ? { max: pct(f.max, scale) } : {}),
    ...(f.plugged !== undefined ? { plugged: pct(f.plugged, scale) } : {}),
    ...(f.online !== undefined ? { online: pct(f.online, scale) } : {}),
    ...(f.declared !== undefined ? { declared: pct(f.declared, scale) } : {}),
  };

}
