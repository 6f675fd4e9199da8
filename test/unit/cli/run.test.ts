/** The whole command in-process: input file → reads against a fake libvirtd → report + exit code. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { readFileSync } from "node:fs";
import { run } from "../../../provider/cli/run";
import { FakeLibvirtd } from "../../fakes/libvirtd";
import { FakeDomain } from "../backend/libvirt/fake-domain";

let fake: FakeLibvirtd;
let dom: FakeDomain;
let dir: string;
beforeEach(async () => {
  fake = await FakeLibvirtd.start();
  dom = FakeDomain.install(fake, { plugged: [0, 1] });
  dir = mkdtempSync(join(tmpdir(), "drift-run-"));
});
afterEach(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs the CLI with `argv`; `spec` (if given) is written to spec.json (a string as is, else as
 * JSON) and `@spec` in argv is replaced by its path.
 */
async function cli(argv: string[], spec?: unknown, stdin = "") {
  const file = join(dir, "spec.json");
  if (spec !== undefined) writeFileSync(file, typeof spec === "string" ? spec : JSON.stringify(spec));
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv.map((a) => (a === "@spec" ? file : a)), {
    stdout: { write: (t: string) => void out.push(t) },
    stderr: { isTTY: false, write: (t: string) => void err.push(t) },
    stdin: Readable.from([Buffer.from(stdin)]),
  });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

const vm = (vcpus: number, name = dom.name) => ({ libvirt: { uri: `qemu+unix:///system?socket=${fake.socketPath}`, domain: name }, maxVcpus: 4, vcpus, guestAgent: "off" });

interface Case { spec: () => unknown; argv?: string[]; code: number; stdout: RegExp; stderr: RegExp }

const stackExport = (resources: unknown[]) => ({ version: 3, deployment: { resources } });
const qmpVm = { qmp: { socket: "/nonexistent/qmp.sock" }, maxVcpus: 2, vcpus: 1, guestAgent: "off" };

const cases: Record<string, Case> = {
  "in sync: exit 0, a table; the exit line on stderr": {
    spec: () => ({ vms: [vm(2)] }), code: 0, stdout: /^VM\s+DOMAIN\s+HOST[\s\S]*\s2\/4\s+2\/4\s+2\/4\s+-\s+no\s+no\s+in-sync\n\n1 VM on 1 host: 1 in-sync\n$/, stderr: /^exit 0: no drift\n$/,
  },
  "drift: exit 2": { spec: () => ({ vms: [vm(3)] }), code: 2, stdout: /drift: live-vcpus, config[\s\S]*QEMU has 2 vCPUs plugged, 3 declared/, stderr: /^exit 2: drift\n$/ },
  "a VM gone: exit 2": { spec: () => ({ vms: [vm(2, "nope")] }), code: 2, stdout: /nope: gone\n  - libvirt domain "nope" does not exist \[VM_NOT_FOUND\]/, stderr: /^exit 2: drift\n$/ },
  "an invalid entry: exit 1, the valid one still reported": {
    spec: () => ({ vms: [vm(9), vm(2)] }), code: 1, stdout: /error[\s\S]*in-sync[\s\S]*vms\[0\]\.vcpus: vcpus \(9\) must be between 1 and maxVcpus \(4\)/, stderr: /^exit 1: incomplete: 1 VM could not be checked\n$/,
  },
  "--json: one document, exit code in the summary, exit line on stderr": {
    spec: () => ({ vms: [vm(3)] }), argv: ["--json"], code: 2, stdout: /^\{\n  "version": 1,\n  "vms": \[[\s\S]*"verdict": "drift"[\s\S]*"exitCode": 2\n  \}\n\}\n$/, stderr: /^exit 2: drift\n$/,
  },
  "not JSON: error on stderr, exit 1, nothing on stdout": { spec: () => "{", code: 1, stdout: /^$/, stderr: /^error: .*spec\.json is not JSON .* \[INPUT_FORMAT\]\n$/ },
  "an empty spec file: an error naming what was read": {
    spec: () => ({ vms: [] }), code: 1, stdout: /^$/, stderr: /^error: no VmCpu resources were found in .*spec\.json: it is a drift spec file with no entries \[NO_VMCPU\]\n$/,
  },
  "a stack export without VmCpu: an error naming what was read": {
    spec: () => stackExport([{ urn: "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev", type: "pulumi:pulumi:Stack" }]),
    code: 1, stdout: /^$/, stderr: /^error: no VmCpu resources were found in .*spec\.json: it is a stack export with 1 resource, none of type pulumi-nodejs:dynamic\/qemu:VmCpu .*\[NO_VMCPU\]\n$/,
  },
};

describe("pulumi-qemu-vcpu drift (in-process)", () => {
  test.each(Object.entries(cases))("%s", async (_name, c) => {
    const r = await cli(["drift", "@spec", ...(c.argv ?? [])], c.spec());
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: c.code, stdout: expect.stringMatching(c.stdout) });
    expect(r.stderr).toMatch(c.stderr);
  });

  test("--json has no \"-\" placeholders: unknown host and domain are left out", async () => {
    const r = await cli(["drift", "@spec", "--json", "--quiet"], { vms: [qmpVm, { libvirt: 7, maxVcpus: 2, vcpus: 1 }] });
    const report = JSON.parse(r.stdout) as { vms: Record<string, unknown>[] };
    expect(r.stdout).not.toMatch(/: "-"/);
    expect(report.vms.map((v) => [v["host"], v["domain"]])).toEqual([["qmp:/nonexistent/qmp.sock", undefined], [undefined, undefined]]);
  });

  test("the human table still shows \"-\" for what is not known", async () => {
    const r = await cli(["drift", "@spec", "--quiet"], { vms: [qmpVm] });
    expect(r.stdout).toMatch(/^vms\[0\]\s+-\s+qmp:\/nonexistent\/qmp\.sock\s+1\/2\s+-/m);
  });

  test("--version prints the package's version from package.json", async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, "..", "..", "..", "package.json"), "utf8")) as { version: string };
    expect(await cli(["--version"])).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
  });

  test("- reads the input from stdin", async () => {
    const r = await cli(["drift", "-", "--json"], undefined, JSON.stringify({ vms: [vm(2)] }));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ vms: [{ name: dom.name, verdict: "in-sync" }] });
  });

  const htmlCases: Record<string, { argv: string[]; vcpus: number; code: number }> = {
    "in sync, with the table: exit 0": { argv: [], vcpus: 2, code: 0 },
    "drift, with --json: exit 2": { argv: ["--json"], vcpus: 3, code: 2 },
  };
  test.each(Object.entries(htmlCases))("--html FILE writes the page; stdout, stderr and exit code as without it: %s", async (_name, c) => {
    const page = join(dir, "drift.html");
    const without = await cli(["drift", "@spec", "--quiet", ...c.argv], { vms: [vm(c.vcpus)] });
    const withHtml = await cli(["drift", "@spec", "--quiet", ...c.argv, "--html", page], { vms: [vm(c.vcpus)] });
    expect(withHtml).toEqual(without);
    expect(withHtml.code).toBe(c.code);
    const html = readFileSync(page, "utf8");
    expect(html).toMatch(/^<!doctype html>\n[\s\S]*<\/html>\n$/);
    expect(html).toContain(`data-vm="${dom.name}"`);
    expect(html).toMatch(/generated \d{4}-\d\d-\d\dT/);
  });

  test("--html into a directory that does not exist: OUTPUT_UNWRITABLE, exit 1, nothing on stdout", async () => {
    const page = join(dir, "missing", "drift.html");
    const t0 = Date.now();
    const r = await cli(["drift", "@spec", "--quiet", "--html", page], { vms: [vm(2)] });
    expect(r).toEqual({ code: 1, stdout: "", stderr: `error: can't write the HTML page to ${page} (ENOENT); give --html a path in a directory that exists and is writable [OUTPUT_UNWRITABLE]\n` });
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  test("a usage error prints the usage once and exits 1", async () => {
    const r = await cli(["drift"]);
    expect(r).toEqual({ code: 1, stdout: "", stderr: expect.stringMatching(/^error: drift needs an input file \(or - for stdin\)\n\nUsage: pulumi-qemu-vcpu drift[^\n]*\nRun "pulumi-qemu-vcpu --help"[^\n]*\n$/) });
    expect(r.stderr.split("Usage:").length).toBe(2);
  });
});
