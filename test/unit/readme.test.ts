/**
 * README stays true to the tables it documents: every rule-table field, machine family and
 * policy is there, and the two commands it promises exist as npm scripts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FIELD_RULES } from "../../provider/plan";
import { LIBVIRT_TRANSPORTS, MACHINE_FAMILIES, VERSION_GATES } from "../../provider/spec";
import { POLICY_NAMES } from "../../sdk/policy";

const root = join(__dirname, "..", "..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const scripts = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

const mentions: Record<string, string[]> = {
  "every field of the rule table": Object.keys(FIELD_RULES).map((f) => `\`${f}`),
  "every machine family": Object.keys(MACHINE_FAMILIES).map((a) => `\`${a}`),
  "every policy": [...POLICY_NAMES].map((p) => `\`${p}\``),
  "the two commands": ["npm run demo", "npm test"],
  "every version gate": Object.keys(VERSION_GATES).map((g) => `\`${g}\``),
  "every libvirt transport the client dials": Object.entries(LIBVIRT_TRANSPORTS).filter(([n, t]) => t.implemented && n !== "unix").map(([n]) => `\`qemu+${n}://`),
};

describe("README", () => {
  test.each(Object.entries(mentions))("mentions %s", (_n, needles) => {
    expect(needles.filter((n) => !readme.includes(n))).toEqual([]);
  });

  test("its commands exist", () => {
    expect(Object.keys(scripts)).toEqual(expect.arrayContaining(["demo", "test", "bench:apply", "bench:read", "bench:fleet", "example:fleet"]));
  });
});
