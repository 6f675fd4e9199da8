import * as pulumi from "@pulumi/pulumi";
import { VmCpu } from "../../../sdk";

interface Registered { type: string; name: string; inputs: Record<string, unknown> }

async function register(): Promise<Registered[]> {
  const seen: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        seen.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: () => ({}),
    },
    "project",
    "stack",
    false,
  );
  const cpu = new VmCpu("web01-cpu", { libvirt: { uri: "qemu:///system", domain: "web01" }, maxVcpus: 8, vcpus: 4 });
  await new Promise<void>((resolve) => cpu.urn.apply(() => resolve()));
  return seen;
}

describe("VmCpu", () => {
  let seen: Registered[];
  beforeAll(async () => {
    seen = await register();
  });

  test("registers with its own type token", () => {
    expect(seen.map((r) => r.type)).toEqual(["pulumi-nodejs:dynamic/qemu:VmCpu"]);
  });

  test("passes the resource name for log lines", () => {
    expect(seen[0]!.inputs["__label"]).toBe("web01-cpu");
  });

  test("serialized provider is small, requires the package by name, captures no local path", () => {
    const text = String(seen[0]!.inputs["__provider"]);
    expect(text.length).toBeLessThanOrEqual(8 * 1024);
    expect(text).toContain('require("pulumi-qemu-vcpu/provider")');
    expect(text).not.toContain(process.cwd());
    expect(text).not.toMatch(/\/work\/|\/home\/|\/root\//);
  });

  test("isInstance recognises the type token", async () => {
      expect(VmCpu.isInstance({ __pulumiType: "pulumi-nodejs:dynamic/qemu:VmCpu" })).toBe(true);
    expect(VmCpu.isInstance({ __pulumiType: "pulumi-nodejs:dynamic:Resource" })).toBe(false);
  });
});
