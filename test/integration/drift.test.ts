/**
 * `pulumi-qemu-vcpu drift` against real guests (TCG) with drift of each kind made out of
 * band with `virsh`, run as the built CLI in a child process (`npm run build` first). The
 * stack-export fixture wraps the outputs `provider.create` really produced for each guest.
 *
 * Guests: in sync; an extra vCPU hot-added (`setvcpus --live`); a CPU offlined in the guest
 * (`guestvcpus --disable`); a config-only change (`setvcpus --config`); stopped (`destroy`);
 * gone (`destroy` + `undefine`); libvirt stale (an unplug libvirt times out on under TCG);
 * a raw-QMP VM (firmware only, its own connection); plus a VmCpu on a host that does not exist.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { provider } from "../../provider/dynamic";
import { SIG_KEY, SIG_SECRET } from "../../provider/cli/drift/secrets";
import {
  REPO_ROOT, accelerator, cleanupLeftovers, pollUntil, rawQemuFirmwareOnly, startTestDomain, uniqueName, virsh,
  type DomainOptions, type RawQemuFirmwareOnly, type TestDomain,
} from "../guest/guest";
import { stackExport, vmCpuResource } from "../unit/cli/fixtures";

const RUN = uniqueName("qvt-drift");
const CLI = join(REPO_ROOT, "dist/provider/cli/main.js");
const LOCAL = "qemu:///system";
/** The same daemon under a second URI: a second "host" with its own connection. */
const LOCAL_SOCKET = "qemu+unix:///system?socket=/run/libvirt/libvirt-sock";
const NOWHERE = "qemu+unix:///system?socket=/nonexistent";
type Props = Record<string, unknown>;

/** One guest: how it boots, what is declared for it, and the out-of-band change made to it. */
interface Guest {
  readonly boot: Omit<DomainOptions, "name">;
  readonly uri: string;
  readonly declared: { maxVcpus: number; vcpus: number };
  readonly drift?: (vm: TestDomain) => Promise<unknown>;
}

/** QEMU's own count of plugged vCPUs (slots with a qom-path). */
async function qemuPlugged(vm: TestDomain): Promise<number> {
  const out = (await virsh(["qemu-monitor-command", vm.name, '{"execute":"query-hotpluggable-cpus"}'])).stdout;
  return (JSON.parse(out) as { return: { "qom-path"?: string }[] }).return.filter((s) => s["qom-path"]).length;
}

const GUESTS: Record<string, Guest> = {
  insync: { boot: { maxVcpus: 4, vcpus: 1 }, uri: LOCAL, declared: { maxVcpus: 4, vcpus: 2 } },
  hotadd: {
    boot: { maxVcpus: 4, vcpus: 2, agent: false }, uri: LOCAL_SOCKET, declared: { maxVcpus: 4, vcpus: 2 },
    drift: (vm) => virsh(["setvcpus", vm.name, "3", "--live"]),
  },
  offline: {
    boot: { maxVcpus: 4, vcpus: 1 }, uri: LOCAL, declared: { maxVcpus: 4, vcpus: 3 },
    drift: (vm) => virsh(["guestvcpus", vm.name, "--cpulist", "2", "--disable"]),
  },
  config: {
    boot: { maxVcpus: 4, vcpus: 2, agent: false }, uri: LOCAL_SOCKET, declared: { maxVcpus: 4, vcpus: 2 },
    drift: (vm) => virsh(["setvcpus", vm.name, "3", "--config"]),
  },
  stopped: { boot: { maxVcpus: 4, vcpus: 1, agent: false }, uri: LOCAL, declared: { maxVcpus: 4, vcpus: 1 }, drift: (vm) => virsh(["destroy", vm.name]) },
  gone: {
    boot: { maxVcpus: 4, vcpus: 1, agent: false }, uri: LOCAL, declared: { maxVcpus: 4, vcpus: 1 },
    drift: async (vm) => (await virsh(["destroy", vm.name]), virsh(["undefine", vm.name])),
  },
};

/** Under TCG an unplug leaves libvirt's view stale (libvirt times out; QEMU frees the slot). */
const STALE: Guest = { boot: { maxVcpus: 4, vcpus: 2, hotpluggableVcpus: true }, uri: LOCAL, declared: { maxVcpus: 4, vcpus: 1 } };

async function unplugOutOfBand(vm: TestDomain): Promise<void> {
  await virsh(["setvcpus", vm.name, "1", "--live"]).catch(() => undefined); // TCG: "vcpu unplug request timed out"
  await pollUntil(`QEMU to free ${vm.name}'s vCPU 1`, async () => (await qemuPlugged(vm)) === 1, { timeoutMs: 30_000 });
}

const vms: Record<string, TestDomain> = {};
let qmpVm: RawQemuFirmwareOnly | undefined;
const outputs: Record<string, Props> = {};
let dir: string;

/** Boots a guest; waits for its agent when it has one. */
async function boot(key: string, g: Guest): Promise<TestDomain> {
  const vm = await startTestDomain({ name: `${RUN}-${key}`, machine: "q35", ...g.boot });
  vms[key] = vm;
  if (g.boot.agent !== false) await vm.waitForAgent(60_000);
  return vm;
}

/** Stores the outputs `provider.create` produces for `inputs` under `key`. */
async function adopt(key: string, inputs: Props): Promise<void> {
  const { inputs: checked } = await provider.check!({}, { __label: `${key}-cpu`, ...inputs });
  const log = jest.spyOn(console, "log").mockImplementation(() => undefined);
  outputs[key] = (await provider.create(checked as Props).finally(() => log.mockRestore())).outs as Props;
}

/** Runs the built CLI; resolves with its exit code and output. */
function cli(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile("node", [CLI, ...args], { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr }));
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

function writeExport(name: string, keys: string[], extra: Props[] = []): string {
  const resources = keys.map((k) => vmCpuResource(`${k}-cpu`, outputs[k]!));
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(stackExport([...resources, ...extra]), null, 2));
  return file;
}

/** The table's cells for one VM row (columns are two or more spaces apart). */
function tableRow(table: string, vm: string): string[] {
  const line = table.split("\n").find((l) => l.startsWith(`${vm} `));
  if (!line) throw new Error(`no row for ${vm} in:\n${table}`);
  return line.split(/ {2,}/);
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  dir = mkdtempSync(join(tmpdir(), `${RUN}-`));
  const entries = Object.entries(GUESTS);
  for (let i = 0; i < entries.length; i += 2) await Promise.all(entries.slice(i, i + 2).map(([k, g]) => boot(k, g)));
  const lv = (k: string, g: Guest) => ({ libvirt: { uri: g.uri, domain: vms[k]!.name }, ...g.declared });
  for (const [k, g] of entries) await adopt(k, lv(k, g));
  const stale = await boot("stale", STALE);
  await unplugOutOfBand(stale);
  await adopt("stale", lv("stale", STALE));
  qmpVm = await rawQemuFirmwareOnly({ binary: "qemu-system-x86_64", machine: "q35", smp: "1,maxcpus=4,cores=4,threads=1", name: `${RUN}-qmp` });
  await adopt("qmp", { qmp: { socket: qmpVm.qmpSocket }, maxVcpus: 4, vcpus: 1, guestAgent: "off" });
  for (const [k, g] of entries) if (g.drift) await g.drift(vms[k]!);
}, 300_000);

afterAll(async () => {
  for (const vm of Object.values(vms)) await vm.destroy();
  await qmpVm?.stop();
  rmSync(dir, { recursive: true, force: true });
  expect(await cleanupLeftovers(RUN)).toEqual({ domains: [], rawQemus: [] });
});

const ALL = ["insync", "hotadd", "offline", "config", "stopped", "gone", "stale", "qmp"];
const staleVerdict = () => (accelerator() === "qemu" ? "libvirt-stale" : "in-sync");

/** Expected table cells per VM: DECLARED, LIBVIRT CONFIG, QEMU LIVE, GUEST ONLINE, RESTART PENDING, LIBVIRT-STALE, VERDICT. */
const ROWS: Record<string, () => string[]> = {
  "declared = QEMU = definition = guest: in-sync": () => ["insync-cpu", "2/4", "2/4", "2/4", "2", "no", "no", "in-sync"],
  "an extra vCPU hot-added with virsh setvcpus --live: drift live-vcpus": () => ["hotadd-cpu", "2/4", "2/4", "3/4", "-", "no", "no", "drift: live-vcpus"],
  "a CPU offlined in the guest with virsh guestvcpus --disable: drift guest-offline": () => ["offline-cpu", "3/4", "3/4", "3/4", "2", "no", "no", "drift: guest-offline"],
  "a config-only change with virsh setvcpus --config: drift config": () => ["config-cpu", "2/4", "3/4", "2/4", "-", "no", "no", "drift: config"],
  "virsh destroy of a persistent domain: stopped": () => ["stopped-cpu", "1/4", "1/4", "-", "-", "no", "no", "stopped"],
  "destroy + undefine: gone": () => ["gone-cpu", "1/4", "-", "-", "-", "-", "-", "gone"],
  "an unplug libvirt timed out on: libvirt-stale (TCG)": () => ["stale-cpu", "1/4", "1/4", "1/4", "1", "no", accelerator() === "qemu" ? "yes" : "no", staleVerdict()],
  "a raw QMP VM, read over its own connection: in-sync (no libvirt definition)": () => ["qmp-cpu", "1/4", "-", "1/4", "-", "no", "no", "in-sync"],
  "a host that does not exist: unreachable": () => ["far-cpu", "2/4", "-", "-", "-", "-", "-", "unreachable"],
};

describe("drift against real guests", () => {
  let table: { code: number; stdout: string; stderr: string };
  let json: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    // One resource's connection is a --show-secrets plaintext secret; one VmCpu is on a host that does not exist.
    const far = vmCpuResource("far-cpu", { ...outputs["insync"]!, libvirt: { uri: NOWHERE, domain: "far" } });
    const secret = vmCpuResource("insync-cpu", { ...outputs["insync"]!, libvirt: { [SIG_KEY]: SIG_SECRET, plaintext: JSON.stringify(outputs["insync"]!["libvirt"]) } });
    const file = writeExport("stack.json", ALL.filter((k) => k !== "insync"), [secret, far]);
    table = await cli(["drift", file]);
    json = await cli(["drift", file, "--json", "--quiet"]);
    process.stdout.write(`[drift.test] pulumi-qemu-vcpu drift stack.json (exit ${table.code}):\n${table.stdout}\n[stderr]\n${table.stderr}\n`);
  });

  test.each(Object.entries(ROWS))("table row: %s", (_name, cells) => {
    const row = tableRow(table.stdout, cells()[0]!);
    expect([row[0], ...row.slice(3)]).toEqual(cells());
  });

  test("the unreachable host is named, the others still reported, exit 1", () => {
    expect(table.code).toBe(1);
    expect(table.stdout).toContain(`unreachable host ${NOWHERE}: can't connect to libvirt at ${NOWHERE}`);
    expect(table.stdout).toMatch(/^9 VMs on 4 hosts: .*1 unreachable$/m);
  });

  test("progress on stderr for more than a few VMs, one line per host", () => {
    expect(table.stderr).toMatch(/^drift: reading 9 VMs on 4 hosts \(one connection per host\)$/m);
    for (const host of [LOCAL, LOCAL_SOCKET]) expect(table.stderr).toMatch(new RegExp(`^drift: ${host.replace(/[?+/]/g, "\\$&")}: \\d+ VMs read in \\d+ ms$`, "m"));
    expect(table.stderr).toContain(`drift: ${NOWHERE}: unreachable`);
  });

  test("--json: one object per VM with every view, plus the summary", () => {
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout) as { vms: Props[]; summary: Props };
    const byName = Object.fromEntries(doc.vms.map((v) => [v["name"], v]));
    expect(byName["offline-cpu"]).toMatchObject({ domain: vms["offline"]!.name, host: LOCAL, verdict: "drift", kinds: ["guest-offline"], live: { vcpus: 3, maxVcpus: 4 }, guestOnline: 2, agent: "connected", details: ["1 of 3 vCPUs plugged is offline in the guest (guest CPU 2)"] });
    expect(byName["hotadd-cpu"]).toMatchObject({ host: LOCAL_SOCKET, kinds: ["live-vcpus"], live: { vcpus: 3, libvirtVcpus: 3 }, config: { vcpus: 2 }, details: ["QEMU has 3 vCPUs plugged, 2 declared"] });
    expect(byName["stale-cpu"]).toMatchObject({ verdict: staleVerdict(), live: { vcpus: 1, libvirtVcpus: accelerator() === "qemu" ? 2 : 1 } });
    expect(byName["gone-cpu"]).toMatchObject({ verdict: "gone", details: [expect.stringMatching(/does not exist \[VM_NOT_FOUND\]/)] });
    expect(doc.summary).toMatchObject({ vms: 9, hosts: 4, exitCode: 1, unreachableHosts: [{ host: NOWHERE }] });
    // --quiet: no progress; the exit line goes to stderr, never into the JSON on stdout.
    expect(json.stderr).toBe("exit 1: incomplete: 1 VM could not be checked\n");
  });
});

describe("exit codes", () => {
  test("drift but every host reachable: exit 2", async () => {
    const r = await cli(["drift", writeExport("drift.json", ["insync", "hotadd"])]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/exit 2: drift\n$/);
    expect(r.stdout).not.toContain("exit 2");
  });

  test("only VMs in sync, read from stdin: exit 0", async () => {
    const r = await cli(["drift", "-", "--json"], JSON.stringify(stackExport([vmCpuResource("insync-cpu", outputs["insync"]!)])));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ vms: [{ name: "insync-cpu", verdict: "in-sync" }], summary: { exitCode: 0 } });
  });

  test("a needed field that is an encrypted secret: that VM is an error naming the field, exit 1", async () => {
    const enc = vmCpuResource("enc-cpu", { ...outputs["insync"]!, libvirt: { [SIG_KEY]: SIG_SECRET, ciphertext: "v1:abc:def" } });
    const r = await cli(["drift", writeExport("enc.json", ["insync"], [enc])]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("enc-cpu: error\n  - outputs.libvirt is an encrypted secret; export with `pulumi stack export --show-secrets` to check this VM [SECRET_ENCRYPTED]");
    expect(tableRow(r.stdout, "insync-cpu").at(-1)).toBe("in-sync");
  });
});
