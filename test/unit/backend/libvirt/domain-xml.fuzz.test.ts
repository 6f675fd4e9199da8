/**
 * Property tests of the domain-XML reader and rewriter: the same document written another
 * way (attribute order, quotes, whitespace, comments, CDATA, character references, foreign
 * namespaces with non-ASCII names) reads the same facts; damaged or random text fails only
 * with XmlError or DomainXmlError; a rewrite reads back as asked and stays well-formed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as fc from "fast-check";
import { DOMParser, type Element, type Node } from "@xmldom/xmldom";
import { DomainXmlError, readDomainCpu, rewriteCpuDefinition, type CpuDefinition } from "../../../../provider/backend/libvirt/domain-xml";
import { XmlError } from "../../../../provider/backend/libvirt/xml";
import { runs, typedOutcome } from "../../../support/fuzz";

const fixture = readFileSync(join(__dirname, "../../../fixtures/domain-q35-inactive.xml"), "utf8");
const VCPUS = "<vcpus><vcpu id='0' enabled='yes' hotpluggable='no' order='1'/><vcpu id='1' enabled='yes' hotpluggable='yes' order='3'/><vcpu id='2' enabled='no' hotpluggable='yes'/><vcpu id='3' enabled='yes' hotpluggable='yes' order='2'/></vcpus>";
const METADATA = "<metadata><app:données xmlns:app='urn:example:app' clé='vérité'><app:étiquette>x &amp; y</app:étiquette></app:données></metadata>";
/** Documents whose facts cover every reader branch: the fixture, a `<vcpus>` list, a connected agent, metadata. */
const BASES = [
  fixture,
  fixture.replace("</vcpu>", `</vcpu>${VCPUS}`).replace("guest_agent.0'/>", "guest_agent.0' state='connected'/>"),
  fixture.replace("</devices>", `</devices>${METADATA}`).replace("<acpi/>", ""),
];

/** Random choices for {@link render}, drawn one at a time. */
type Pick = (n: number) => number;

const WS = [" ", "\n  ", "\t", "  \n"];
function escapeText(s: string, pick: Pick): string {
  return [...s].map((c) => {
    const refs = [c === "<" ? "&lt;" : c === "&" ? "&amp;" : c === ">" ? "&gt;" : c, `&#${c.codePointAt(0)};`, `&#x${c.codePointAt(0)!.toString(16)};`];
    return refs[pick(refs.length)];
  }).join("");
}

function renderAttrs(el: Element, pick: Pick): string {
  const attrs = Array.from(el.attributes).map((a) => [a.name, a.value] as const);
  for (let i = attrs.length - 1; i > 0; i--) {
    const j = pick(i + 1);
    [attrs[i], attrs[j]] = [attrs[j]!, attrs[i]!];
  }
  return attrs.map(([k, v]) => {
    const q = pick(2) ? "'" : '"';
    const value = escapeText(v, pick).replace(new RegExp(q, "g"), q === "'" ? "&apos;" : "&quot;");
    return `${WS[pick(WS.length)]}${k}${pick(2) ? " = " : "="}${q}${value}${q}`;
  }).join("");
}

function renderText(data: string, pick: Pick): string {
  if (!data.trim()) return WS[pick(WS.length)]!;
  return pick(3) === 0 && !data.includes("]]>") ? `<![CDATA[${data}]]>` : escapeText(data, pick);
}

/** Writes `node` again with random but equivalent markup. */
function render(node: Node, pick: Pick): string {
  if (node.nodeType === 3) return renderText(node.nodeValue ?? "", pick);
  if (node.nodeType !== 1) return "";
  const el = node as Element;
  const kids = Array.from(el.childNodes).map((c) => (pick(4) === 0 ? `<!-- ${pick(1000)} - ü -->` : "") + render(c, pick)).join("");
  const open = `<${el.tagName}${renderAttrs(el, pick)}${pick(2) ? "" : WS[pick(WS.length)]}`;
  return kids === "" && pick(2) ? `${open}/>` : `${open}>${kids}</${el.tagName}${pick(2) ? "" : " "}>`;
}

function rewritten(base: string, seed: readonly number[]): string {
  let i = 0;
  const pick: Pick = (n) => seed[i++ % seed.length]! % n;
  const root = new DOMParser().parseFromString(base, "text/xml").documentElement!;
  const prolog = ["", "<?xml version='1.0' encoding='UTF-8'?>\n", "<!-- written by hand -->\n"][pick(3)];
  return `${prolog}${render(root, pick)}\n`;
}

const FRAGMENTS = [
  "<", ">", "&", "&#x110000;", "&#0;", "&#xD800;", "&bogus;", "<![CDATA[", "]]>", "<!--", "-->", "<é:ü xmlns:é='urn:x'/>", "<x:y/>",
  "</domain>", "<domain>", "\u0000", "\uD800", "\uFFFD", "'", '"', "<?xml version='1.0'?>", "<!DOCTYPE domain [<!ENTITY a 'b'>]>", "&a;", "<vcpu>0</vcpu>", "=",
];
const damage = fc.oneof(
  fc.record({ at: fc.nat(), insert: fc.constantFrom(...FRAGMENTS) }),
  fc.record({ at: fc.nat(), insert: fc.string({ unit: "binary", maxLength: 4 }) }),
  fc.record({ at: fc.nat(), cut: fc.integer({ min: 1, max: 40 }) }),
);
type Damage = { at: number; insert: string } | { at: number; cut: number };
const applyDamage = (xml: string, d: Damage): string => {
  const at = d.at % (xml.length + 1);
  return "insert" in d ? xml.slice(0, at) + d.insert + xml.slice(at) : xml.slice(0, at) + xml.slice(at + d.cut);
};

const DEF = { maxVcpus: 6, vcpus: 3, topology: undefined, machine: undefined, entitySize: 1 } satisfies CpuDefinition;
const readOrRewrite = (xml: string): unknown => [typedOutcome(() => readDomainCpu(xml), XmlError, DomainXmlError), typedOutcome(() => rewriteCpuDefinition(xml, DEF), XmlError, DomainXmlError)];

const definition: fc.Arbitrary<CpuDefinition> = fc.integer({ min: 1, max: 48 }).chain((max) => fc.record({
  maxVcpus: fc.constant(max),
  vcpus: fc.integer({ min: 1, max }),
  topology: fc.option(fc.constantFrom({ sockets: 1, dies: 1, cores: max, threads: 1 }, { sockets: max, cores: 1, threads: 1 }), { nil: undefined }),
  // Machine type names as QEMU spells them (XML normalises whitespace in attribute values anyway).
  machine: fc.option(fc.stringMatching(/^[a-z][a-z0-9._-]{0,11}$/), { nil: undefined }),
  entitySize: fc.constant(1),
}));

describe("domain XML properties", () => {
  const seed = fc.array(fc.nat(), { minLength: 1, maxLength: 64 });

  test.each(BASES.map((b, i) => [i, b] as const))("base %i: the same document written any equivalent way reads the same facts", (_i, base) => {
    const want = readDomainCpu(base);
    fc.assert(fc.property(seed, (s) => expect(readDomainCpu(rewritten(base, s))).toEqual(want)), runs(150));
  });

  test("a damaged document reads or fails with XmlError/DomainXmlError only", () => {
    fc.assert(fc.property(fc.constantFrom(...BASES), fc.array(damage, { minLength: 1, maxLength: 3 }), (base, ds) => void readOrRewrite(ds.reduce(applyDamage, base))), runs(300));
  });

  test("random text reads or fails with XmlError/DomainXmlError only", () => {
    const text = fc.oneof(fc.string({ unit: "binary", maxLength: 80 }), fc.array(fc.constantFrom(...FRAGMENTS, "a", " ", "<domain>", "<a b='c'>"), { maxLength: 20 }).map((p) => p.join("")));
    fc.assert(fc.property(text, (t) => void readOrRewrite(t)), runs(300));
  });

  test("a rewrite reads back as asked and keeps the rest", () => {
    const want = readDomainCpu(BASES[2]!);
    fc.assert(fc.property(definition, (def) => {
      const f = readDomainCpu(rewriteCpuDefinition(BASES[2]!, def));
      expect({ ...f, vcpus: f.vcpus.filter((v) => v.enabled).length }).toEqual({
        ...want, maxVcpus: def.maxVcpus, currentVcpus: def.vcpus, vcpus: def.vcpus, machine: def.machine ?? want.machine,
        topology: def.topology ?? (def.maxVcpus === 4 ? want.topology : undefined),
      });
    }), runs(150));
  });

  test("a huge document (a 1 MB metadata block) reads the same facts", () => {
    const big = fixture.replace("</devices>", `</devices><metadata>${"<app:x xmlns:app='urn:a' n='1'>données &amp; plus</app:x>".repeat(20_000)}</metadata>`);
    expect(big.length).toBeGreaterThan(1_000_000);
    expect(readDomainCpu(big)).toEqual(readDomainCpu(fixture));
  });
});
