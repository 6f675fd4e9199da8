/** Bounded concurrency for the drift report: hosts in parallel, VMs of one host in parallel. */

/**
 * Runs `fn` over `items` with at most `limit` calls in flight and returns the results in
 * input order. `fn` should not throw (wrap failures into its result); if it does, the
 * first error rejects the whole call after the in-flight calls settle.
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}

/**
 * Waits for `work` until `deadline` (a `Date.now()` value): true when it settled in time,
 * false when the deadline passed first (`work` keeps running; the caller cancels it).
 */
export async function settledBy(work: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work.then(() => true, () => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}
