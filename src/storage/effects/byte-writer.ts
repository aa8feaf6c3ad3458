import { asLatin1Buffer, type Latin1Buffer } from '../latin1-buffer';

/**
 * A growable byte buffer with the few primitives the engine's binary formats need.
 * It is reused across calls (reset, write, read `buf.subarray(0, length)`), so encoding a commit
 * allocates nothing in the common case.
 */
export class ByteWriter {
  /** The underlying buffer; valid bytes are `[0, length)`. Replaced when it grows. */
  buf: Latin1Buffer;
  /** Number of bytes written. */
  length = 0;

  constructor(initialSize = 4096) {
    this.buf = asLatin1Buffer(Buffer.allocUnsafe(initialSize));
  }

  /** Forget the content (keeps the allocation). */
  reset(): void {
    this.length = 0;
  }

  /** Make room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = asLatin1Buffer(Buffer.allocUnsafe(size));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  u8(value: number): void {
    this.ensure(1);
    this.buf[this.length++] = value;
  }

  /** Unsigned LEB128 of a non-negative safe integer. */
  varint(value: number): void {
    this.ensure(8);
    let v = value;
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
  }

  /** A byte string (one byte per code unit), length-prefixed. */
  latin1(s: string): void {
    this.varint(s.length);
    this.ensure(s.length);
    this.length += this.buf.latin1Write(s, this.length);
  }

  /** Raw bytes, length-prefixed. */
  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
}

/** A cursor over bytes written by {@link ByteWriter}. Every read is bounds-checked. */
export class ByteReader {
  pos: number;
  private readonly buf: Latin1Buffer;

  constructor(
    buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.buf = asLatin1Buffer(buf);
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  u8(): number {
    if (this.pos >= this.end) throw new RangeError('read past end');
    return this.buf[this.pos++];
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const byte = this.u8();
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 0x80;
    }
    throw new RangeError('varint too long');
  }

  latin1(): string {
    const n = this.varint();
    if (this.pos + n > this.end) throw new RangeError('read past end');
    const s = this.buf.latin1Slice(this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  bytes(): Buffer {
    const n = this.varint();
    if (this.pos + n > this.end) throw new RangeError('read past end');
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}
