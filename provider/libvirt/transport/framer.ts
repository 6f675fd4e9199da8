/**
 * Framer: turns an arbitrary byte stream into whole libvirt RPC frames. It owns partial
 * and coalesced reads (one chunk may hold many frames, or a sliver of one). The length
 * word counts the whole frame INCLUDING itself (virnetprotocol.x); a length below 28
 * (the fixed header) or above 4 + 32 MiB (VIR_NET_MESSAGE_MAX) is a ProtocolError, after
 * which the framer stays failed and the caller must drop the connection.
 */
import { ProtocolError } from "../errors";
import { FRAME_MAX, HEADER_BYTES, LENGTH_WORD_BYTES } from "../protocol/constants";

/** Limits a {@link Framer} enforces on the length word. */
export interface FramerLimits {
  /** Smallest acceptable frame; default 28 (length word + header). */
  minFrame?: number;
  /** Largest acceptable frame; default 4 + 32 MiB. */
  maxFrame?: number;
}

/** Stream → whole frames; each returned Buffer starts with the length word. */
export class Framer {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private failure: ProtocolError | null = null;
  private readonly minFrame: number;
  private readonly maxFrame: number;

  constructor(limits: FramerLimits = {}) {
    this.minFrame = limits.minFrame ?? HEADER_BYTES;
    this.maxFrame = limits.maxFrame ?? FRAME_MAX;
  }

  /** Bytes held that do not yet form a whole frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Feeds one chunk; returns every frame it completes, in order. Throws ProtocolError. */
  push(chunk: Buffer): Buffer[] {
    if (this.failure) throw this.failure;
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Buffer[] = [];
    for (;;) {
      const length = this.peekLength();
      if (length === undefined || this.buffered < length) return frames;
      frames.push(this.take(length));
    }
  }

  /** Reads and validates the next length word without consuming it. */
  private peekLength(): number | undefined {
    if (this.buffered < LENGTH_WORD_BYTES) return undefined;
    const head = this.contiguous(LENGTH_WORD_BYTES);
    const length = head.readUInt32BE(0);
    if (length < this.minFrame || length > this.maxFrame) {
      this.failure = new ProtocolError(
        `invalid frame length ${length} (must be ${this.minFrame}..${this.maxFrame} bytes including the length word)`,
      );
      this.chunks = [];
      this.buffered = 0;
      throw this.failure;
    }
    return length;
  }

  /** Makes the first `n` buffered bytes contiguous in chunks[0] and returns that chunk. */
  private contiguous(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length >= n) return first;
    const merged = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [merged];
    return merged;
  }

  /** Removes and returns exactly `n` bytes (n ≤ buffered). */
  private take(n: number): Buffer {
    const head = this.contiguous(n);
    const frame = head.subarray(0, n);
    const rest = head.subarray(n);
    this.chunks[0] = rest;
    if (rest.length === 0) this.chunks.shift();
    this.buffered -= n;
    return frame;
  }
}
