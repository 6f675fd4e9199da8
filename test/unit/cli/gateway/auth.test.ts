/** Bearer tokens: hashing, the header's form, and the lookup that compares every stored hash. */
import { bearerToken, findToken, hashToken, newToken } from "../../../../provider/cli/gateway/auth";

const tokens = [
  { name: "ci", sha256: hashToken("tok-ci"), vms: ["web01"] },
  { name: "ops", sha256: hashToken("tok-ops"), vms: ["web01", "db01"] },
];

test("hashToken is SHA-256 hex (FIPS 180-2 vector)", () => {
  expect(hashToken("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});

test("newToken makes 43 base64url characters, different each time", () => {
  const a = newToken();
  expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(newToken()).not.toBe(a);
});

test.each([
  ["Bearer tok-ci", "tok-ci"],
  ["bearer tok-ci", undefined],
  ["Basic dXNlcjpwYXNz", undefined],
  ["Bearer ", undefined],
  ["Bearer a b", undefined],
  [undefined, undefined],
  [`Bearer ${"x".repeat(513)}`, undefined],
])("bearerToken(%j) = %j", (header, expected) => {
  expect(bearerToken(header)).toBe(expected);
});

test.each([
  ["tok-ci", "ci"],
  ["tok-ops", "ops"],
  ["tok-c", undefined],
  ["TOK-CI", undefined],
  ["", undefined],
  [undefined, undefined],
  [hashToken("tok-ci"), undefined],
])("findToken(%j) → %j", (presented, name) => {
  expect(findToken(tokens, presented)?.name).toBe(name);
});
