/**
 * The serialized provider (`__provider`, stored in every user's state): what the SDK
 * captures from a real program (examples/basic, package by name), and what running it means
 * — the provider host `require`s the implementation by package name from the program's
 * directory, so refresh and destroy run the package installed there, never code frozen in
 * the state.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT, uniqueName } from "../../guest/guest";
import { capture, moduleProgram, projectName, type Registration } from "../../engine/capture";
import { MiniEngine } from "../../engine/engine";
import { outcome } from "../../engine/scenario";
import { Timings } from "../../engine/timings";

const BASIC = path.join(REPO_ROOT, "examples", "basic");
const CTX = { project: "vmcpu-basic", stack: "dev" };
const RUN = uniqueName("qvt-eng-closure");
const timings = new Timings();
const sizes: string[] = [];

let reg: Registration;
let provider: string;
beforeAll(async () => {
  const regs = await timings.time("capture examples/basic", () =>
    capture(moduleProgram(path.join(BASIC, "index.ts")), { project: projectName(BASIC), config: { domain: "web01", vcpus: "4" } }),
  );
  reg = regs[0]!;
  provider = String(reg.inputs["__provider"]);
  sizes.push(`captured __provider of examples/basic: ${Buffer.byteLength(provider)} bytes`);
});

afterAll(() => {
  timings.print("[engine/closure] scenario times");
  process.stdout.write(`[engine/closure] ${sizes.join("; ")}\n`);
});

describe("the __provider a program stores in state", () => {
  test("is at most 8 KB and requires the implementation by package name", () => {
    expect(reg.type).toBe("pulumi-nodejs:dynamic/qemu:VmCpu");
    expect(Buffer.byteLength(provider)).toBeLessThanOrEqual(8 * 1024);
    expect(provider).toMatch(/^exports\.handler = /);
    for (const method of ["check", "diff", "create", "read", "update", "delete"]) {
      expect(provider).toContain(`require("pulumi-qemu-vcpu/provider").provider.${method}(`);
    }
  });

  const paths: Record<string, string> = { "the repository": REPO_ROOT, "/root": "/root/", "/tmp": "/tmp/", "/home": "/home/", "the temp dir": `${os.tmpdir()}/` };
  test.each(Object.entries(paths))("holds no absolute path of this machine: %s", (_what, p) => {
    expect(provider).not.toContain(p);
  });

  test("captures no implementation code by value (no schema, no libvirt client, no Pulumi runtime)", () => {
    for (const word of ["zod", "withHypervisor", "LibvirtClient", "converge", "@pulumi/pulumi", "__awaiter"]) {
      expect(provider).not.toContain(word);
    }
  });
});

/** A program dir whose installed `pulumi-qemu-vcpu` is another version: it reports who ran. */
function otherInstall(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${RUN}-`));
  const pkg = path.join(dir, "node_modules", "pulumi-qemu-vcpu");
  fs.mkdirSync(pkg, { recursive: true });
  fs.symlinkSync(path.join(REPO_ROOT, "node_modules", "@pulumi"), path.join(dir, "node_modules", "@pulumi"));
  fs.writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "pulumi-qemu-vcpu", version: "9.9.9", exports: { "./provider": "./provider.js" } }));
  fs.writeFileSync(
    path.join(pkg, "provider.js"),
    [
      "exports.provider = {",
      "  read: async (id, props) => ({ id, props: { ...props, readBy: 'pulumi-qemu-vcpu@9.9.9' } }),",
      "  delete: async (id) => console.log('deleted ' + id + ' with pulumi-qemu-vcpu@9.9.9'),",
      "};",
    ].join("\n"),
  );
  return dir;
}

describe("refresh and destroy of a stored resource", () => {
  let dir: string;
  let engine: MiniEngine;
  beforeAll(async () => {
    dir = otherInstall();
    engine = new MiniEngine({ programDir: dir, project: projectName(BASIC) });
    // The state `pulumi up` of examples/basic left behind (outputs abridged to the inputs).
    engine.state.set(reg.urn, { urn: reg.urn, name: reg.name, type: reg.type, id: "qemu:///system#stored", inputs: reg.inputs, outputs: { ...reg.inputs } });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("run the pulumi-qemu-vcpu installed where the command runs", async () => {
    const refresh = await timings.time("refresh with another installed version", () => engine.refresh());
    expect(outcome(refresh, CTX)).toBe("ok");
    expect(engine.state.get(reg.urn)?.outputs).toMatchObject({ readBy: "pulumi-qemu-vcpu@9.9.9" });
    const destroy = await timings.time("destroy with another installed version", () => engine.destroy());
    expect(outcome(destroy, CTX)).toBe("ok");
    expect(destroy.diagnostics.map((d) => d.text)).toContain("deleted qemu:///system#stored with pulumi-qemu-vcpu@9.9.9");
    sizes.push(`provider host start: ${refresh.hostStartMs} ms`);
  });
});
