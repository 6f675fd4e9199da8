/**
 * XDR encoder (RFC 4506) over a growable Buffer. Pure: no I/O, no libvirt knowledge.
 * Every item is big-endian and padded to a multiple of 4 bytes.
 */
import { XdrError } from "../errors";

const INITIAL_CAPACITY = 256;
const U32_MAX = 0xffffffff;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

/** Number of zero bytes that pad `n` bytes up to the next 4-byte boundary. */
export function xdrPadding(n: number): number {
  return (4 - (n % 4)) % 4;
}

function encodeFailure(message: string): XdrError {
  return new XdrError("OUT_OF_RANGE", -1, message);
}

/** Fluent XDR writer: `new XdrWriter().writeU32(1).writeString("x").finish()`. */
export class XdrWriter {
  private buf: Buffer = Buffer.alloc(INITIAL_CAPACITY);
  private len = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.len;
  }

  /** The encoded bytes (a copy-free view of the internal buffer). */
  finish(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  /** `unsigned int`: 4 bytes, 0 ≤ v ≤ 2^32-1. */
  writeU32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > U32_MAX) throw encodeFailure(`u32 out of range: ${v}`);
    this.ensure(4).writeUInt32BE(v, this.len);
    this.len += 4;
    return this;
  }

  /** `int` / `enum`: 4 bytes two's complement. */
  writeI32(v: number): this {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw encodeFailure(`i32 out of range: ${v}`);
    this.ensure(4).writeInt32BE(v, this.len);
    this.len += 4;
    return this;
  }

  /** `hyper`: 8 bytes signed. */
  writeHyper(v: bigint): this {
    if (v < I64_MIN || v > I64_MAX) throw encodeFailure(`hyper out of range: ${v}`);
    this.ensure(8).writeBigInt64BE(v, this.len);
    this.len += 8;
    return this;
  }

  /** `unsigned hyper`: 8 bytes unsigned. */
  writeUHyper(v: bigint): this {
    if (v < 0n || v > U64_MAX) throw encodeFailure(`unsigned hyper out of range: ${v}`);
    this.ensure(8).writeBigUInt64BE(v, this.len);
    this.len += 8;
    return this;
  }

  /** `double`: 8-byte IEEE 754 big-endian. */
  writeDouble(v: number): this {
    this.ensure(8).writeDoubleBE(v, this.len);
    this.len += 8;
    return this;
  }

  /** `bool`: an enum, 0 or 1. */
  writeBool(v: boolean): this {
    return this.writeU32(v ? 1 : 0);
  }

  /** `opaque x[n]`: exactly `n` bytes, no length prefix, then padding. */
  writeFixedOpaque(bytes: Uint8Array, n: number): this {
    if (bytes.length !== n) throw encodeFailure(`fixed opaque needs ${n} bytes, got ${bytes.length}`);
    return this.writeRaw(bytes);
  }

  /** `opaque x<max>`: u32 length, bytes, padding. */
  writeOpaque(bytes: Uint8Array, max: number = U32_MAX): this {
    if (bytes.length > max) throw encodeFailure(`opaque length ${bytes.length} exceeds max ${max}`);
    return this.writeU32(bytes.length).writeRaw(bytes);
  }

  /** `string x<max>`: u32 byte length, UTF-8 bytes (no NUL), padding. */
  writeString(s: string, max: number = U32_MAX): this {
    const bytes = Buffer.from(s, "utf8");
    if (bytes.length > max) throw encodeFailure(`string length ${bytes.length} exceeds max ${max}`);
    return this.writeU32(bytes.length).writeRaw(bytes);
  }

  /** `T *x` (optional-data): u32 0 for null, or u32 1 then the value. */
  writeOptional<T>(v: T | null | undefined, write: (w: this, v: T) => void): this {
    if (v === null || v === undefined) return this.writeU32(0);
    this.writeU32(1);
    write(this, v);
    return this;
  }

  /** `T x<max>`: u32 count, then each element. */
  writeArray<T>(items: readonly T[], write: (w: this, v: T) => void, max: number = U32_MAX): this {
    if (items.length > max) throw encodeFailure(`array length ${items.length} exceeds max ${max}`);
    this.writeU32(items.length);
    for (const item of items) write(this, item);
    return this;
  }

  private writeRaw(bytes: Uint8Array): this {
    const pad = xdrPadding(bytes.length);
    const target = this.ensure(bytes.length + pad);
    target.set(bytes, this.len);
    target.fill(0, this.len + bytes.length, this.len + bytes.length + pad);
    this.len += bytes.length + pad;
    return this;
  }

  private ensure(extra: number): Buffer {
    const need = this.len + extra;
    if (need <= this.buf.length) return this.buf;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = Buffer.alloc(cap);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
    return next;
  }
}
