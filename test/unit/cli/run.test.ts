/** The whole command in-process: input file → reads against a fake libvirtd → report + exit code. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
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

interface Case { spec: () => unknown; argv?: string[]; code: number; stdout: RegExp; stderr?: RegExp }

const cases: Record<string, Case> = {
  "in sync: exit 0, a table": { spec: () => ({ vms: [vm(2)] }), code: 0, stdout: /^VM\s+DOMAIN\s+HOST[\s\S]*\s2\/4\s+2\/4\s+2\/4\s+-\s+no\s+no\s+in-sync\n[\s\S]*exit 0: no drift\n$/ },
  "drift: exit 2": { spec: () => ({ vms: [vm(3)] }), code: 2, stdout: /drift: live-vcpus, config[\s\S]*QEMU has 2 vCPUs plugged, 3 declared[\s\S]*exit 2: drift/ },
  "a VM gone: exit 2": { spec: () => ({ vms: [vm(2, "nope")] }), code: 2, stdout: /nope: gone\n  - libvirt domain "nope" does not exist \[VM_NOT_FOUND\]/ },
  "an invalid entry: exit 1, the valid one still reported": {
    spec: () => ({ vms: [vm(9), vm(2)] }), code: 1, stdout: /error[\s\S]*in-sync[\s\S]*vms\[0\]\.vcpus: vcpus \(9\) must be between 1 and maxVcpus \(4\)/,
  },
  "--json: one document, exit code in the summary": {
    spec: () => ({ vms: [vm(3)] }), argv: ["--json"], code: 2, stdout: /^\{\n  "version": 1,\n  "vms": \[[\s\S]*"verdict": "drift"[\s\S]*"exitCode": 2\n  \}\n\}\n$/,
  },
  "not JSON: error on stderr, exit 1, nothing on stdout": { spec: () => "{", code: 1, stdout: /^$/, stderr: /^error: .*spec\.json is not JSON .* \[INPUT_FORMAT\]\n$/ },
  "no VmCpu in the file: said on stderr, exit 0": { spec: () => ({ vms: [] }), code: 0, stdout: /0 VMs on 0 hosts: nothing to check/, stderr: /declares no VmCpu resources/ },
};

describe("pulumi-qemu-vcpu drift (in-process)", () => {
  test.each(Object.entries(cases))("%s", async (_name, c) => {
    const r = await cli(["drift", "@spec", ...(c.argv ?? [])], c.spec());
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: c.code, stdout: expect.stringMatching(c.stdout) });
    if (c.stderr) expect(r.stderr).toMatch(c.stderr);
  });

  test("- reads the input from stdin", async () => {
    const r = await cli(["drift", "-", "--json"], undefined, JSON.stringify({ vms: [vm(2)] }));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ vms: [{ name: dom.name, verdict: "in-sync" }] });
  });

  test("a usage error prints the usage and exits 1", async () => {
    const r = await cli(["drift"]);
    expect(r).toEqual({ code: 1, stdout: "", stderr: expect.stringMatching(/^error: drift needs an input file \(or - for stdin\)\n\nUsage: pulumi-qemu-vcpu drift/) });
  });
});
