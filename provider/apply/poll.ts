/**
 * Polling with a deadline, for states that no event announces (guest CPUs appearing,
 * QEMU slots freeing after an unplug under TCG, where no DEVICE_DELETED comes).
 */

/** Resolves after `ms` (the poll interval only; never used as a fixed wait for an outcome). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `probe` until it returns a value other than undefined, or `deadline` (epoch ms)
 * passes; returns that value or undefined. The interval starts at `minIntervalMs` (10) and
 * doubles up to `maxIntervalMs` (100).
 */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined>,
  deadline: number,
  maxIntervalMs = 100,
  minIntervalMs = 10,
): Promise<T | undefined> {
  let interval = Math.min(minIntervalMs, maxIntervalMs);
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    await delay(Math.min(interval, left));
    interval = Math.min(interval * 2, maxIntervalMs);
  }
}
