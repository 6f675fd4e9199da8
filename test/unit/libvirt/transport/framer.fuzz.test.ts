/**
 * Property tests of the framer (with the header decoder behind it): valid streams give the
 * same frames however they are chunked; random or damaged bytes give frames or a
 * ProtocolError/XdrError, never another exception, and a length word past the limit is
 * refused before anything is buffered for it.
 */
import * as fc from "fast-check";
import { ProtocolError, XdrError } from "../../../../provider/libvirt/errors";
import { FRAME_MAX, HEADER_BYTES, KEEPALIVE_PROGRAM, MessageStatus, QEMU_PROGRAM, REMOTE_PROGRAM } from "../../../../provider/libvirt/protocol/constants";
import { decodeHeader, encodeFrame, framePayload, type OutgoingHeader } from "../../../../provider/libvirt/protocol/header";
import { decodeRemoteError } from "../../../../provider/libvirt/protocol/remote-error";
import { Framer } from "../../../../provider/libvirt/transport/framer";
import { XdrWriter } from "../../../../provider/libvirt/xdr/writer";
import { allSplits, chunksAt, mutate, mutation, noise, runs, typedOutcome, u32 } from "../../../support/fuzz";

const header: fc.Arbitrary<OutgoingHeader> = fc.record({
  prog: fc.constantFrom(REMOTE_PROGRAM, QEMU_PROGRAM, KEEPALIVE_PROGRAM),
  vers: fc.constant(1),
  proc: fc.integer({ min: 0, max: 400 }),
  type: fc.integer({ min: 0, max: 3 }),
  serial: fc.integer({ min: 0, max: 0xffffffff }),
  status: fc.integer({ min: 0, max: 2 }),
});

/** A payload written by the project's XDR writer: a string and a few words. */
const payload = fc.tuple(fc.string({ maxLength: 40 }), fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 6 })).map(([s, ws]) => {
  const w = new XdrWriter().writeString(s);
  ws.forEach((v) => w.writeU32(v));
  return Buffer.from(w.finish());
});

const frames = fc.array(fc.tuple(header, payload).map(([h, p]) => encodeFrame(h, p)), { minLength: 1, maxLength: 4 });

function feed(framer: Framer, chunks: readonly Buffer[]): Buffer[] {
  return chunks.flatMap((c) => framer.push(c));
}

/** What the RPC engine does with a frame: header, then an error payload when status says so. */
function readFrame(frame: Buffer): unknown {
  const h = decodeHeader(frame);
  return h.status === MessageStatus.ERROR ? decodeRemoteError(framePayload(frame)) : h;
}

describe("Framer properties", () => {
  test("a valid stream cut into random chunks yields the same frames and headers", () => {
    fc.assert(fc.property(frames, fc.array(fc.nat(), { maxLength: 8 }), (fs, cuts) => {
      const out = feed(new Framer(), chunksAt(Buffer.concat(fs), cuts));
      expect(out).toEqual(fs);
      expect(out.map(decodeHeader)).toEqual(fs.map(decodeHeader));
    }), runs(300));
  });

  test("a valid stream split at every offset yields the same frames", () => {
    fc.assert(fc.property(frames, (fs) => {
      const same = (out: Buffer[]): boolean => out.length === fs.length && out.every((f, i) => f.equals(fs[i]!));
      const bad = allSplits(Buffer.concat(fs)).filter((chunks) => !same(feed(new Framer(), chunks)));
      expect(bad).toEqual([]);
    }), runs(60));
  });

  test("random chunks give well-formed frames or a ProtocolError, and the framer stays failed", () => {
    fc.assert(fc.property(fc.array(noise(16), { minLength: 1, maxLength: 5 }), (chunks) => {
      const framer = new Framer();
      const pushed = chunks.reduce((n, c) => n + c.length, 0);
      const out = typedOutcome(() => feed(framer, chunks), ProtocolError);
      if (out instanceof Error) return expect(() => framer.push(Buffer.alloc(HEADER_BYTES))).toThrow(ProtocolError);
      for (const f of out) expect([f.readUInt32BE(0), f.length >= HEADER_BYTES]).toEqual([f.length, true]);
      expect(framer.pendingBytes).toBe(pushed - out.reduce((n, f) => n + f.length, 0));
    }), runs(500));
  });

  test("a damaged stream gives frames or a typed error, never another exception", () => {
    fc.assert(fc.property(frames, fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 4 }), (fs, ms, cuts) => {
      const bytes = ms.reduce(mutate, Buffer.concat(fs));
      typedOutcome(() => feed(new Framer(), chunksAt(bytes, cuts)).map(readFrame), ProtocolError, XdrError);
    }), runs(500));
  });

  test("a length word past the limit is refused on arrival, nothing buffered", () => {
    const limits = fc.oneof(fc.constant(FRAME_MAX), fc.integer({ min: HEADER_BYTES, max: 4096 }));
    fc.assert(fc.property(limits, fc.nat(), (maxFrame, over) => {
      const length = Math.min(0xffffffff, maxFrame + 1 + over);
      const framer = new Framer({ maxFrame });
      expect(() => framer.push(Buffer.concat([u32(length), Buffer.alloc(8)]))).toThrow(ProtocolError);
      expect(framer.pendingBytes).toBe(0);
    }), runs(200));
  });
});
