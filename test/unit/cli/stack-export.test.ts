import { VM_CPU_TYPE as SDK_TYPE } from "../../../sdk/vmcpu";
import { SIG_KEY, SIG_SECRET } from "../../../provider/cli/drift/secrets";
import { VM_CPU_TYPE, entriesFromStackExport, nameFromUrn } from "../../../provider/cli/drift/stack-export";
import type { LoadedEntry } from "../../../provider/cli/drift/target";
import { stackExport, storedOutputs, vmCpuResource } from "./fixtures";

type Rec = Record<string, unknown>;
const plaintext = (value: unknown) => ({ [SIG_KEY]: SIG_SECRET, plaintext: JSON.stringify(value) });
const ciphertext = { [SIG_KEY]: SIG_SECRET, ciphertext: "v1:Zm9v:YmFy" };

/** What a test expects of one entry. */
type Expect =
  | { target: { name: string; domain: string; vcpus: number; maxVcpus: number; guestAgent?: string; notes?: RegExp } }
  | { invalid: { name: string; code: string; message: RegExp } };

function summary(e: LoadedEntry): Rec {
  if (e.kind === "invalid") return { invalid: { name: e.name, code: e.error.code, message: e.error.message } };
  const d = e.target.desired;
  return { target: { name: e.target.name, domain: d.libvirt?.domain, vcpus: d.vcpus, maxVcpus: d.maxVcpus, guestAgent: d.guestAgent, notes: e.target.notes.join("\n") } };
}

/** The expectation as a jest matcher (regexes match strings; unnamed target fields are not checked). */
function matcher(e: Expect): Rec {
  if ("invalid" in e) return { invalid: { ...e.invalid, message: expect.stringMatching(e.invalid.message) } };
  const { notes, ...fields } = e.target;
  return { target: expect.objectContaining({ ...fields, notes: notes ? expect.stringMatching(notes) : "" }) };
}

const outs = storedOutputs("web01-cpu", { vcpus: 2, guestAgent: "required" });

const cases: Record<string, { resources: Rec[]; expect: Expect[] }> = {
  "a VmCpu's declared spec and connection come from its outputs": {
    resources: [vmCpuResource("web01-cpu", outs)],
    expect: [{ target: { name: "web01-cpu", domain: "web01", vcpus: 2, maxVcpus: 4, guestAgent: "required" } }],
  },
  "after a refresh the inputs hold the live baseline; outputs.declared still wins": {
    resources: [vmCpuResource("web01-cpu", outs, { inputs: { libvirt: outs["libvirt"], maxVcpus: 4, vcpus: 3 } })],
    expect: [{ target: { name: "web01-cpu", domain: "web01", vcpus: 2, maxVcpus: 4 } }],
  },
  "other resource types are ignored": {
    resources: [{ urn: "urn:pulumi:dev::fleet::random:index/randomId:RandomId::x", type: "random:index/randomId:RandomId", outputs: {} }],
    expect: [],
  },
  "a pending delete is skipped": { resources: [vmCpuResource("old-cpu", outs, { delete: true })], expect: [] },
  "plaintext secrets (--show-secrets) are unwrapped": {
    resources: [vmCpuResource("web01-cpu", { ...outs, libvirt: plaintext(outs["libvirt"]), declared: { ...(outs["declared"] as Rec), vcpus: plaintext(2) } })],
    expect: [{ target: { name: "web01-cpu", domain: "web01", vcpus: 2, maxVcpus: 4 } }],
  },
  "an encrypted field the report needs fails that VM, naming the field and the fix": {
    resources: [vmCpuResource("web01-cpu", { ...outs, libvirt: { uri: ciphertext, domain: "web01" } })],
    expect: [{ invalid: { name: "web01-cpu", code: "SECRET_ENCRYPTED", message: /^outputs\.libvirt\.uri is an encrypted secret; export with `pulumi stack export --show-secrets`/ } }],
  },
  "an encrypted field the report does not need is ignored": {
    resources: [vmCpuResource("web01-cpu", { ...outs, warnings: [ciphertext], qemuVersion: ciphertext })],
    expect: [{ target: { name: "web01-cpu", domain: "web01", vcpus: 2, maxVcpus: 4 } }],
  },
  "an encrypted declared block is named as a whole": {
    resources: [vmCpuResource("web01-cpu", { ...outs, declared: ciphertext })],
    expect: [{ invalid: { name: "web01-cpu", code: "SECRET_ENCRYPTED", message: /^outputs\.declared is an encrypted secret/ } }],
  },
  "no outputs yet (failed first apply): the inputs are the declaration, with a note": {
    resources: [vmCpuResource("new-cpu", {}, { inputs: { __label: "new-cpu", libvirt: { uri: "qemu:///system", domain: "new" }, maxVcpus: 8, vcpus: 4 } })],
    expect: [{ target: { name: "new-cpu", domain: "new", vcpus: 4, maxVcpus: 8, notes: /taken from the inputs/ } }],
  },
  "an invalid declaration fails that VM only, naming the field": {
    resources: [
      vmCpuResource("bad-cpu", { ...outs, declared: { maxVcpus: 2, vcpus: 3 } }),
      vmCpuResource("web01-cpu", outs),
    ],
    expect: [
      { invalid: { name: "bad-cpu", code: "INPUT_INVALID", message: /^outputs\.declared\.vcpus: vcpus \(3\) must be between 1 and maxVcpus \(2\)/ } },
      { target: { name: "web01-cpu", domain: "web01", vcpus: 2, maxVcpus: 4 } },
    ],
  },
};

describe("entriesFromStackExport", () => {
  test.each(Object.entries(cases))("%s", (_name, c) => {
    const got = entriesFromStackExport(stackExport(c.resources) as { deployment: Rec }).map(summary);
    expect(got).toEqual(c.expect.map(matcher));
  });

  test("an empty stack (no resources array) has no entries", () => {
    expect(entriesFromStackExport({ deployment: {} })).toEqual([]);
  });

  test("the type token is the SDK's", () => {
    expect(VM_CPU_TYPE).toBe(SDK_TYPE);
  });

  test.each([
    ["urn:pulumi:dev::fleet::pulumi-nodejs:dynamic/qemu:VmCpu::web01-cpu", "web01-cpu"],
    ["urn:pulumi:dev::fleet::parent$pulumi-nodejs:dynamic/qemu:VmCpu::db::cpu", "cpu"],
    ["not-a-urn", undefined],
  ])("nameFromUrn(%s) = %s", (urn, name) => {
    expect(nameFromUrn(urn)).toBe(name);
  });
});
