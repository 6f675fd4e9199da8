/**
 * The harness's own start-up deadline for a provider host (issue 10, item 6): it counts the CPU time the host
 * process got, so a host starved on a busy machine is not failed by the wall clock, while a host that spins
 * without printing its port still fails once it used its budget, naming CPU time, wall time and host load.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { HostStartError, ProviderHost } from "../../engine/plugin";

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "qvt-host-start-"));
  fs.writeFileSync(path.join(dir, "spin.js"), "for (;;) {}\n");
  // Sleeps 1.5 s (no CPU), then prints a port the way the SDK's hosts do, and stays up until killed.
  fs.writeFileSync(path.join(dir, "idle.js"), "setTimeout(() => { console.log('40123'); setInterval(() => {}, 1000); }, 1500);\n");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const start = (script: string, budgetMs: number) =>
  ProviderHost.start({
    programDir: dir, engineAddress: "127.0.0.1:1", project: "p", stack: "s", config: {},
    startTimeoutMs: budgetMs, entry: { module: path.join(dir, script), args: [] },
  });

describe("provider host start-up: a CPU-time budget with a wall-clock cap", () => {
  test("a host that spins without printing its port fails once it used its CPU budget", async () => {
    const t0 = Date.now();
    const err = await start("spin.js", 1_000).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(HostStartError);
    expect((err as Error).message).toMatch(/printed no port after \d+ ms, \d+ ms of its CPU time \(budget 1000 ms of CPU, wall cap 240000 ms\), host load [\d.]+/);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  test("a host that waits longer than its CPU budget without using CPU still starts: wall time is not the budget", async () => {
    const host = await start("idle.js", 500);
    try {
      expect(host.port).toBe(40123);
      expect(host.startMs).toBeGreaterThanOrEqual(1_500);
    } finally {
      await host.stop();
    }
  });
});
