/**
 * The pending batch buffer of the WAL writer and the {@link FrameSink} view of it that commit
 * encoders write payloads through.
 *
 * Payload bytes go straight into the buffer that `writeSync` later hands to the kernel: no
 * intermediate per-frame buffer, no concatenation. The buffer grows geometrically and is reused
 * across batches, so the common case allocates nothing per frame.
 */
import { ValidationError } from '../errors';

/** Initial capacity of a batch buffer. */
const INITIAL_CAPACITY = 64 * 1024;
/** After a flush, a buffer grown past this is replaced by a fresh small one (one huge frame must not pin memory). */
const RETAIN_LIMIT = 8 * 1024 * 1024;
const TWO_POW_32 = 0x1_0000_0000;

/**
 * Where a commit encoder writes the payload of one WAL frame, obtained from
 * `WalWriter.beginFrame()` and valid until `endFrame()` / `abortFrame()`.
 *
 * Methods append at the end and return the sink for chaining. Numbers are little-endian.
 */
export interface FrameSink {
  /** Payload bytes written so far in this frame. */
  readonly length: number;
  /**
   * The underlying buffer. It may be replaced when it grows, so re-read it after any write;
   * offsets returned by {@link FrameSink.reserve} are indexes into it.
   */
  readonly buffer: Buffer;
  /** Append one byte (0..255). */
  u8(value: number): this;
  /** Append a u16. */
  u16(value: number): this;
  /** Append a u32. */
  u32(value: number): this;
  /** Append a non-negative safe integer as u64. */
  u64(value: number): this;
  /** Append a bigint in 0..2^64-1 as u64. */
  bigU64(value: bigint): this;
  /** Append a float64. */
  f64(value: number): this;
  /** Append a non-negative safe integer as unsigned LEB128 (1..8 bytes). */
  varint(value: number): this;
  /** Append raw bytes (no length prefix). */
  bytes(value: Uint8Array): this;
  /** Append a string whose code units are all 0..255, one byte each, without a length prefix (the key codec's byte strings). */
  latin1(value: string): this;
  /** Append a string as UTF-8, without a length prefix, and return the number of bytes written. */
  utf8(value: string): number;
  /**
   * Append `n` bytes of unspecified content and return the index of the first in
   * {@link FrameSink.buffer} (to patch later, e.g. a count known only at the end).
   */
  reserve(n: number): number;
}

/**
 * A growable byte buffer holding the frames of the batch being formed. The writer owns the
 * framing (header placeholders, trailer); commit encoders only see the {@link FrameSink} face.
 * @internal
 */
export class WalBatchBuffer implements FrameSink {
  /** The bytes; valid in `[0, pos)`. */
  buf: Buffer = Buffer.allocUnsafe(INITIAL_CAPACITY);
  /** End of the written bytes. */
  pos = 0;
  /** Index where the payload of the open frame starts (for {@link length}). */
  payloadStart = 0;

  get length(): number {
    return this.pos - this.payloadStart;
  }

  get buffer(): Buffer {
    return this.buf;
  }

  /** Make room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(this.pos + n);
  }

  private grow(min: number): void {
    let cap = this.buf.length * 2;
    while (cap < min) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Forget the content after a flush; drop an oversized buffer so one huge batch does not pin memory. */
  reset(): void {
    this.pos = 0;
    this.payloadStart = 0;
    if (this.buf.length > RETAIN_LIMIT) this.buf = Buffer.allocUnsafe(INITIAL_CAPACITY);
  }

  u8(value: number): this {
    this.ensure(1);
    this.buf[this.pos++] = value;
    return this;
  }

  u16(value: number): this {
    this.ensure(2);
    this.buf.writeUInt16LE(value, this.pos);
    this.pos += 2;
    return this;
  }

  u32(value: number): this {
    this.ensure(4);
    this.buf.writeUInt32LE(value, this.pos);
    this.pos += 4;
    return this;
  }

  u64(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new ValidationError(`u64 value must be a non-negative safe integer, got ${value}`);
    }
    this.ensure(8);
    const b = this.buf;
    b.writeUInt32LE(value >>> 0, this.pos);
    b.writeUInt32LE(Math.floor(value / TWO_POW_32), this.pos + 4);
    this.pos += 8;
    return this;
  }

  bigU64(value: bigint): this {
    this.ensure(8);
    this.buf.writeBigUInt64LE(value, this.pos);
    this.pos += 8;
    return this;
  }

  f64(value: number): this {
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
    return this;
  }

  varint(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new ValidationError(`varint value must be a non-negative safe integer, got ${value}`);
    }
    this.ensure(8);
    const b = this.buf;
    let v = value;
    // Above 2^31 the bitwise operators would truncate, so divide instead.
    while (v >= 0x8000_0000) {
      b[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    while (v >= 0x80) {
      b[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[this.pos++] = v;
    return this;
  }

  bytes(value: Uint8Array): this {
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
    return this;
  }

  latin1(value: string): this {
    const n = value.length;
    this.ensure(n);
    const b = this.buf;
    if (n < 32) {
      // Short key strings dominate; a loop beats the native call's fixed cost here.
      let p = this.pos;
      for (let i = 0; i < n; i++) b[p++] = value.charCodeAt(i);
    } else {
      b.write(value, this.pos, n, 'latin1');
    }
    this.pos += n;
    return this;
  }

  utf8(value: string): number {
    this.ensure(value.length * 3);
    const n = this.buf.write(value, this.pos, 'utf8');
    this.pos += n;
    return n;
  }

  reserve(n: number): number {
    this.ensure(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }
}
