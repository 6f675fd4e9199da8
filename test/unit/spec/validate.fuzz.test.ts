/**
 * Property test of input checking: arbitrary JSON-like inputs (known fields with wrong or
 * right shapes, unknown keys, Pulumi's unknown sentinel) never make `checkInputs` throw; it
 * returns failures that each name a field, and inputs it passes parse for create/update.
 */
import * as fc from "fast-check";
import { z } from "zod";
import { checkInputs, containsUnknown, parseInputs, UNKNOWN } from "../../../provider/spec";
import { VmCpuInputFields } from "../../../provider/spec/inputs";
import { runs } from "../../support/fuzz";

const FIELDS = Object.keys(VmCpuInputFields.shape);
const anything = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(UNKNOWN), fc.constant(undefined));
const count = fc.oneof(fc.integer({ min: -2, max: 1100 }), fc.double(), anything);
/** Values that are right, nearly right or wrong for each field. */
const FIELD_VALUES: Record<string, fc.Arbitrary<unknown>> = {
  libvirt: fc.oneof(fc.record({ uri: fc.constantFrom("qemu:///system", "qemu+ssh://h/system", "http://x", ""), domain: fc.oneof(fc.string(), anything) }, { requiredKeys: [] }), anything),
  qmp: fc.oneof(fc.record({ socket: fc.string(), host: fc.string(), port: count, agentSocket: fc.string(), extra: anything }, { requiredKeys: [] }), anything),
  maxVcpus: count,
  vcpus: count,
  topology: fc.oneof(fc.record({ sockets: count, dies: count, clusters: count, cores: count, threads: count }, { requiredKeys: [] }), anything),
  machine: fc.oneof(fc.constantFrom("q35", "pc-q35-7.2", "pc", "pseries", "microvm", "s390-ccw-virtio", "virt", "pc-q35"), anything),
  guestAgent: fc.oneof(fc.constantFrom("required", "optional", "off"), anything),
  coldChanges: fc.oneof(fc.constantFrom("refuse", "persist", "restart"), anything),
  timeouts: fc.oneof(fc.record({ unplugSeconds: count, agentSeconds: count, shutdownSeconds: count }, { requiredKeys: [] }), anything),
};
const inputs: fc.Arbitrary<Record<string, unknown>> = fc.tuple(
  fc.record(FIELD_VALUES, { requiredKeys: [] }),
  fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("__proto__", "constructor", "__provider", "vcpu")), anything, { maxKeys: 3 }),
).map(([known, extra]) => ({ ...extra, ...known }));

describe("checkInputs properties", () => {
  test("never throws; every failure names a field and says why", () => {
    fc.assert(fc.property(fc.option(inputs, { nil: undefined }), inputs, (olds, news) => {
      const { inputs: out, failures } = checkInputs(olds, news);
      expect(typeof out).toBe("object");
      const fields = [...FIELDS, ...Object.keys(news)].map((k) => z.core.toDotPath([k]).replace(/^\./, ""));
      const names = (p: string) => fields.some((k) => p === k || p.startsWith(`${k}.`) || p.startsWith(`${k}[`));
      for (const f of failures) {
        expect(names(f.property) ? f.property : { unnamed: f }).toBe(f.property);
        expect(f.reason).not.toBe("");
      }
    }), runs(800));
  });

  test("inputs that pass and are fully known parse for create/update", () => {
    fc.assert(fc.property(inputs, (news) => {
      const { inputs: out, failures } = checkInputs(undefined, news);
      if (failures.length === 0 && !containsUnknown(out)) expect(() => parseInputs(news)).not.toThrow();
    }), runs(500));
  });
});
