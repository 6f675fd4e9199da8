import { XdrError } from "../../../../provider/libvirt/errors";
import { XdrReader } from "../../../../provider/libvirt/xdr/reader";
import { XdrWriter, xdrPadding } from "../../../../provider/libvirt/xdr/writer";

interface RoundTrip {
  write: (w: XdrWriter) => void;
  read: (r: XdrReader) => unknown;
  value: unknown;
  wire: number[];
}

const roundTrips: Record<string, RoundTrip> = {
  "u32 zero": { write: (w) => w.writeU32(0), read: (r) => r.readU32(), value: 0, wire: [0, 0, 0, 0] },
  "u32 max": { write: (w) => w.writeU32(0xffffffff), read: (r) => r.readU32(), value: 0xffffffff, wire: [0xff, 0xff, 0xff, 0xff] },
  "i32 -1": { write: (w) => w.writeI32(-1), read: (r) => r.readI32(), value: -1, wire: [0xff, 0xff, 0xff, 0xff] },
  "i32 min": { write: (w) => w.writeI32(-0x80000000), read: (r) => r.readI32(), value: -0x80000000, wire: [0x80, 0, 0, 0] },
  "hyper -2": {
    write: (w) => w.writeHyper(-2n),
    read: (r) => r.readHyper(),
    value: -2n,
    wire: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe],
  },
  "unsigned hyper lib_ver 9000000": {
    write: (w) => w.writeUHyper(9000000n),
    read: (r) => r.readUHyper(),
    value: 9000000n,
    wire: [0, 0, 0, 0, 0x00, 0x89, 0x54, 0x40],
  },
  "unsigned hyper max": {
    write: (w) => w.writeUHyper(2n ** 64n - 1n),
    read: (r) => r.readUHyper(),
    value: 2n ** 64n - 1n,
    wire: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
  },
  "double 1.5": { write: (w) => w.writeDouble(1.5), read: (r) => r.readDouble(), value: 1.5, wire: [0x3f, 0xf8, 0, 0, 0, 0, 0, 0] },
  "bool true": { write: (w) => w.writeBool(true), read: (r) => r.readBool(), value: true, wire: [0, 0, 0, 1] },
  "bool false": { write: (w) => w.writeBool(false), read: (r) => r.readBool(), value: false, wire: [0, 0, 0, 0] },
  "fixed opaque 5 (3 pad)": {
    write: (w) => w.writeFixedOpaque(Buffer.from([1, 2, 3, 4, 5]), 5),
    read: (r) => r.readFixedOpaque(5),
    value: Buffer.from([1, 2, 3, 4, 5]),
    wire: [1, 2, 3, 4, 5, 0, 0, 0],
  },
  "variable opaque 2": {
    write: (w) => w.writeOpaque(Buffer.from([0xaa, 0xbb])),
    read: (r) => r.readOpaque(),
    value: Buffer.from([0xaa, 0xbb]),
    wire: [0, 0, 0, 2, 0xaa, 0xbb, 0, 0],
  },
  "empty string": { write: (w) => w.writeString(""), read: (r) => r.readString(), value: "", wire: [0, 0, 0, 0] },
  "string 4 bytes (no pad)": {
    write: (w) => w.writeString("abcd"),
    read: (r) => r.readString(),
    value: "abcd",
    wire: [0, 0, 0, 4, 0x61, 0x62, 0x63, 0x64],
  },
  "utf-8 string counts bytes": {
    write: (w) => w.writeString("é"),
    read: (r) => r.readString(),
    value: "é",
    wire: [0, 0, 0, 2, 0xc3, 0xa9, 0, 0],
  },
  "optional null": {
    write: (w) => w.writeOptional(null, (ww, v: string) => void ww.writeString(v)),
    read: (r) => r.readOptional((rr) => rr.readString()),
    value: null,
    wire: [0, 0, 0, 0],
  },
  "optional present": {
    write: (w) => w.writeOptional("x", (ww, v) => void ww.writeString(v)),
    read: (r) => r.readOptional((rr) => rr.readString()),
    value: "x",
    wire: [0, 0, 0, 1, 0, 0, 0, 1, 0x78, 0, 0, 0],
  },
  "array of i32": {
    write: (w) => w.writeArray([7, -1], (ww, v) => void ww.writeI32(v)),
    read: (r) => r.readArray((rr) => rr.readI32()),
    value: [7, -1],
    wire: [0, 0, 0, 2, 0, 0, 0, 7, 0xff, 0xff, 0xff, 0xff],
  },
  "empty array": {
    write: (w) => w.writeArray([], (ww, v: number) => void ww.writeI32(v)),
    read: (r) => r.readArray((rr) => rr.readI32()),
    value: [],
    wire: [0, 0, 0, 0],
  },
};

describe("XDR round trips", () => {
  test.each(Object.entries(roundTrips))("%s", (_name, c) => {
    const w = new XdrWriter();
    c.write(w);
    const wire = w.finish();
    expect([...wire]).toEqual(c.wire);
    const r = new XdrReader(Buffer.from(wire));
    expect(c.read(r)).toEqual(c.value);
    expect(() => r.end()).not.toThrow();
  });

  test("writer grows past its initial capacity", () => {
    const w = new XdrWriter();
    const big = "x".repeat(10_000);
    w.writeString(big).writeU32(42);
    const r = new XdrReader(Buffer.from(w.finish()));
    expect(r.readString()).toBe(big);
    expect(r.readU32()).toBe(42);
  });

  test.each([
    [0, 0],
    [1, 3],
    [2, 2],
    [3, 1],
    [4, 0],
    [5, 3],
  ])("padding of %i bytes is %i", (n, pad) => expect(xdrPadding(n)).toBe(pad));
});

interface Malformed {
  wire: number[];
  read: (r: XdrReader) => unknown;
  reason: XdrError["reason"];
}

const malformed: Record<string, Malformed> = {
  "u32 from 3 bytes": { wire: [0, 0, 1], read: (r) => r.readU32(), reason: "SHORT_BUFFER" },
  "hyper from 4 bytes": { wire: [0, 0, 0, 1], read: (r) => r.readHyper(), reason: "SHORT_BUFFER" },
  "double from empty": { wire: [], read: (r) => r.readDouble(), reason: "SHORT_BUFFER" },
  "string length beyond buffer": { wire: [0, 0, 0, 9, 0x61, 0x62, 0, 0], read: (r) => r.readString(), reason: "SHORT_BUFFER" },
  "string length 0xffffffff": { wire: [0xff, 0xff, 0xff, 0xff], read: (r) => r.readString(), reason: "SHORT_BUFFER" },
  "string missing padding": { wire: [0, 0, 0, 1, 0x61], read: (r) => r.readString(), reason: "SHORT_BUFFER" },
  "string over max": { wire: [0, 0, 0, 5, 1, 2, 3, 4, 5, 0, 0, 0], read: (r) => r.readString(4), reason: "LENGTH_EXCEEDS_MAX" },
  "non-zero padding": { wire: [0, 0, 0, 1, 0x61, 0, 1, 0], read: (r) => r.readString(), reason: "BAD_PADDING" },
  "fixed opaque short": { wire: [1, 2, 3, 4], read: (r) => r.readFixedOpaque(16), reason: "SHORT_BUFFER" },
  "bool 2": { wire: [0, 0, 0, 2], read: (r) => r.readBool(), reason: "BAD_BOOL" },
  "optional discriminant 2": { wire: [0, 0, 0, 2, 0, 0, 0, 0], read: (r) => r.readOptional((rr) => rr.readU32()), reason: "BAD_OPTIONAL" },
  "array count over max": { wire: [0, 0, 0, 3], read: (r) => r.readArray((rr) => rr.readU32(), 2), reason: "LENGTH_EXCEEDS_MAX" },
  "array count larger than the buffer": {
    wire: [0x00, 0x10, 0x00, 0x00, 0, 0, 0, 1],
    read: (r) => r.readArray((rr) => rr.readU32()),
    reason: "SHORT_BUFFER",
  },
  "array truncated element": { wire: [0, 0, 0, 2, 0, 0, 0, 1, 0, 0], read: (r) => r.readArray((rr) => rr.readHyper()), reason: "SHORT_BUFFER" },
  "trailing bytes": {
    wire: [0, 0, 0, 1, 0, 0, 0, 2],
    read: (r) => {
      r.readU32();
      r.end();
    },
    reason: "TRAILING_BYTES",
  },
};

describe("XDR malformed input", () => {
  test.each(Object.entries(malformed))("%s → XdrError", (_name, c) => {
    const r = new XdrReader(Buffer.from(c.wire));
    let caught: unknown;
    try {
      c.read(r);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(XdrError);
    expect((caught as XdrError).code).toBe("XDR_ERROR");
    expect((caught as XdrError).reason).toBe(c.reason);
  });

  test("a failed read does not advance past the buffer end", () => {
    const r = new XdrReader(Buffer.from([0, 0, 0, 9, 1]));
    expect(() => r.readString()).toThrow(XdrError);
    expect(r.offset).toBeLessThanOrEqual(5);
  });
});

const badWrites: Record<string, (w: XdrWriter) => unknown> = {
  "u32 negative": (w) => w.writeU32(-1),
  "u32 too large": (w) => w.writeU32(2 ** 32),
  "u32 fractional": (w) => w.writeU32(1.5),
  "i32 too large": (w) => w.writeI32(2 ** 31),
  "hyper too large": (w) => w.writeHyper(2n ** 63n),
  "unsigned hyper negative": (w) => w.writeUHyper(-1n),
  "fixed opaque wrong size": (w) => w.writeFixedOpaque(Buffer.alloc(3), 16),
  "string over max": (w) => w.writeString("abcde", 4),
  "array over max": (w) => w.writeArray([1, 2, 3], (ww, v) => void ww.writeU32(v), 2),
};

describe("XDR encode range checks", () => {
  test.each(Object.entries(badWrites))("%s → XdrError", (_name, write) => {
    expect(() => write(new XdrWriter())).toThrow(XdrError);
  });
});
