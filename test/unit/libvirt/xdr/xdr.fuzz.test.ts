/**
 * Property tests of the XDR codec and the payload decoders built on it: values written by
 * XdrWriter read back equal; random bytes and damaged encodings fail only with XdrError.
 */
import * as fc from "fast-check";
import { XdrError } from "../../../../provider/libvirt/errors";
import { decodeDomainEvent, decodeMonitorEvent } from "../../../../provider/libvirt/protocol/events";
import { RemoteProcedure } from "../../../../provider/libvirt/protocol/constants";
import { decodeRet, type Procedure } from "../../../../provider/libvirt/protocol/procedure";
import * as Q from "../../../../provider/libvirt/protocol/qemu-procedures";
import * as R from "../../../../provider/libvirt/protocol/remote-procedures";
import { decodeRemoteError } from "../../../../provider/libvirt/protocol/remote-error";
import { XdrReader } from "../../../../provider/libvirt/xdr/reader";
import { XdrWriter } from "../../../../provider/libvirt/xdr/writer";
import { mutate, mutation, noise, runs, typedOutcome } from "../../../support/fuzz";

/** One XDR item: how to write it, how to read it back, and the value. */
interface Item {
  readonly write: (w: XdrWriter) => void;
  readonly read: (r: XdrReader) => unknown;
  readonly value: unknown;
}

const item = <T>(value: T, write: (w: XdrWriter, v: T) => unknown, read: (r: XdrReader) => T): Item => ({ value, write: (w) => write(w, value), read });

const scalar: fc.Arbitrary<Item> = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }).map((v) => item(v, (w, x) => w.writeU32(x), (r) => r.readU32())),
  fc.integer({ min: -0x80000000, max: 0x7fffffff }).map((v) => item(v, (w, x) => w.writeI32(x), (r) => r.readI32())),
  fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map((v) => item(v, (w, x) => w.writeHyper(x), (r) => r.readHyper())),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((v) => item(v, (w, x) => w.writeUHyper(x), (r) => r.readUHyper())),
  fc.double().map((v) => item(v, (w, x) => w.writeDouble(x), (r) => r.readDouble())),
  fc.boolean().map((v) => item(v, (w, x) => w.writeBool(x), (r) => r.readBool())),
  fc.string({ unit: "grapheme", maxLength: 12 }).map((v) => item(v, (w, x) => w.writeString(x, 64), (r) => r.readString(64))),
  fc.uint8Array({ maxLength: 13 }).map((v) => item<Buffer>(Buffer.from(v), (w, x) => w.writeOpaque(x), (r) => r.readOpaque())),
  fc.uint8Array({ maxLength: 9 }).map((v) => item<Buffer>(Buffer.from(v), (w, x) => w.writeFixedOpaque(x, x.length), (r) => r.readFixedOpaque(v.length))),
);

const compound: fc.Arbitrary<Item> = fc.oneof(
  fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: null }).map((v) =>
    item(v, (w, x) => w.writeOptional(x, (ww, y) => void ww.writeU32(y)), (r) => r.readOptional((rr) => rr.readU32()))),
  fc.array(fc.string({ maxLength: 6 }), { maxLength: 5 }).map((v) =>
    item(v, (w, x) => w.writeArray(x, (ww, y) => void ww.writeString(y), 8), (r) => r.readArray((rr) => rr.readString(), 8))),
);

const items = fc.array(fc.oneof(scalar, compound), { minLength: 1, maxLength: 12 });

function encode(list: readonly Item[]): Buffer {
  const w = new XdrWriter();
  for (const i of list) i.write(w);
  return Buffer.from(w.finish());
}

function decode(list: readonly Item[], bytes: Buffer): unknown[] {
  const r = new XdrReader(bytes);
  const out = list.map((i) => i.read(r));
  r.end();
  return out;
}

const isProcedure = (v: unknown): v is Procedure<unknown, unknown> => typeof v === "object" && v !== null && "readRet" in v;
/** Every ret decoder of the procedures the client uses. */
const PROCEDURES = [...Object.values(R), ...Object.values(Q)].filter(isProcedure);
/** Payload decoders other than procedure rets: errors and events. */
const DECODERS: Record<string, (b: Buffer) => unknown> = {
  remote_error: decodeRemoteError,
  monitor_event: decodeMonitorEvent,
  ...Object.fromEntries(Object.entries(RemoteProcedure).filter(([k]) => k.startsWith("DOMAIN_EVENT_")).map(([k, proc]) => [`event ${k}`, (b: Buffer) => decodeDomainEvent(proc, b)])),
  ...Object.fromEntries(PROCEDURES.map((p) => [`${p.name} ret`, (b: Buffer) => decodeRet(p, b)])),
};

describe("XDR properties", () => {
  test("every written sequence reads back equal and whole", () => {
    fc.assert(fc.property(items, (list) => {
      expect(decode(list, encode(list))).toEqual(list.map((i) => i.value));
    }), runs(400));
  });

  test("a damaged encoding reads back or fails with XdrError only", () => {
    fc.assert(fc.property(items, fc.array(mutation, { minLength: 1, maxLength: 3 }), (list, ms) => {
      typedOutcome(() => decode(list, ms.reduce(mutate, encode(list))), XdrError);
    }), runs(600));
  });

  test.each(Object.keys(DECODERS))("%s: random bytes decode or fail with XdrError only", (name) => {
    const decoder = DECODERS[name]!;
    fc.assert(fc.property(noise(), (bytes) => void typedOutcome(() => decoder(bytes), XdrError)), runs(60));
  });
});
