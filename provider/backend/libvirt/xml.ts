/**
 * XML for libvirt domain documents, on `@xmldom/xmldom`: parse into a DOM (every parser
 * warning, error and fatal error becomes an {@link XmlError}), look elements up by path,
 * and serialise an edited DOM back. libvirt reformats a definition on define anyway, so
 * the rewrite edits the DOM instead of splicing source text.
 */
import { DOMParser, XMLSerializer, type Document, type Element, type Node } from "@xmldom/xmldom";

/** An element of a parsed document. */
export type XmlElement = Element;

/** What rejected the input: a parser report (by level) or a character XML 1.0 does not allow. */
export type XmlErrorLevel = "warning" | "error" | "fatalError" | "char";

/** Malformed XML; `level` says how the parser rated it, `cause` keeps the parser's own error. */
export class XmlError extends Error {
  override readonly name = "XmlError";
  readonly code = "XML_ERROR";
  constructor(
    readonly level: XmlErrorLevel,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;

/**
 * Characters outside XML 1.0's `Char` production (§2.2): C0 controls but tab/LF/CR,
 * lone surrogates, U+FFFE and U+FFFF. xmldom turns `&#x110000;` or `&#0;` into such
 * characters instead of reporting them.
 */
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Every string a node holds: character data, or an element's attribute values. */
function nodeStrings(node: Node): string[] {
  if (node.nodeType === ELEMENT_NODE) return Array.from((node as Element).attributes, (a) => a.value);
  return node.nodeValue === null ? [] : [node.nodeValue];
}

/** Throws an {@link XmlError} for the first string in the tree that holds a non-XML character. */
function checkChars(doc: Document): void {
  const stack: Node[] = [doc];
  while (stack.length) {
    const node = stack.pop()!;
    const bad = nodeStrings(node).find((s) => NOT_XML_CHAR.test(s));
    if (bad !== undefined) throw new XmlError("char", `character not allowed in XML in "${bad.slice(0, 40)}"`);
    for (const c of Array.from(node.childNodes)) stack.push(c);
  }
}

/** Parses a document and returns its root element; throws {@link XmlError}. */
export function parseXml(xml: string): XmlElement {
  let report: { level: XmlErrorLevel; message: string } | undefined;
  const onError = (level: XmlErrorLevel, message: string): never => {
    report ??= { level, message };
    throw new XmlError(level, message);
  };
  let doc: Document;
  try {
    doc = new DOMParser({ onError, locator: false }).parseFromString(xml, "text/xml");
  } catch (cause) {
    const r = report ?? { level: "fatalError", message: cause instanceof Error ? cause.message : String(cause) };
    throw new XmlError(r.level, `malformed XML: ${r.message}`, { cause });
  }
  checkChars(doc);
  if (!doc.documentElement) throw new XmlError("fatalError", "no root element");
  return doc.documentElement;
}

/** The document of an element this module parsed (elements always have one). */
function docOf(el: XmlElement): Document {
  return el.ownerDocument as Document;
}

/** The whole document `el` belongs to, as XML text. */
export function serializeXml(el: XmlElement): string {
  return new XMLSerializer().serializeToString(docOf(el));
}

/** Child elements of `el`, in document order. */
export function elements(el: XmlElement | undefined): XmlElement[] {
  if (!el) return [];
  return Array.from(el.childNodes).filter((n): n is Element => n.nodeType === ELEMENT_NODE);
}

/** First child element on a `/`-separated path below `el` (e.g. `os/type`). */
export function child(el: XmlElement | undefined, path: string): XmlElement | undefined {
  let cur = el;
  for (const part of path.split("/")) cur = elements(cur).find((c) => c.tagName === part);
  return cur;
}

/** All child elements named `name`. */
export function children(el: XmlElement | undefined, name: string): XmlElement[] {
  return elements(el).filter((c) => c.tagName === name);
}

/** Attribute value, or undefined when absent. */
export function attr(el: XmlElement | undefined, name: string): string | undefined {
  return el?.hasAttribute(name) ? (el.getAttribute(name) ?? undefined) : undefined;
}

/** Integer attribute, or undefined when absent/not a number. */
export function intAttr(el: XmlElement | undefined, name: string): number | undefined {
  const v = attr(el, name);
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined;
  return Number(v);
}

/** The text content of `el` ("" for none). */
export function text(el: XmlElement): string {
  return el.textContent ?? "";
}

/** A new element in `near`'s document with the defined `attrs` (in order) and `kids`. */
export function newElement(near: XmlElement, name: string, attrs: Readonly<Record<string, string | number | undefined>>, kids: readonly Node[] = []): XmlElement {
  const el = docOf(near).createElement(name);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, String(v));
  for (const k of kids) el.appendChild(k);
  return el;
}

/** Inserts `node` as the next sibling of `ref`, on a new line indented like `ref`. */
export function insertAfter(ref: XmlElement, node: Node): void {
  const parent = ref.parentNode!;
  const indent = ref.previousSibling?.nodeType === TEXT_NODE ? /\n[ \t]*$/.exec(ref.previousSibling.nodeValue ?? "")?.[0] : undefined;
  const next = ref.nextSibling;
  parent.insertBefore(newText(ref, indent ?? "\n"), next);
  parent.insertBefore(node, next);
}

/** A new text node in `near`'s document. */
export function newText(near: XmlElement, data: string): Node {
  return docOf(near).createTextNode(data);
}
