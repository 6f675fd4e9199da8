import {
  hostMatches, keyTypeOf, knownHostLine, knownHostName, parseKnownHosts, verifyHostKey, type HostKeyVerdict,
} from "../../../provider/ssh/known-hosts";

/** An ed25519 public key blob (type string + 32 key bytes), `fill` as the key bytes. */
function ed25519(fill: number): Buffer {
  const type = Buffer.from("ssh-ed25519");
  const head = Buffer.alloc(4);
  head.writeUInt32BE(type.length);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(32);
  return Buffer.concat([head, type, len, Buffer.alloc(32, fill)]);
}
const KEY_A = ed25519(0);
const KEY_B = ed25519(7);
const b64 = (k: Buffer) => k.toString("base64");

// Hashed with `ssh-keygen -H` from "127.0.0.1" and "[kvm1]:2222" (both KEY_A).
const HASHED_LOCAL = "|1|wx4Sm1oBJbPgcxw4fX6jAjrSTDg=|d/GA3j4sS3J82xo1Sr1wNOdwlzw=";
const HASHED_KVM1_2222 = "|1|oWlec9B9Vl30OpJpjA21if6Ltc8=|eyRDGrI/54sGuosIggGTmbxeTMc=";

describe("hostMatches", () => {
  const cases: Array<[string, string, string, boolean]> = [
    ["plain name", "kvm1", "kvm1", true],
    ["one of a list", "kvm0,kvm1,10.0.0.1", "10.0.0.1", true],
    ["case-insensitive", "KVM1", "kvm1", true],
    ["wildcard", "*.lab", "kvm1.lab", true],
    ["? wildcard", "kvm?", "kvm7", true],
    ["negation wins", "*.lab,!kvm9.lab", "kvm9.lab", false],
    ["non-22 port needs the bracket form", "kvm1", "[kvm1]:2222", false],
    ["bracket form", "[kvm1]:2222", "[kvm1]:2222", true],
    ["hashed", HASHED_LOCAL, "127.0.0.1", true],
    ["hashed, other name", HASHED_LOCAL, "127.0.0.2", false],
    ["hashed bracket form", HASHED_KVM1_2222, "[kvm1]:2222", true],
    ["dots are literal", "10.0.0.1", "10a0b0c1", false],
  ];
  test.each(cases)("%s", (_name, hosts, name, expected) => expect(hostMatches(hosts, name)).toBe(expected));
});

describe("verifyHostKey", () => {
  const file = [
    "# comment",
    "",
    `kvm1 ssh-ed25519 ${b64(KEY_A)}`,
    `${HASHED_LOCAL} ssh-ed25519 ${b64(KEY_A)}`,
    `${HASHED_KVM1_2222} ssh-ed25519 ${b64(KEY_A)}`,
    `kvm2 ssh-rsa ${b64(Buffer.from("rsa-blob"))}`,
    `@revoked kvm3 ssh-ed25519 ${b64(KEY_B)}`,
    `@cert-authority *.lab ssh-ed25519 ${b64(KEY_B)}`,
    "garbage-line",
  ].join("\n");
  const entries = parseKnownHosts(file);
  const cases: Array<[string, string, number, Buffer, HostKeyVerdict]> = [
    ["known plain entry", "kvm1", 22, KEY_A, "KNOWN"],
    ["known hashed entry", "127.0.0.1", 22, KEY_A, "KNOWN"],
    ["hashed [host]:port entry", "kvm1", 2222, KEY_A, "KNOWN"],
    ["same type, other key: changed", "kvm1", 22, KEY_B, "CHANGED"],
    ["hashed, other key: changed", "127.0.0.1", 22, KEY_B, "CHANGED"],
    ["only another key type known: unknown", "kvm2", 22, KEY_A, "UNKNOWN"],
    ["not listed: unknown", "kvm9", 22, KEY_A, "UNKNOWN"],
    ["other port not listed: unknown", "kvm1", 2200, KEY_A, "UNKNOWN"],
    ["revoked key", "kvm3", 22, KEY_B, "REVOKED"],
    ["cert-authority lines are not host keys", "x.lab", 22, KEY_B, "UNKNOWN"],
  ];
  test.each(cases)("%s", (_name, host, port, key, verdict) => expect(verifyHostKey(entries, host, port, key)).toBe(verdict));

  test("parse skips comments, markers and malformed lines", () => {
    expect(entries.map((e) => e.hosts)).toEqual(["kvm1", HASHED_LOCAL, HASHED_KVM1_2222, "kvm2", "kvm3"]);
  });
});

describe("knownHostLine / knownHostName / keyTypeOf", () => {
  test("port 22 is the bare name, others bracketed", () => {
    expect(knownHostName("kvm1", 22)).toBe("kvm1");
    expect(knownHostName("kvm1", 2222)).toBe("[kvm1]:2222");
  });
  test("a written line verifies as known", () => {
    const line = knownHostLine("kvm1", 2222, KEY_A);
    expect(line).toBe(`[kvm1]:2222 ssh-ed25519 ${b64(KEY_A)}\n`);
    expect(verifyHostKey(parseKnownHosts(line), "kvm1", 2222, KEY_A)).toBe("KNOWN");
  });
  test("key type from the blob", () => expect(keyTypeOf(KEY_A)).toBe("ssh-ed25519"));
});
