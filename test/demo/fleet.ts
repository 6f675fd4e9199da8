/**
 * `npm run example:fleet`: runs examples/fleet through test/engine (the program under mocks, the
 * provider inside Pulumi's own dynamic-provider host) against two paused firmware-only VMs on
 * this machine, one over `qemu:///system` and one over `qemu+ssh://root@127.0.0.1/system`
 * (fleet-run.ts): preview, up 1→3 and 1→2, then a preview with nothing to do. Exit 0 when all
 * three succeeded.
 */
import { runFleetExample } from "./fleet-run";

runFleetExample(`qvt-fleet-${process.pid}-`, (text) => process.stdout.write(`${text}\n`)).then(
  (run) => process.exit(run.reports.length === 3 && run.reports.every((r) => r.ok) ? 0 : 1),
  (err: unknown) => {
    process.stderr.write(`example:fleet: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
