import { ValidationError } from '../../../src/storage/errors';
import { WalBatchBuffer } from '../../../src/storage/wal/wal-batch-buffer';

describe('WalBatchBuffer', () => {
  it('appends little-endian numbers, varints, bytes and strings', () => {
    const b = new WalBatchBuffer();
    b.u8(0xfe)
      .u16(0x1234)
      .u32(0xdeadbeef)
      .u64(2 ** 40 + 3)
      .bigU64(2n ** 63n)
      .f64(1.5);
    b.varint(0)
      .varint(127)
      .varint(128)
      .varint(2 ** 31)
      .varint(Number.MAX_SAFE_INTEGER);
    b.bytes(Uint8Array.from([1, 2, 3]))
      .latin1('k\xff')
      .latin1('x'.repeat(40));
    const n = b.utf8('é');
    expect(n).toBe(2);
    const out = b.buf.subarray(0, b.pos);
    let o = 0;
    expect(out[o++]).toBe(0xfe);
    expect(out.readUInt16LE(o)).toBe(0x1234);
    o += 2;
    expect(out.readUInt32LE(o)).toBe(0xdeadbeef);
    o += 4;
    expect(out.readBigUInt64LE(o)).toBe(BigInt(2 ** 40 + 3));
    o += 8;
    expect(out.readBigUInt64LE(o)).toBe(2n ** 63n);
    o += 8;
    expect(out.readDoubleLE(o)).toBe(1.5);
    o += 8;
    const readVarint = (): number => {
      let v = 0;
      let mul = 1;
      for (;;) {
        const byte = out[o++];
        v += (byte & 0x7f) * mul;
        if (byte < 0x80) return v;
        mul *= 128;
      }
    };
    expect([readVarint(), readVarint(), readVarint(), readVarint(), readVarint()]).toEqual([
      0,
      127,
      128,
      2 ** 31,
      Number.MAX_SAFE_INTEGER,
    ]);
    expect([...out.subarray(o, o + 3)]).toEqual([1, 2, 3]);
    o += 3;
    expect(out.subarray(o, o + 2).toString('latin1')).toBe('k\xff');
    o += 2;
    expect(out.subarray(o, o + 40).toString('latin1')).toBe('x'.repeat(40));
    o += 40;
    expect(out.subarray(o).toString('utf8')).toBe('é');
  });

  it('grows geometrically and keeps content; reset reuses the allocation', () => {
    const b = new WalBatchBuffer();
    const first = b.buf;
    const big = Buffer.alloc(200_000, 9);
    b.u8(1).bytes(big);
    expect(b.buf).not.toBe(first);
    expect(b.buf[0]).toBe(1);
    expect(b.buf.subarray(1, b.pos).equals(big)).toBe(true);
    const grown = b.buf;
    b.reset();
    expect(b.pos).toBe(0);
    expect(b.buf).toBe(grown);
  });

  it('reserve returns a patchable offset and length counts payload bytes', () => {
    const b = new WalBatchBuffer();
    b.pos = b.payloadStart = 10;
    const at = b.reserve(4);
    b.u8(7);
    b.buffer.writeUInt32LE(42, at);
    expect(b.length).toBe(5);
    expect(b.buf.readUInt32LE(10)).toBe(42);
  });

  it('rejects values that do not fit', () => {
    const b = new WalBatchBuffer();
    expect(() => b.u64(-1)).toThrow(ValidationError);
    expect(() => b.varint(2 ** 53)).toThrow(ValidationError);
  });
});
