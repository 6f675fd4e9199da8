/**
 * `npm run demo`: builds the package, boots the test guest as libvirt domain
 * `vmcpu-demo-web01` (2 of 8 vCPUs plugged, q35, qemu-guest-agent), then runs
 * examples/basic with `vcpus = 4` — with the real `pulumi` CLI when one is on PATH (local
 * file backend, passphrase set, no cloud login), otherwise through test/engine (Pulumi's
 * real dynamic-provider host, driven the way the engine drives it) — printing what preview
 * shows, what up did, and the guest's online CPUs before → after, read from the guest
 * itself. The VM is left running; `npm run demo -- --down` removes it. Rerunning starts over.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { capture, moduleProgram, projectName } from "../engine/capture";
import { render } from "../engine/display";
import { MiniEngine, type OperationReport } from "../engine/engine";
import { REPO_ROOT, cleanupLeftovers, startTestDomain, virsh, type TestDomain } from "../guest/guest";

const DOMAIN = "vmcpu-demo-web01";
const STACK = "demo";
const BASIC = path.join(REPO_ROOT, "examples", "basic");
const CONFIG = { domain: DOMAIN, vcpus: "4" };
/** The CLI path's local backend (wiped on every run and by --down). */
const CLI_STATE = path.join(os.tmpdir(), "vmcpu-demo-pulumi-state");
const CLI_STACK_FILE = path.join(BASIC, `Pulumi.${STACK}.yaml`);

/** A demo step failed; the message says what to do. */
class DemoError extends Error {
  override readonly name = "DemoError";
}

const say = (text: string) => process.stdout.write(`${text}\n`);
const heading = (text: string) => say(`\n== ${text}`);

/** Runs a command with inherited output; throws {@link DemoError} when it fails. */
function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; allowFail?: boolean } = {}): number {
  say(`$ ${[cmd, ...args].join(" ")}`);
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? REPO_ROOT, env: opts.env ?? process.env, stdio: "inherit" });
  if (r.error) throw new DemoError(`${cmd} could not run: ${r.error.message}`);
  if (r.status !== 0 && !opts.allowFail) throw new DemoError(`${cmd} ${args.join(" ")} exited with ${r.status ?? r.signal}`);
  return r.status ?? 1;
}

function pulumiOnPath(): boolean {
  return spawnSync("pulumi", ["version"], { stdio: "ignore" }).status === 0;
}

async function libvirtAnswers(): Promise<void> {
  await virsh(["version"], 15_000).catch((err: unknown) => {
    throw new DemoError(`libvirtd does not answer on qemu:///system (${(err as Error).message.split("\n")[0]}); run .ci/host-setup.sh`);
  });
}

/** Removes the demo VM, its temp dir and the CLI path's state. Idempotent. */
async function down(): Promise<void> {
  const report = await cleanupLeftovers(DOMAIN);
  fs.rmSync(CLI_STATE, { recursive: true, force: true });
  fs.rmSync(CLI_STACK_FILE, { force: true });
  say(report.domains.length ? `removed libvirt domain ${report.domains.join(", ")}` : `no ${DOMAIN} domain to remove`);
}

async function boot(): Promise<TestDomain> {
  const vm = await startTestDomain({ name: DOMAIN, machine: "q35", maxVcpus: 8, vcpus: 2, topology: { sockets: 1, cores: 8, threads: 1 } });
  const ms = await vm.waitForAgent(120_000);
  say(`${DOMAIN} is running (q35, 2 of 8 vCPUs plugged); qemu-guest-agent answered ${ms} ms after start`);
  return vm;
}

/** preview + up through the real `pulumi` CLI, local file backend. */
function withCli(): boolean {
  fs.rmSync(CLI_STATE, { recursive: true, force: true });
  fs.mkdirSync(CLI_STATE, { recursive: true });
  fs.rmSync(CLI_STACK_FILE, { force: true });
  const env = { ...process.env, PULUMI_BACKEND_URL: `file://${CLI_STATE}`, PULUMI_CONFIG_PASSPHRASE: "vmcpu-demo", PULUMI_SKIP_UPDATE_CHECK: "true" };
  const cli = (args: string[], allowFail = false) => run("pulumi", [...args, "--stack", STACK, "--non-interactive"], { cwd: BASIC, env, allowFail });
  run("pulumi", ["stack", "init", STACK, "--non-interactive"], { cwd: BASIC, env });
  for (const [k, v] of Object.entries(CONFIG)) cli(["config", "set", k, v]);
  heading("pulumi preview");
  const previewOk = cli(["preview"], true) === 0;
  heading("pulumi up");
  return cli(["up", "--yes", "--skip-preview"], true) === 0 && previewOk;
}

/** preview + up through test/engine: the program under mocks, the provider in Pulumi's host. */
async function withHarness(): Promise<boolean> {
  say("No pulumi CLI on PATH: running examples/basic through test/engine — the program runs under");
  say("pulumi.runtime.setMocks, and the VmCpu provider runs inside @pulumi/pulumi's own dynamic-provider");
  say("host (the process `pulumi up` starts), driven over gRPC the way the engine drives it.");
  const project = projectName(BASIC);
  const program = moduleProgram(path.join(BASIC, "index.ts"));
  const engine = new MiniEngine({ programDir: BASIC, project, stack: STACK, config: CONFIG });
  const show = (title: string, r: OperationReport) => {
    heading(title);
    say(render(r, { project, stack: STACK }));
  };
  const preview = await engine.preview(await capture(program, { project, stack: STACK, config: CONFIG, preview: true }));
  show(`pulumi preview   (config: domain=${CONFIG.domain} vcpus=${CONFIG.vcpus})`, preview);
  const up = await engine.up(await capture(program, { project, stack: STACK, config: CONFIG }));
  show("pulumi up --yes", up);
  return preview.ok && up.ok;
}

async function demo(): Promise<boolean> {
  heading("build");
  run("npm", ["run", "build", "--silent"]);
  heading(`boot the test guest as libvirt domain ${DOMAIN}`);
  await libvirtAnswers();
  await down();
  const vm = await boot();
  const before = await vm.guestOnlineCpus();
  const ok = pulumiOnPath() ? withCli() : await withHarness();
  const after = await vm.guestOnlineCpus();
  heading("what changed in the guest");
  say(`guest CPUs online (virsh qemu-agent-command ${DOMAIN} '{"execute":"guest-get-vcpus"}'):`);
  say(`  before: ${before.length} [${before.join(",")}]  →  after: ${after.length} [${after.join(",")}]`);
  say(`\nThe VM is left running: virsh vcpucount ${DOMAIN}; virsh console ${DOMAIN}.`);
  say("Remove it with: npm run demo -- --down");
  return ok;
}

async function main(argv: string[]): Promise<number> {
  try {
    if (argv.includes("--down")) {
      await libvirtAnswers();
      await down();
      return 0;
    }
    return (await demo()) ? 0 : 1;
  } catch (err) {
    process.stderr.write(`demo: ${err instanceof DemoError ? err.message : (err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

void main(process.argv.slice(1)).then((code) => process.exit(code));
