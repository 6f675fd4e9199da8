/**
 * XDR decoder (RFC 4506) over a Buffer. Pure and bounds-checked: every read checks the
 * remaining length first and throws {@link XdrError}; it never reads past the end.
 */
import { XdrError, type XdrErrorReason } from "../errors";
import { xdrPadding } from "./writer";

const U32_MAX = 0xffffffff;

/** Cursor-based XDR reader: `const r = new XdrReader(buf); r.readU32(); r.end();` */
export class XdrReader {
  private pos = 0;

  constructor(private readonly buf: Buffer) {}

  /** Current byte offset. */
  get offset(): number {
    return this.pos;
  }

  /** Bytes not yet consumed. */
  get remaining(): number {
    return this.buf.length - this.pos;
  }

  /** Asserts the whole buffer was consumed (structs have a fixed shape). */
  end(): void {
    if (this.remaining !== 0) this.fail("TRAILING_BYTES", `${this.remaining} unread byte(s)`);
  }

  /** `unsigned int`. */
  readU32(): number {
    this.need(4, "u32");
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** `int` / `enum` (also rpcgen's `unsigned char`/`unsigned short`, sent as 4 bytes). */
  readI32(): number {
    this.need(4, "i32");
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** `hyper` (signed 64-bit) as BigInt. */
  readHyper(): bigint {
    this.need(8, "hyper");
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  /** `unsigned hyper` as BigInt. */
  readUHyper(): bigint {
    this.need(8, "unsigned hyper");
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  /** `double`: 8-byte IEEE 754. */
  readDouble(): number {
    this.need(8, "double");
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  /** `bool`: must be exactly 0 or 1. */
  readBool(): boolean {
    const at = this.pos;
    const v = this.readU32();
    if (v > 1) this.fail("BAD_BOOL", `bool must be 0 or 1, got ${v}`, at);
    return v === 1;
  }

  /** `opaque x[n]`: `n` bytes plus padding (a copy). */
  readFixedOpaque(n: number): Buffer {
    return this.readPadded(n, "fixed opaque");
  }

  /** `opaque x<max>`: u32 length, bytes, padding (a copy). */
  readOpaque(max: number = U32_MAX): Buffer {
    return this.readPadded(this.readLength(max, "opaque"), "opaque");
  }

  /** `string x<max>`: u32 byte length, UTF-8 bytes, padding. */
  readString(max: number = U32_MAX): string {
    return this.readPadded(this.readLength(max, "string"), "string").toString("utf8");
  }

  /** `T *x` (optional-data): discriminant 0 → null, 1 → value, anything else throws. */
  readOptional<T>(read: (r: this) => T): T | null {
    const at = this.pos;
    const present = this.readU32();
    if (present === 0) return null;
    if (present !== 1) this.fail("BAD_OPTIONAL", `optional discriminant must be 0 or 1, got ${present}`, at);
    return read(this);
  }

  /**
   * `T x<max>`: u32 count then elements. Every XDR element takes at least 4 bytes, so a
   * count larger than remaining/4 is rejected before anything is allocated.
   */
  readArray<T>(read: (r: this) => T, max: number = U32_MAX): T[] {
    const count = this.readLength(max, "array");
    if (count > this.remaining / 4) {
      this.fail("SHORT_BUFFER", `array count ${count} cannot fit in ${this.remaining} bytes`);
    }
    const out: T[] = [];
    for (let i = 0; i < count; i++) out.push(read(this));
    return out;
  }

  private readLength(max: number, what: string): number {
    const at = this.pos;
    const n = this.readU32();
    if (n > max) this.fail("LENGTH_EXCEEDS_MAX", `${what} length ${n} exceeds max ${max}`, at);
    return n;
  }

  private readPadded(n: number, what: string): Buffer {
    const pad = xdrPadding(n);
    this.need(n + pad, `${what} of ${n} bytes`);
    const out = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    for (let i = this.pos + n; i < this.pos + n + pad; i++) {
      if (this.buf[i] !== 0) this.fail("BAD_PADDING", `non-zero padding after ${what}`, i);
    }
    this.pos += n + pad;
    return out;
  }

  private need(n: number, what: string): void {
    if (this.remaining < n) this.fail("SHORT_BUFFER", `${what} needs ${n} bytes, ${this.remaining} left`);
  }

  private fail(reason: XdrErrorReason, message: string, at: number = this.pos): never {
    throw new XdrError(reason, at, message);
  }
}
