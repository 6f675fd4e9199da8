/**
 * vCPU id lists as used by REMOTE_PROC_DOMAIN_SET_VCPU / DOMAIN_SET_GUEST_VCPUS `cpumap`
 * strings and the DOMAIN_GET_GUEST_VCPUS typed params ("vcpus", "online", "offlinable"):
 * comma-separated ids and inclusive ranges, optionally `^N` exclusions, as parsed by
 * libvirt's virBitmapParse (src/util/virbitmap.c). Pure.
 */
import { CpuListError } from "./errors";

/** Largest vCPU id accepted (keeps a hostile "0-4294967295" from allocating). */
export const MAX_CPU_ID = 65535;

function parseId(text: string, list: string): number {
  if (!/^\d+$/.test(text)) throw new CpuListError(`invalid vCPU id "${text}" in list "${list}"`);
  const id = Number(text);
  if (id > MAX_CPU_ID) throw new CpuListError(`vCPU id ${id} exceeds ${MAX_CPU_ID} in list "${list}"`);
  return id;
}

function expandToken(token: string, list: string): number[] {
  const dash = token.indexOf("-");
  if (dash < 0) return [parseId(token, list)];
  const lo = parseId(token.slice(0, dash).trim(), list);
  const hi = parseId(token.slice(dash + 1).trim(), list);
  if (hi < lo) throw new CpuListError(`descending range "${token}" in list "${list}"`);
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

/** Parses "0-2,4" → [0, 1, 2, 4] (sorted, unique); "" → []; "0-3,^2" → [0, 1, 3]. */
export function parseCpuList(list: string): number[] {
  const ids = new Set<number>();
  const excluded = new Set<number>();
  for (const raw of list.split(",")) {
    const token = raw.trim();
    if (token === "") {
      if (list.trim() === "") continue;
      throw new CpuListError(`empty element in vCPU list "${list}"`);
    }
    if (token.startsWith("^")) excluded.add(parseId(token.slice(1).trim(), list));
    else for (const id of expandToken(token, list)) ids.add(id);
  }
  return [...ids].filter((id) => !excluded.has(id)).sort((a, b) => a - b);
}

/** Formats ids as the shortest range list: [0, 1, 2, 4] → "0-2,4"; [] → "". */
export function formatCpuList(ids: Iterable<number>): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  for (const id of sorted) {
    if (!Number.isInteger(id) || id < 0 || id > MAX_CPU_ID) throw new CpuListError(`invalid vCPU id ${id}`);
  }
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] as number) + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}
