/**
 * Scenario timings: each test wraps its scenario in {@link Timings.time}; `afterAll` prints
 * them once, so a run's log shows how long each user-visible operation took.
 */

/** Collected wall times, in the order recorded. */
export class Timings {
  private readonly entries: Array<[string, number]> = [];

  /** Runs `fn` and records its wall time under `name` (also when it throws). */
  async time<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      this.record(name, Date.now() - t0);
    }
  }

  /** Records a time measured elsewhere. */
  record(name: string, ms: number): void {
    this.entries.push([name, ms]);
  }

  /** One line per entry: `  <ms> ms  <name>`. */
  format(title: string): string {
    return [`${title} (ms):`, ...this.entries.map(([n, ms]) => `  ${String(ms).padStart(7)} ms  ${n}`)].join("\n");
  }

  /** Writes {@link Timings.format} to stdout (not through console, which jest decorates). */
  print(title: string): void {
    process.stdout.write(`${this.format(title)}\n`);
  }
}
