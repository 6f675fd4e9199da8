/**
 * vCPU id lists the way libvirt writes and reads them (`"0-2,4"`: virBitmapFormat /
 * virBitmapParse), for the fake's side of SET_VCPU / SET_GUEST_VCPUS cpumaps and the
 * GET_GUEST_VCPUS typed params. Deliberately separate from provider/libvirt/cpumap.ts.
 */

/** "0-2,4" → [0, 1, 2, 4]; "" → []. */
export function parseIds(list: string): number[] {
  return list
    .split(",")
    .filter((t) => t.trim() !== "")
    .flatMap((t) => {
      const [lo, hi = lo] = t.split("-").map((x) => Number(x.trim()));
      return Array.from({ length: hi! - lo! + 1 }, (_, i) => lo! + i);
    });
}

/** [0, 1, 2, 4] → "0-2,4" (sorted, ranges collapsed). */
export function formatIds(ids: Iterable<number>): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    runs.push(j === i ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return runs.join(",");
}
