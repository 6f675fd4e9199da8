/**
 * Pure framing and classification for QMP and the qemu-ga protocol: no sockets, no timers.
 *
 * Wire format (docs/interop/qmp-spec): one JSON object per line. QEMU 7.2 ends each line with CRLF; qemu-ga with LF.
 * Pretty-printed monitors (`-mon …,pretty=on`) are not supported. The guest agent adds one quirk: the reply to
 * `guest-sync-delimited` is preceded by a 0xFF sentinel byte (qga/qapi-schema.json), which can never occur in UTF-8
 * JSON, so the splitter treats 0xFF as "start over here".
 */
import { QmpProtocolError } from "./errors";
import { QmpErrorReply, QmpEvent, QmpGreeting, QmpReturnReply } from "./messages";

/** Line feed: the message terminator. */
export const LF = 0x0a;
/** Carriage return: QEMU's QMP writes "\r\n"; a trailing CR is stripped. */
export const CR = 0x0d;
/** The guest agent's resynchronisation sentinel (qga `guest-sync-delimited`). */
export const SYNC_BYTE = 0xff;
/** Default cap on one buffered line (a full `query-machines` is ~25 KB); protects against a peer that never sends LF. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/** What {@link LineSplitter.push} yields: a complete line, or the protocol error that stands in its place. */
export type SplitItem = string | QmpProtocolError;

/** Strict UTF-8 (QMP and qemu-ga only send UTF-8): invalid bytes throw instead of becoming U+FFFD. */
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Turns a byte stream into complete lines. Owns partial lines across chunks (UTF-8 is decoded only once a line is
 * complete, so a multi-byte character split between chunks survives) and several lines per chunk. Empty lines are
 * skipped. A line longer than the cap, or not valid UTF-8, yields a {@link QmpProtocolError} in its place (an
 * over-long line as soon as it passes the cap; the rest of it, up to its LF, is discarded, so at most the cap is
 * held). The items come out in stream order however the stream is chunked. A 0xFF byte drops the partial line
 * before it. {@link discardUntilSync} switches to a mode that throws away everything up to and including the next
 * 0xFF (qemu-ga resync).
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private partBytes = 0;
  private syncing = false;
  /** Discarding the rest of a line that passed the cap. */
  private overlong = false;

  constructor(private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES) {}

  /** True while bytes are being discarded up to the next 0xFF. */
  get awaitingSync(): boolean {
    return this.syncing;
  }

  /** Bytes of the partial line held back. */
  get buffered(): number {
    return this.partBytes;
  }

  /** Drops the partial line and discards all input up to and including the next 0xFF byte. */
  discardUntilSync(): void {
    this.reset();
    this.syncing = true;
  }

  /** Drops the partial line and leaves sync mode. */
  reset(): void {
    this.parts = [];
    this.partBytes = 0;
    this.syncing = false;
    this.overlong = false;
  }

  /** Feeds one chunk; returns the lines it completed (without CR/LF) and errors in their place, in order. */
  push(chunk: Buffer): SplitItem[] {
    const out: SplitItem[] = [];
    let pos = 0;
    while (pos < chunk.length) pos = this.syncing ? this.skipToSync(chunk, pos) : this.step(chunk, pos, out);
    return out;
  }

  /** Consumes up to the next LF or 0xFF from `pos`; returns the new position. */
  private step(chunk: Buffer, pos: number, out: SplitItem[]): number {
    const lf = chunk.indexOf(LF, pos);
    const ff = chunk.indexOf(SYNC_BYTE, pos);
    if (ff !== -1 && (lf === -1 || ff < lf)) {
      this.reset();
      return ff + 1;
    }
    this.hold(chunk.subarray(pos, lf === -1 ? chunk.length : lf), out);
    if (lf === -1) return chunk.length;
    this.emit(out);
    return lf + 1;
  }

  private skipToSync(chunk: Buffer, pos: number): number {
    const ff = chunk.indexOf(SYNC_BYTE, pos);
    if (ff === -1) return chunk.length;
    this.syncing = false;
    return ff + 1;
  }

  private hold(bytes: Buffer, out: SplitItem[]): void {
    if (this.overlong || bytes.length === 0) return;
    if (this.partBytes + bytes.length > this.maxLineBytes) {
      this.reset();
      this.overlong = true;
      out.push(new QmpProtocolError(`line longer than ${this.maxLineBytes} bytes`));
      return;
    }
    this.parts.push(bytes);
    this.partBytes += bytes.length;
  }

  private emit(out: SplitItem[]): void {
    let line = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partBytes);
    const overlong = this.overlong;
    this.reset();
    if (overlong) return;
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    if (line.length > 0) out.push(decodeUtf8(line));
  }
}

function decodeUtf8(line: Buffer): SplitItem {
  try {
    return UTF8.decode(line);
  } catch (cause) {
    return new QmpProtocolError("line is not valid UTF-8", { line: line.toString("latin1"), cause });
  }
}

// ------------------------------------------------------------------------------------------------ encode

/** A command as sent on the wire: `{"execute": name, "arguments"?: {...}, "id"?: json-value}` (qmp-spec). The guest
 * agent ignores ids, so agent commands are sent without one. */
export interface WireCommand {
  execute: string;
  arguments?: object;
  id?: string | number;
}

/** JSON text of a command, without the line terminator (what libvirt's monitor/agent command APIs take). */
export function encodeCommandJson(cmd: WireCommand): string {
  const msg: Record<string, unknown> = { execute: cmd.execute };
  if (cmd.arguments !== undefined) msg.arguments = cmd.arguments;
  if (cmd.id !== undefined) msg.id = cmd.id;
  return JSON.stringify(msg);
}

/** One framed command: JSON + LF. */
export function encodeCommand(cmd: WireCommand): Buffer {
  return Buffer.from(`${encodeCommandJson(cmd)}\n`, "utf8");
}

/** `0xFF` + `guest-sync-delimited {id}` + LF: the 0xFF makes qemu-ga's JSON parser drop any partial input
 * (qga/qapi-schema.json `guest-sync-delimited`). */
export function encodeSyncDelimited(id: number): Buffer {
  return Buffer.concat([Buffer.of(SYNC_BYTE), encodeCommand({ execute: "guest-sync-delimited", arguments: { id } })]);
}

// ------------------------------------------------------------------------------------------------ decode

/** Parses one line as JSON; malformed input is a {@link QmpProtocolError} carrying the line. */
export function decodeLine(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch (cause) {
    throw new QmpProtocolError("malformed JSON line", { line, cause });
  }
}

/** Which protocol a message came from: QMP has a greeting and events; the guest agent has neither. */
export type Dialect = "qmp" | "agent";

/** A message sorted by kind (qmp-spec "server responses" / "asynchronous events"). */
export type Classified =
  | { kind: "greeting"; greeting: QmpGreeting }
  | { kind: "return"; id: unknown; value: unknown }
  | { kind: "error"; id: unknown; error: { class: string; desc: string } }
  | { kind: "event"; event: QmpEvent };

/** Sorts a parsed message into greeting | return | error | event. Anything else (and a greeting or event from the
 * agent) is a {@link QmpProtocolError}. */
export function classify(msg: unknown, dialect: Dialect = "qmp"): Classified {
  if (typeof msg !== "object" || msg === null || Array.isArray(msg)) throw unknownShape(msg, "not a JSON object");
  if ("return" in msg) return { kind: "return", id: QmpReturnReply.parse(msg).id, value: (msg as { return: unknown }).return };
  if ("error" in msg) return errorOf(msg);
  if (dialect === "agent") throw unknownShape(msg, "the guest agent sends only return and error replies");
  if ("event" in msg) return eventOf(msg);
  if ("QMP" in msg) return greetingOf(msg);
  throw unknownShape(msg, "neither return, error, event nor greeting");
}

/** Decodes and classifies a whole reply given as JSON text (function-backed adapters); any failure is a
 * {@link QmpProtocolError} naming `command`. */
export function classifyReply(command: string, json: string, dialect: Dialect): Classified {
  try {
    return classify(decodeLine(json.trim()), dialect);
  } catch (cause) {
    throw new QmpProtocolError("unreadable reply", { command, line: json, cause });
  }
}

function errorOf(msg: object): Classified {
  const r = QmpErrorReply.safeParse(msg);
  if (!r.success) throw unknownShape(msg, "error reply without {class, desc}", r.error);
  return { kind: "error", id: r.data.id, error: r.data.error };
}

function eventOf(msg: object): Classified {
  const r = QmpEvent.safeParse(msg);
  if (!r.success) throw unknownShape(msg, "malformed event", r.error);
  return { kind: "event", event: r.data };
}

function greetingOf(msg: object): Classified {
  const r = QmpGreeting.safeParse(msg);
  if (!r.success) throw unknownShape(msg, "malformed greeting", r.error);
  return { kind: "greeting", greeting: r.data };
}

function unknownShape(msg: unknown, detail: string, cause?: unknown): QmpProtocolError {
  return new QmpProtocolError(`unexpected message (${detail})`, { line: safeJson(msg), cause });
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
