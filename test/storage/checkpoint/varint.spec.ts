import {
  MAX_VARINT_BYTES,
  VARINT_INVALID,
  readVarint,
  varintSize,
  writeVarint,
} from '../../../src/storage/checkpoint/varint';

describe('varint', () => {
  const values = [0, 1, 127, 128, 255, 16_383, 16_384, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 49];
  values.push(2 ** 53 - 2, Number.MAX_SAFE_INTEGER);

  it.each(values)('round-trips %d in varintSize(v) bytes', (value) => {
    const buf = new Uint8Array(MAX_VARINT_BYTES + 2);
    const end = writeVarint(buf, 1, value);
    expect(end - 1).toBe(varintSize(value));
    const cursor = { pos: 1 };
    expect(readVarint(buf, end, cursor)).toBe(value);
    expect(cursor.pos).toBe(end);
  });

  it('rejects varints that run past the end, are too long, non-minimal or above 2^53-1', () => {
    const cases: number[][] = [
      [],
      [0x80],
      [0xff, 0xff],
      [0x80, 0x00], // non-minimal zero
      [0x81, 0x80, 0x00], // non-minimal
      [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x10], // 2^53
      [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], // nine bytes
    ];
    for (const bytes of cases) {
      const cursor = { pos: 0 };
      expect(readVarint(Uint8Array.from(bytes), bytes.length, cursor)).toBe(VARINT_INVALID);
      expect(cursor.pos).toBe(0);
    }
  });

  it('never reads at or past `end`', () => {
    const buf = Uint8Array.from([0x81, 0x01]);
    expect(readVarint(buf, 1, { pos: 0 })).toBe(VARINT_INVALID);
    expect(readVarint(buf, 2, { pos: 0 })).toBe(129);
  });
});
