/**
 * Safe HTML building for the drift page: the {@link html} tagged template escapes every
 * interpolated value (VM names, hosts, details: anything from the stack or the hypervisor)
 * unless it is already {@link Markup} made by this module. There is no other way to put text
 * into the page, so no string reaches it unescaped.
 */

/** A piece of markup that is already safe (built by {@link html} or {@link trusted}). */
export class Markup {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text escaped for an HTML text node or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** An interpolated value: markup as is; a list joined; nothing for undefined/null/false; else escaped text. */
function piece(value: unknown): string {
  if (value instanceof Markup) return value.text;
  if (Array.isArray(value)) return value.map(piece).join("");
  if (value === undefined || value === null || value === false) return "";
  return escapeHtml(String(value));
}

/** Tagged template: the literal parts are markup, every `${value}` is escaped (see {@link piece}). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Markup {
  return new Markup(strings.reduce((out, s, i) => out + s + (i < values.length ? piece(values[i]) : ""), ""));
}

/** Wraps a constant of this module's own (the page's CSS and script) as markup; never for data. */
export function trusted(text: string): Markup {
  return new Markup(text);
}
