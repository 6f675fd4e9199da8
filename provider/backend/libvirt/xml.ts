/**
 * A tiny XML reader for libvirt domain XML: elements, attributes, text and the source
 * offsets of each element, so facts can be read and single elements rewritten in place
 * without re-serialising (and possibly losing) the rest of the document. Handles what
 * libvirt emits: declarations, comments, CDATA, self-closing tags, both quote styles and
 * the five predefined entities plus numeric character references. No DTDs.
 */

/** One element with its position in the source text. */
export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  text: string;
  /** Offset of `<` of the start tag. */
  readonly start: number;
  /** Offset just past the end tag (or the self-closing tag). */
  end: number;
}

/** Malformed XML. */
export class XmlError extends Error {
  override readonly name = "XmlError";
  readonly code = "XML_ERROR";
}

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** Decodes entity and character references. */
export function decodeEntities(s: string): string {
  if (!s.includes("&")) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (m, e: string) => {
    if (e.startsWith("#x")) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith("#")) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

/** Escapes text for an attribute value or element content. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&${Object.entries(ENTITIES).find(([, v]) => v === c)![0]};`);
}

const TAG = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y;
const ATTR = /([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

function parseAttrs(src: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const m of src.matchAll(ATTR)) attrs[m[1]!] = decodeEntities(m[2] ?? m[3] ?? "");
  return attrs;
}

function skipSpecial(xml: string, i: number): number | undefined {
  for (const [open, close] of [["<?", "?>"], ["<!--", "-->"], ["<!DOCTYPE", ">"]] as const) {
    if (xml.startsWith(open, i)) {
      const end = xml.indexOf(close, i);
      if (end < 0) throw new XmlError(`unterminated ${open} at ${i}`);
      return end + close.length;
    }
  }
  return undefined;
}

/** Parses a document and returns its root element. */
export function parseXml(xml: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf("<", i);
    const textEnd = lt < 0 ? xml.length : lt;
    if (stack.length && textEnd > i) stack[stack.length - 1]!.text += decodeEntities(xml.slice(i, textEnd));
    if (lt < 0) break;
    if (xml.startsWith("<![CDATA[", lt)) {
      const end = xml.indexOf("]]>", lt);
      if (end < 0) throw new XmlError(`unterminated CDATA at ${lt}`);
      if (stack.length) stack[stack.length - 1]!.text += xml.slice(lt + 9, end);
      i = end + 3;
      continue;
    }
    const skipped = skipSpecial(xml, lt);
    if (skipped !== undefined) { i = skipped; continue; }
    TAG.lastIndex = lt;
    const m = TAG.exec(xml);
    if (!m) throw new XmlError(`malformed tag at offset ${lt}`);
    const [whole, closing, name, attrSrc, selfClosing] = m;
    i = lt + whole.length;
    if (closing) {
      const open = stack.pop();
      if (!open || open.name !== name) throw new XmlError(`unexpected </${name}> at offset ${lt}`);
      open.end = i;
      if (!stack.length) root = open;
      continue;
    }
    const el: XmlElement = { name: name!, attrs: parseAttrs(attrSrc ?? ""), children: [], text: "", start: lt, end: i };
    if (stack.length) stack[stack.length - 1]!.children.push(el);
    if (selfClosing) { if (!stack.length) root = el; } else stack.push(el);
  }
  if (stack.length || !root) throw new XmlError(stack.length ? `unclosed <${stack[stack.length - 1]!.name}>` : "no root element");
  return root;
}

/** First child element on a `/`-separated path below `el` (e.g. `os/type`). */
export function child(el: XmlElement | undefined, path: string): XmlElement | undefined {
  let cur = el;
  for (const part of path.split("/")) cur = cur?.children.find((c) => c.name === part);
  return cur;
}

/** All child elements named `name`. */
export function children(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** Integer attribute, or undefined when absent/not a number. */
export function intAttr(el: XmlElement | undefined, name: string): number | undefined {
  const v = el?.attrs[name];
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined;
  return Number(v);
}
