/**
 * Property tests of the QMP/qemu-ga codec: interleaved events and replies cut anywhere give
 * the same lines and kinds; over-long lines and invalid UTF-8 become a QmpProtocolError in
 * their place, whatever the chunking; arbitrary text and JSON fail only with QmpProtocolError.
 */
import * as fc from "fast-check";
import { LineSplitter, QmpProtocolError, classify, decodeLine } from "../../../provider/qmp";
import { allSplits, chunksAt, runs, typedOutcome } from "../../support/fuzz";

/** A message QEMU could send, with its kind and its JSON text. */
interface Message {
  readonly kind: "event" | "return" | "error";
  readonly json: string;
}

const id = fc.integer({ min: 0, max: 1e6 });
const json = fc.jsonValue({ maxDepth: 2 });
const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ event: fc.constantFrom("DEVICE_DELETED", "ACPI_DEVICE_OST", "RESUME"), data: fc.dictionary(fc.string(), json, { maxKeys: 3 }),
    timestamp: fc.record({ seconds: fc.nat(), microseconds: fc.nat(999999) }) }).map((m) => ({ kind: "event" as const, json: JSON.stringify(m) })),
  fc.record({ return: json, id }).map((m) => ({ kind: "return" as const, json: JSON.stringify(m) })),
  fc.record({ error: fc.record({ class: fc.string(), desc: fc.string({ unit: "grapheme" }) }), id }).map((m) => ({ kind: "error" as const, json: JSON.stringify(m) })),
);
const ending = fc.constantFrom("\r\n", "\n");
const stream = fc.array(fc.tuple(message, ending), { minLength: 1, maxLength: 6 });

const bytesOf = (ms: ReadonlyArray<readonly [Message, string]>): Buffer => Buffer.from(ms.map(([m, end]) => m.json + end).join(""), "utf8");

/** Lines and errors in arrival order, the way the agent queues them. */
function collect(s: LineSplitter, chunks: readonly Buffer[]): Array<string | Error> {
  return chunks.flatMap((c): Array<string | Error> => {
    const got = typedOutcome(() => s.push(c), QmpProtocolError);
    return got instanceof Error ? [got] : got;
  });
}

const CAP = 64;
/** One line of a stream with a small cap: JSON, or junk that may run past the cap. */
const line = fc.oneof(
  message.map((m) => m.json),
  fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 3 * CAP }).map((s) => s.replace(/[\r\n]/g, "x")),
);

/** What a splitter with cap `CAP` must give for `lines`: each line, or an error where it is too long. */
function expected(lines: readonly string[]): Array<string | "error"> {
  return lines.map((l) => (Buffer.byteLength(l) > CAP ? "error" : l));
}
const shape = (out: Array<string | Error>): Array<string | "error"> => out.map((o) => (typeof o === "string" ? o : "error"));

describe("LineSplitter properties", () => {
  test("interleaved events and replies cut into random chunks give the same lines and kinds", () => {
    fc.assert(fc.property(stream, fc.array(fc.nat(), { maxLength: 10 }), (ms, cuts) => {
      const out = collect(new LineSplitter(), chunksAt(bytesOf(ms), cuts));
      expect(out).toEqual(ms.map(([m]) => m.json));
      expect(out.map((l) => classify(decodeLine(l as string)).kind)).toEqual(ms.map(([m]) => m.kind));
    }), runs(300));
  });

  test("a stream split at every offset gives the same lines", () => {
    fc.assert(fc.property(stream, (ms) => {
      const want = ms.map(([m]) => m.json);
      expect(allSplits(bytesOf(ms)).filter((chunks) => !Object.is(JSON.stringify(collect(new LineSplitter(), chunks)), JSON.stringify(want)))).toEqual([]);
    }), runs(40));
  });

  test("a line over the cap is one error in its place, whatever the chunking; memory stays bounded", () => {
    fc.assert(fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (lines, cuts) => {
      const s = new LineSplitter(CAP);
      const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(""));
      const out = chunksAt(bytes, cuts).flatMap((c) => {
        const got = collect(s, [c]);
        expect(s.buffered).toBeLessThanOrEqual(CAP);
        return got;
      });
      expect(shape(out)).toEqual(expected(lines));
    }), runs(400));
  });

  test("invalid UTF-8 in a line is an error in its place, never a silently altered line", () => {
    const invalid = fc.constantFrom([0x80], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc0, 0xaf]);
    fc.assert(fc.property(message, invalid, message, fc.array(fc.nat(), { maxLength: 6 }), (a, bad, b, cuts) => {
      const broken = Buffer.concat([Buffer.from(a.json.slice(0, -1)), Buffer.from(bad), Buffer.from("}")]);
      const bytes = Buffer.concat([broken, Buffer.from("\n"), Buffer.from(`${b.json}\n`)]);
      expect(shape(collect(new LineSplitter(), chunksAt(bytes, cuts)))).toEqual(["error", b.json]);
    }), runs(200));
  });
});

describe("decode and classify properties", () => {
  test("any text decodes or fails with QmpProtocolError", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 60 }), (text) => void typedOutcome(() => decodeLine(text), QmpProtocolError)), runs(300));
  });

  test("any JSON value classifies or fails with QmpProtocolError, in both dialects", () => {
    const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), message.map((m) => JSON.parse(m.json) as unknown), fc.record({ QMP: fc.jsonValue({ maxDepth: 2 }) }));
    fc.assert(fc.property(value, fc.constantFrom("qmp" as const, "agent" as const), (v, dialect) => void typedOutcome(() => classify(v, dialect), QmpProtocolError)), runs(400));
  });
});
