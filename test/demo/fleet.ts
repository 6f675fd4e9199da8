/**
 * `npm run example:fleet`: runs examples/fleet through test/engine (the program under mocks, the
 * provider inside Pulumi's own dynamic-provider host) against two paused firmware-only VMs on
 * this machine, one reached over `qemu:///system` and one over `qemu+ssh://root@127.0.0.1/system`
 * (the loopback sshd of .ci/host-setup.sh, with a key and known_hosts made for the run): preview,
 * then up 1→3 and 1→2, then a second preview that has nothing to do. Prints what each shows and
 * the vCPU counts libvirt reports afterwards; removes both VMs at the end.
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
const PREFIX = `qvt-fleet-${process.pid}-`;
const say = (text: string) => process.stdout.write(`${text}\n`);

async function main(): Promise<boolean> {
  const admin = await LibvirtClient.connect({ uri: "qemu:///system" });
  const ssh = await makeSshFixture();
  const names = (await startPausedDomains(admin, PREFIX, 2, { maxVcpus: 4, vcpus: 1 })).map((d) => d.name);
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
    const show = (title: string, r: OperationReport) => say(`\n== ${title}\n${render(r, { project, stack: STACK })}`);
    const run = async (title: string, op: "preview" | "up") => {
      const regs = await capture(program, { project, stack: STACK, config, preview: op === "preview" });
      const r = op === "preview" ? await engine.preview(regs) : await engine.up(regs);
      show(title, r);
      return r.ok;
    };
    const ok = (await run("pulumi preview", "preview")) && (await run("pulumi up --yes", "up")) && (await run("pulumi preview (again: nothing to do)", "preview"));
    say("\n== libvirt afterwards (virsh vcpucount --live)");
    for (const n of names) say(`  ${n}: ${(await virsh(["vcpucount", n, "--live"])).stdout.trim()}`);
    return ok;
  } finally {
    for (const n of names) await removeDomain(admin, n);
    await admin.close();
    ssh.cleanup();
  }
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (err: unknown) => {
    process.stderr.write(`example:fleet: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
