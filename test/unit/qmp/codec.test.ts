import {
  LineSplitter,
  SYNC_BYTE,
  classify,
  classifyReply,
  decodeLine,
  encodeCommand,
  encodeCommandJson,
  encodeSyncDelimited,
  QmpProtocolError,
  type SplitItem,
} from "../../../provider/qmp";

/** QEMU 7.2 output as captured from the real binary (CRLF line ends). */
const QMP_STREAM = Buffer.from(
  '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u18+b3"}, "capabilities": ["oob"]}}\r\n' +
    '{"return": {}, "id": 1}\r\n' +
    '{"timestamp": {"seconds": 1700000000, "microseconds": 5}, "event": "ACPI_DEVICE_OST", "data": {"info": {"device": "cpu1", "source": 1, "status": 0, "slot": "1", "slot-type": "CPU"}}}\r\n' +
    '{"id": 2, "error": {"class": "GenericError", "desc": "Invalid CPU core-id: 9 must be in range 0:3"}}\r\n' +
    '{"return": {"desc": "caf\u00e9 \u2713 \ud83d\ude00"}, "id": 3}\r\n',
  "utf8",
);
const QMP_LINES = QMP_STREAM.toString("utf8").split("\r\n").filter(Boolean);

function feed(splitter: LineSplitter, chunks: Buffer[]): SplitItem[] {
  return chunks.flatMap((c) => splitter.push(c));
}

describe("LineSplitter", () => {
  it("whole stream in one chunk: every line, CR stripped (several lines per chunk)", () => {
    expect(new LineSplitter().push(QMP_STREAM)).toEqual(QMP_LINES);
  });

  it("split at every byte offset: same lines (multi-byte UTF-8 included)", () => {
    for (let i = 0; i <= QMP_STREAM.length; i++) {
      const got = feed(new LineSplitter(), [QMP_STREAM.subarray(0, i), QMP_STREAM.subarray(i)]);
      expect({ i, got }).toEqual({ i, got: QMP_LINES });
    }
  });

  it("split at every pair of offsets (three chunks)", () => {
    const s = QMP_STREAM.subarray(0, 140); // greeting + first reply keeps this O(n^2) loop small
    const want = new LineSplitter().push(s);
    for (let i = 0; i <= s.length; i++) {
      for (let j = i; j <= s.length; j += 7) {
        expect(feed(new LineSplitter(), [s.subarray(0, i), s.subarray(i, j), s.subarray(j)])).toEqual(want);
      }
    }
  });

  it("one byte per chunk", () => {
    const chunks = [...QMP_STREAM].map((b) => Buffer.of(b));
    expect(feed(new LineSplitter(), chunks)).toEqual(QMP_LINES);
  });

  const cases: Record<string, { chunks: (string | number[])[]; sync?: boolean; want: string[] }> = {
    "LF only (qemu-ga)": { chunks: ['{"return": 1}\n{"return": 2}\n'], want: ['{"return": 1}', '{"return": 2}'] },
    "empty lines skipped": { chunks: ["\n\r\n{}\n\n"], want: ["{}"] },
    "partial line held back": { chunks: ['{"return"', ": 1}"], want: [] },
    "0xFF drops the partial line before it": { chunks: ['{"retu', [SYNC_BYTE], '{"return": 7}\n'], want: ['{"return": 7}'] },
    "sync mode: discard through 0xFF, lines before it included": {
      sync: true,
      chunks: ['{"return": 5}\nstale junk', [0x41, SYNC_BYTE, 0x7b], '"return": 9}\n'],
      want: ['{"return": 9}'],
    },
    "sync mode: no 0xFF yet, nothing comes out": { sync: true, chunks: ['{"return": 5}\n'], want: [] },
    "sync mode: late answer then current answer (two 0xFF)": {
      sync: true,
      chunks: [[SYNC_BYTE], '{"return": 1}\n', [SYNC_BYTE], '{"return": 2}\n'],
      want: ['{"return": 1}', '{"return": 2}'],
    },
  };
  it.each(Object.entries(cases))("%s", (_name, c) => {
    const s = new LineSplitter();
    if (c.sync) s.discardUntilSync();
    const chunks = c.chunks.map((x) => (typeof x === "string" ? Buffer.from(x) : Buffer.from(x)));
    expect(feed(s, chunks)).toEqual(c.want);
  });

  it("sync mode ends at 0xFF; a sync split from its payload still works at every offset", () => {
    const stream = Buffer.concat([Buffer.from('garbage{"ret'), Buffer.of(SYNC_BYTE), Buffer.from('{"return": 42}\n')]);
    for (let i = 0; i <= stream.length; i++) {
      const s = new LineSplitter();
      s.discardUntilSync();
      expect(feed(s, [stream.subarray(0, i), stream.subarray(i)])).toEqual(['{"return": 42}']);
      expect(s.awaitingSync).toBe(false);
    }
  });

  it("a line over the cap is a protocol error, and the splitter recovers", () => {
    const s = new LineSplitter(16);
    expect(s.push(Buffer.from("x".repeat(17)))).toEqual([expect.any(QmpProtocolError)]);
    expect(s.buffered).toBe(0);
    expect(s.push(Buffer.from("yyy\n{}\n"))).toEqual(["{}"]);
  });

  // Found by codec.fuzz.test.ts: the first two threw away lines, the third altered one silently.
  const errorsInPlace: Record<string, { cap?: number; chunks: (string | number[])[]; want: Array<string | "error"> }> = {
    "a line before an over-long one in the same chunk survives": { cap: 8, chunks: ['{"a":1}\n' + "x".repeat(20) + '\n{"b":2}\n'], want: ['{"a":1}', "error", '{"b":2}'] },
    "the tail of an over-long line is not a line of its own": { cap: 8, chunks: ["x".repeat(9), "tail\n", "{}\n"], want: ["error", "{}"] },
    "invalid UTF-8 is an error, not U+FFFD": { chunks: ['{"return": "', [0xc3, 0x28], '"}\n{}\n'], want: ["error", "{}"] },
  };
  it.each(Object.entries(errorsInPlace))("%s", (_name, c) => {
    const chunks = c.chunks.map((x) => Buffer.from(x as string));
    const got = feed(new LineSplitter(c.cap), chunks).map((x) => (typeof x === "string" ? x : "error"));
    expect(got).toEqual(c.want);
  });
});

describe("encode", () => {
  const cases: Record<string, { cmd: Parameters<typeof encodeCommand>[0]; want: string }> = {
    "no arguments, no id": { cmd: { execute: "query-status" }, want: '{"execute":"query-status"}\n' },
    "with id": { cmd: { execute: "qmp_capabilities", id: 1 }, want: '{"execute":"qmp_capabilities","id":1}\n' },
    "arguments kept verbatim": {
      cmd: { execute: "device_add", arguments: { driver: "qemu64-x86_64-cpu", "core-id": 1 }, id: "a" },
      want: '{"execute":"device_add","arguments":{"driver":"qemu64-x86_64-cpu","core-id":1},"id":"a"}\n',
    },
    "undefined arguments omitted": { cmd: { execute: "guest-ping", arguments: undefined }, want: '{"execute":"guest-ping"}\n' },
  };
  it.each(Object.entries(cases))("%s", (_name, c) => {
    expect(encodeCommand(c.cmd).toString("utf8")).toBe(c.want);
    expect(encodeCommandJson(c.cmd)).toBe(c.want.trimEnd());
  });

  it("guest-sync-delimited starts with the 0xFF sentinel", () => {
    const b = encodeSyncDelimited(1234);
    expect(b[0]).toBe(0xff);
    expect(b.subarray(1).toString()).toBe('{"execute":"guest-sync-delimited","arguments":{"id":1234}}\n');
  });
});

describe("decode + classify", () => {
  it("malformed JSON line is a protocol error carrying the line", () => {
    const err = (() => {
      try {
        decodeLine('{"return": ');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(QmpProtocolError);
    expect(err).toMatchObject({ code: "QMP_PROTOCOL_ERROR", line: '{"return": ' });
  });

  const ok: Record<string, { line: string; dialect?: "qmp" | "agent"; kind: string; extra?: object }> = {
    greeting: { line: QMP_LINES[0]!, kind: "greeting" },
    "return with id": { line: QMP_LINES[1]!, kind: "return", extra: { id: 1, value: {} } },
    event: { line: QMP_LINES[2]!, kind: "event" },
    "error keeps class and desc": {
      line: QMP_LINES[3]!,
      kind: "error",
      extra: { id: 2, error: { class: "GenericError", desc: "Invalid CPU core-id: 9 must be in range 0:3" } },
    },
    "id-less error (QEMU could not parse the request)": {
      line: '{"error": {"class": "GenericError", "desc": "JSON parse error, invalid keyword \'garbage\'"}}',
      kind: "error",
      extra: { id: undefined },
    },
    "agent return": { line: '{"return": 3}', dialect: "agent", kind: "return", extra: { value: 3 } },
    "agent error": { line: '{"error": {"class": "GenericError", "desc": "x"}}', dialect: "agent", kind: "error" },
    "event without data gets {}": {
      line: '{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP"}',
      kind: "event",
      extra: { event: { event: "STOP", data: {}, timestamp: { seconds: 1, microseconds: 2 } } },
    },
  };
  it.each(Object.entries(ok))("%s", (_name, c) => {
    const m = classify(decodeLine(c.line), c.dialect ?? "qmp");
    expect(m.kind).toBe(c.kind);
    if (c.extra) expect(m).toMatchObject(c.extra);
  });

  const bad: Record<string, { line: string; dialect?: "qmp" | "agent" }> = {
    "array": { line: "[1]" },
    "unknown object": { line: '{"foo": 1}' },
    "error without desc": { line: '{"error": {"class": "GenericError"}}' },
    "event without timestamp": { line: '{"event": "STOP"}' },
    "greeting from the agent": { line: QMP_LINES[0]!, dialect: "agent" },
    "event from the agent": { line: QMP_LINES[2]!, dialect: "agent" },
  };
  it.each(Object.entries(bad))("protocol error: %s", (_name, c) => {
    expect(() => classify(decodeLine(c.line), c.dialect ?? "qmp")).toThrow(QmpProtocolError);
  });

  it("classifyReply names the command on any failure", () => {
    expect(() => classifyReply("query-status", "not json", "qmp")).toThrow(
      expect.objectContaining({ code: "QMP_PROTOCOL_ERROR", command: "query-status" }),
    );
    expect(classifyReply("query-status", '{"return": {"running": true}, "id": "libvirt-12"}\n', "qmp")).toMatchObject({
      kind: "return",
      id: "libvirt-12",
    });
  });
});
