import { EncryptedSecret, SIG_KEY, SIG_SECRET, encryptedPaths, unwrapSecrets } from "../../../provider/cli/drift/secrets";

const plaintext = (value: unknown) => ({ [SIG_KEY]: SIG_SECRET, plaintext: JSON.stringify(value) });
const ciphertext = { [SIG_KEY]: SIG_SECRET, ciphertext: "v1:abc:def" };

interface Case { value: unknown; unwrapped: unknown; encrypted: string[] }

const cases: Record<string, Case> = {
  "plain values pass through": { value: { a: 1, b: ["x"] }, unwrapped: { a: 1, b: ["x"] }, encrypted: [] },
  "a plaintext secret becomes its JSON value": {
    value: { libvirt: plaintext({ uri: "qemu:///system", domain: "web01" }) },
    unwrapped: { libvirt: { uri: "qemu:///system", domain: "web01" } },
    encrypted: [],
  },
  "a plaintext number stays a number": { value: { vcpus: plaintext(3) }, unwrapped: { vcpus: 3 }, encrypted: [] },
  "a hand-written non-JSON plaintext is taken as the string": {
    value: { x: { [SIG_KEY]: SIG_SECRET, plaintext: "not json" } }, unwrapped: { x: "not json" }, encrypted: [],
  },
  "a secret inside a secret is unwrapped too": { value: { x: plaintext(plaintext("deep")) }, unwrapped: { x: "deep" }, encrypted: [] },
  "a ciphertext secret is marked with its path": {
    value: { libvirt: { uri: ciphertext, domain: "web01" } },
    unwrapped: { libvirt: { uri: new EncryptedSecret("outputs.libvirt.uri"), domain: "web01" } },
    encrypted: ["outputs.libvirt.uri"],
  },
  "ciphertext in an array names the index": {
    value: { warnings: ["ok", ciphertext] },
    unwrapped: { warnings: ["ok", new EncryptedSecret("outputs.warnings[1]")] },
    encrypted: ["outputs.warnings[1]"],
  },
  "other Pulumi signatures (assets) are left alone": {
    value: { a: { [SIG_KEY]: "c44067f5952c0a294b673a41bacd8c17", path: "x" } },
    unwrapped: { a: { [SIG_KEY]: "c44067f5952c0a294b673a41bacd8c17", path: "x" } },
    encrypted: [],
  },
};

describe("unwrapSecrets / encryptedPaths", () => {
  test.each(Object.entries(cases))("%s", (_name, c) => {
    const unwrapped = unwrapSecrets(c.value, "outputs");
    expect(unwrapped).toEqual(c.unwrapped);
    expect(encryptedPaths(unwrapped)).toEqual(c.encrypted);
  });
});
