import { ProtocolError } from "../../../../provider/libvirt/errors";
import { FRAME_MAX, MessageType, REMOTE_PROGRAM } from "../../../../provider/libvirt/protocol/constants";
import { encodeFrame } from "../../../../provider/libvirt/protocol/header";
import { Framer } from "../../../../provider/libvirt/transport/framer";
import { u32 } from "../fixtures";

function frame(serial: number, payloadBytes: number): Buffer {
  const payload = Buffer.alloc(payloadBytes, serial & 0xff);
  return encodeFrame({ prog: REMOTE_PROGRAM, vers: 1, proc: 200, type: MessageType.REPLY, serial, status: 0 }, payload);
}

/** A stream of frames of varied sizes: bare header, odd payload, larger payload. */
const FRAMES = [frame(1, 0), frame(2, 4), frame(3, 45), frame(4, 300), frame(5, 8)];
const STREAM = Buffer.concat(FRAMES);

function feed(framer: Framer, chunks: Buffer[]): Buffer[] {
  return chunks.flatMap((c) => framer.push(c));
}

/** True when `out` is exactly `expected`, frame by frame (cheap enough for O(n²) loops). */
function sameFrames(out: Buffer[], expected: Buffer[]): boolean {
  return out.length === expected.length && out.every((f, i) => f.equals(expected[i] as Buffer));
}

describe("Framer", () => {
  test("stream split at every byte offset yields the same frames", () => {
    const bad: number[] = [];
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const out = feed(new Framer(), [STREAM.subarray(0, cut), STREAM.subarray(cut)]);
      if (!sameFrames(out, FRAMES)) bad.push(cut);
    }
    expect(bad).toEqual([]);
  });

  test("stream split at every pair of offsets (three chunks)", () => {
    const expected = FRAMES.slice(0, 3);
    const short = Buffer.concat(expected);
    const bad: Array<[number, number]> = [];
    for (let a = 0; a <= short.length; a++) {
      for (let b = a; b <= short.length; b++) {
        const out = feed(new Framer(), [short.subarray(0, a), short.subarray(a, b), short.subarray(b)]);
        if (!sameFrames(out, expected)) bad.push([a, b]);
      }
    }
    expect(bad).toEqual([]);
  });

  test("one byte at a time", () => {
    const framer = new Framer();
    const out = feed(framer, [...STREAM].map((b) => Buffer.from([b])));
    expect(out).toEqual(FRAMES);
    expect(framer.pendingBytes).toBe(0);
  });

  test("several frames coalesced in one chunk", () => {
    expect(new Framer().push(STREAM)).toEqual(FRAMES);
  });

  test("keeps a partial trailing frame until it completes", () => {
    const framer = new Framer();
    const partial = Buffer.concat([FRAMES[0] as Buffer, (FRAMES[1] as Buffer).subarray(0, 10)]);
    expect(framer.push(partial)).toEqual([FRAMES[0]]);
    expect(framer.pendingBytes).toBe(10);
    expect(framer.push((FRAMES[1] as Buffer).subarray(10))).toEqual([FRAMES[1]]);
  });

  const rejects: Record<string, Buffer> = {
    "length 0": u32(0),
    "length 4 (only the length word)": u32(4),
    "length 27 (one short of the header)": u32(27),
    "length 4 + 32 MiB + 1": u32(FRAME_MAX + 1),
    "length 0xffffffff": u32(0xffffffff),
  };

  test.each(Object.entries(rejects))("rejects %s as soon as the length word arrives", (_name, head) => {
    const framer = new Framer();
    expect(() => framer.push(head)).toThrow(ProtocolError);
    // once failed, it stays failed: the connection must be dropped
    expect(() => framer.push(FRAMES[0] as Buffer)).toThrow(ProtocolError);
  });

  test("accepts the largest legal length word (4 + 32 MiB) and waits for the body", () => {
    const framer = new Framer();
    expect(framer.push(u32(FRAME_MAX))).toEqual([]);
    expect(framer.pendingBytes).toBe(4);
  });

  test("a bad frame after good ones still returns nothing past the failure", () => {
    const framer = new Framer();
    expect(() => framer.push(Buffer.concat([FRAMES[0] as Buffer, u32(3)]))).toThrow(ProtocolError);
  });

  test("custom limits", () => {
    const framer = new Framer({ maxFrame: 40 });
    expect(framer.push(frame(1, 12))).toHaveLength(1);
    expect(() => framer.push(frame(2, 13))).toThrow(ProtocolError);
  });
});
