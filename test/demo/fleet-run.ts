/**
 * examples/fleet run the way `npm run example:fleet` shows it (see fleet.ts): two paused
 * firmware-only VMs at 1 of 4 vCPUs, one reached over `qemu:///system` and one over
 * `qemu+ssh://root@127.0.0.1/system` (host-setup's loopback sshd, a key made for the run),
 * preview → up (to 3 and 2) → preview again, through Pulumi's dynamic-provider host. Both VMs are
 * removed at the end. Also run by test/integration/engine/fleet-example.test.ts.
 */
import * as path from "node:path";
import { removeDomain, startPausedDomains } from "../../bench/domains";
import { LibvirtClient } from "../../provider/libvirt";
import { capture, moduleProgram, projectName } from "../engine/capture";
import { render } from "../engine/display";
import { MiniEngine, type OperationReport } from "../engine/engine";
import { REPO_ROOT, virsh } from "../guest/guest";
import { makeSshFixture } from "../integration/remote/sshd";

const FLEET = path.join(REPO_ROOT, "examples", "fleet");
const STACK = "dev";

/** What one run did: the three operations in order and the live counts libvirt reports afterwards. */
export interface FleetRun {
  readonly reports: readonly OperationReport[];
  /** `virsh vcpucount --live` per domain, after the up. */
  readonly liveAfter: Readonly<Record<string, number>>;
  readonly domains: readonly string[];
}

/** Runs the fleet example against two fresh paused VMs named `<prefix>000`, `<prefix>001`; `say` prints. */
export async function runFleetExample(prefix: string, say: (text: string) => void): Promise<FleetRun> {
  const admin = await LibvirtClient.connect({ uri: "qemu:///system" });
  const ssh = await makeSshFixture();
  const names = (await startPausedDomains(admin, prefix, 2, { maxVcpus: 4, vcpus: 1 })).map((d) => d.name);
  try {
    const fleet = [
      { uri: "qemu:///system", domain: names[0], vcpus: 3, maxVcpus: 4 },
      { uri: `qemu+ssh://root@127.0.0.1/system?${ssh.query}`, domain: names[1], vcpus: 2, maxVcpus: 4 },
    ];
    say(`two paused VMs at 1 of 4 vCPUs: ${names[0]} over qemu:///system, ${names[1]} over qemu+ssh://root@127.0.0.1/system`);
    const config = { fleet: JSON.stringify(fleet) };
    const project = projectName(FLEET);
    const program = moduleProgram(path.join(FLEET, "index.ts"));
    const engine = new MiniEngine({ programDir: FLEET, project, stack: STACK, config, parallel: 10 });
    // The program's registrations don't depend on outputs, so one capture serves all three operations
    // (and under jest a module program loads once per file).
    const regs = await capture(program, { project, stack: STACK, config });
    const reports: OperationReport[] = [];
    const steps: [string, "preview" | "up"][] = [["pulumi preview", "preview"], ["pulumi up --yes", "up"], ["pulumi preview (again: nothing to do)", "preview"]];
    for (const [title, op] of steps) {
      const r = op === "preview" ? await engine.preview(regs) : await engine.up(regs);
      say(`\n== ${title}\n${render(r, { project, stack: STACK })}`);
      reports.push(r);
      if (!r.ok) break;
    }
    const liveAfter: Record<string, number> = {};
    for (const n of names) liveAfter[n] = Number((await virsh(["vcpucount", n, "--live"])).stdout.trim());
    say("\n== libvirt afterwards (virsh vcpucount --live)");
    for (const n of names) say(`  ${n}: ${liveAfter[n]}`);
    return { reports, liveAfter, domains: names };
  } finally {
    for (const n of names) await removeDomain(admin, n);
    await admin.close();
    ssh.cleanup();
  }
}
