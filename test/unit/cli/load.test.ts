import { Readable } from "node:stream";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseInput, readInput } from "../../../provider/cli/drift/load";
import type { LoadedEntry } from "../../../provider/cli/drift/target";
import { isCliError } from "../../../provider/cli/errors";
import { stackExport, storedOutputs, vmCpuResource } from "./fixtures";

const lv = (domain: string, uri = "qemu:///system") => ({ uri, domain });

/** One line per entry: `name: domain vcpus/max agent` or `name: CODE message`. */
function lines(entries: LoadedEntry[]): string[] {
  return entries.map((e) =>
    e.kind === "target"
      ? `${e.target.name}: ${e.target.desired.libvirt?.domain} ${e.target.desired.vcpus}/${e.target.desired.maxVcpus} ${e.target.desired.guestAgent}`
      : `${e.name}: ${e.error.code} ${e.error.message}`,
  );
}

const specCases: Record<string, { doc: unknown; lines: (string | RegExp)[] }> = {
  "spec file: vms list, defaults applied, name defaults to the domain": {
    doc: { vms: [{ name: "web", libvirt: lv("web01"), maxVcpus: 8, vcpus: 4 }, { libvirt: lv("db01"), maxVcpus: 4, vcpus: 2, guestAgent: "off" }] },
    lines: ["web: web01 4/8 optional", "db01: db01 2/4 off"],
  },
  "spec file: a bare array works too": { doc: [{ libvirt: lv("a"), maxVcpus: 2, vcpus: 1 }], lines: ["a: a 1/2 optional"] },
  "spec file: an invalid entry names its index and field, the others still load": {
    doc: { vms: [{ libvirt: lv("a"), maxVcpus: 2, vcpus: 3 }, { libvirt: lv("b"), maxVcpus: 2, vcpus: 2 }] },
    lines: [/^a: INPUT_INVALID vms\[0\]\.vcpus: vcpus \(3\) must be between 1 and maxVcpus \(2\)/, "b: b 2/2 optional"],
  },
  "spec file: a typo in a field name is caught": {
    doc: { vms: [{ libvirt: lv("a"), maxVcpus: 2, vcpu: 1 }] },
    lines: [/^a: INPUT_INVALID vms\[0\]\.vcpus: .*vms\[0\]\.vcpu: unknown field "vcpu"/],
  },
  "spec file: a bad URI is caught": {
    doc: { vms: [{ libvirt: lv("a", "http://x/"), maxVcpus: 2, vcpus: 1 }] },
    lines: [/^a: INPUT_INVALID vms\[0\]\.libvirt\.uri: libvirt\.uri must be a QEMU driver URI/],
  },
  "stack export: recognised by its deployment": {
    doc: stackExport([vmCpuResource("web01-cpu", storedOutputs("web01-cpu"))]),
    lines: ["web01-cpu: web01 2/4 optional"],
  },
};

describe("parseInput", () => {
  test.each(Object.entries(specCases))("%s", (_name, c) => {
    const got = lines(parseInput(JSON.stringify(c.doc), "in.json"));
    expect(got).toEqual(c.lines.map((l) => (typeof l === "string" ? l : expect.stringMatching(l))));
  });

  test.each([
    ["not JSON", "{oops", /in\.json is not JSON .*expected `pulumi stack export` output or a drift spec file/],
    ["JSON of another shape", '{"hello": 1}', /neither a stack export .* nor a drift spec file/],
  ])("%s is INPUT_FORMAT", (_name, text, message) => {
    const err = (() => { try { parseInput(text, "in.json"); return undefined; } catch (e) { return e; } })();
    expect(isCliError(err, "INPUT_FORMAT")).toBe(true);
    expect((err as Error).message).toMatch(message);
  });
});

describe("readInput", () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "drift-load-")); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("a file is read", async () => {
    writeFileSync(join(dir, "a.json"), "[1]");
    expect(await readInput(join(dir, "a.json"), Readable.from([]))).toBe("[1]");
  });

  test("- reads all of stdin, in chunks", async () => {
    expect(await readInput("-", Readable.from([Buffer.from('{"vm'), Buffer.from('s": []}')]))).toBe('{"vms": []}');
  });

  test("a missing file is INPUT_UNREADABLE naming the file", async () => {
    const err = await readInput(join(dir, "nope.json"), Readable.from([])).catch((e: unknown) => e);
    expect(isCliError(err, "INPUT_UNREADABLE")).toBe(true);
    expect((err as Error).message).toBe(`can't read ${join(dir, "nope.json")}: ENOENT`);
  });
});
