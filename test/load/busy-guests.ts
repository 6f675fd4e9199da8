/**
 * `npm run test:loaded -- [--guests N] [--vcpus V] -- COMMAND…`: runs COMMAND (default: the unit and
 * integration suites) while N raw TCG test guests (default 2, V vCPUs each, default 2) keep every vCPU busy
 * with a shell loop started through their agent — the "other guests busy on the same cores" of issue 10,
 * item 6. Prints the host load before and after; stops the guests however COMMAND ends; exits with its code.
 */
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import { cleanupLeftovers, rawQemu, uniqueName, type RawQemu } from "../guest/guest";

const RUN = uniqueName("qvt-load");

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function commandArgs(): string[] {
  const i = process.argv.indexOf("--");
  const rest = i >= 0 ? process.argv.slice(i + 1) : [];
  return rest.length ? rest : ["npx", "jest", "--runInBand", "--selectProjects", "unit", "integration"];
}

/** Boots one guest and starts one busy loop per vCPU in it. */
async function busyGuest(vcpus: number): Promise<RawQemu> {
  const vm = await rawQemu({ name: uniqueName(RUN), machine: "pc", maxVcpus: vcpus, vcpus });
  await vm.waitForAgent(120_000);
  const loops = Array.from({ length: vcpus }, () => "while :; do :; done &").join(" ");
  await vm.agentCommand("guest-exec", { path: "/bin/sh", arg: ["-c", `${loops} wait`], "capture-output": false });
  return vm;
}

async function main(): Promise<number> {
  const guests = option("guests", 2);
  const vcpus = option("vcpus", 2);
  const vms: RawQemu[] = [];
  const stopAll = async () => {
    await Promise.all(vms.map((vm) => vm.stop()));
    await cleanupLeftovers(RUN);
  };
  process.on("SIGINT", () => void stopAll().then(() => process.exit(130)));
  try {
    for (let i = 0; i < guests; i++) vms.push(await busyGuest(vcpus));
    await new Promise((r) => setTimeout(r, 10_000)); // let the load average reflect the busy guests
    const load = () => os.loadavg().map((l) => l.toFixed(2)).join(" ");
    process.stderr.write(`test:loaded: ${guests} guests × ${vcpus} busy vCPUs on ${os.cpus().length} cores; load ${load()}\n`);
    const cmd = commandArgs();
    const t0 = Date.now();
    const res = spawnSync(cmd[0]!, cmd.slice(1), { stdio: "inherit" });
    process.stderr.write(`test:loaded: ${cmd.join(" ")} exited ${res.status} after ${((Date.now() - t0) / 1000).toFixed(0)} s; load ${load()}\n`);
    return res.status ?? 1;
  } finally {
    await stopAll();
  }
}

void main().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`test:loaded: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
