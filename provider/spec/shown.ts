/**
 * How check messages quote what a user wrote: JSON-quoted (control characters visible), and
 * cut with its byte count when long, so a 2 MB input does not become a 2 MB message.
 */

/** Characters of an input quoted in full; longer inputs are cut here. */
const SHOWN_CHARS = 40;

/** `"web01"`, `"a\nb"`, or `"xxxx…"… (10000 bytes)`. */
export function shown(text: string): string {
  if (text.length <= SHOWN_CHARS) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, SHOWN_CHARS))}… (${Buffer.byteLength(text, "utf8")} bytes)`;
}
