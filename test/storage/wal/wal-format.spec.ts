import { createHash, createHmac } from 'node:crypto';
import { crc32 } from 'node:zlib';
import {
  WAL_FLAG_HASH_CHAIN,
  WAL_FLAG_HMAC,
  WAL_SEGMENT_HEADER_SIZE,
  decodeWalSegmentHeader,
  encodeWalSegmentHeader,
  parseWalSegmentFileName,
  readU64,
  walChainNext,
  walFlags,
  walFrameCrc,
  walHmac,
  walSegmentFileName,
  writeU64,
} from '../../../src/storage/wal/wal-format';

describe('wal-format', () => {
  it('names segments with 20 zero-padded digits and parses them back', () => {
    expect(walSegmentFileName(1)).toBe('00000000000000000001.wal');
    expect(walSegmentFileName(Number.MAX_SAFE_INTEGER)).toBe('00009007199254740991.wal');
    expect(parseWalSegmentFileName('00000000000000000042.wal')).toBe(42);
    expect(parseWalSegmentFileName('42.wal')).toBeUndefined();
    expect(parseWalSegmentFileName('00000000000000000042.wal.tmp')).toBeUndefined();
    expect(parseWalSegmentFileName('99999999999999999999.wal')).toBeUndefined();
  });

  it('round-trips u64 values in the safe range and flags larger ones', () => {
    const b = Buffer.alloc(8);
    for (const v of [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 5, Number.MAX_SAFE_INTEGER]) {
      writeU64(b, 0, v);
      expect(b.readBigUInt64LE(0)).toBe(BigInt(v));
      expect(readU64(b, 0)).toBe(v);
    }
    b.writeBigUInt64LE(2n ** 53n, 0);
    expect(readU64(b, 0)).toBe(-1);
  });

  it('encodes and decodes a segment header', () => {
    const prevChain = Buffer.alloc(32, 7);
    const flags = walFlags(true, true);
    expect(flags).toBe(WAL_FLAG_HASH_CHAIN | WAL_FLAG_HMAC);
    const buf = encodeWalSegmentHeader({ flags, firstSeq: 1234, createdAtMicros: 99, prevChain });
    expect(buf.length).toBe(WAL_SEGMENT_HEADER_SIZE);
    expect(buf.subarray(0, 8).toString('latin1')).toBe('AEDBWAL1');
    expect(buf.readUInt32LE(76)).toBe(crc32(buf.subarray(0, 76)));
    const h = decodeWalSegmentHeader(buf);
    expect(h).toEqual({ version: 1, flags, firstSeq: 1234, createdAtMicros: 99, prevChain });
  });

  it('reports header problems instead of throwing', () => {
    const good = encodeWalSegmentHeader({
      flags: 0,
      firstSeq: 1,
      createdAtMicros: 0,
      prevChain: Buffer.alloc(32),
    });
    const badMagic = Buffer.from(good);
    badMagic[0] ^= 1;
    expect(decodeWalSegmentHeader(badMagic)).toBe('bad magic');
    const badCrc = Buffer.from(good);
    badCrc[40] ^= 1;
    expect(decodeWalSegmentHeader(badCrc)).toBe('header CRC mismatch');
    const v2 = Buffer.from(good);
    v2.writeUInt16LE(2, 8);
    v2.writeUInt32LE(crc32(v2.subarray(0, 76)), 76);
    expect(decodeWalSegmentHeader(v2)).toBe('unsupported format version');
    const unknownFlags = Buffer.from(good);
    unknownFlags.writeUInt16LE(0x8, 10);
    unknownFlags.writeUInt32LE(crc32(unknownFlags.subarray(0, 76)), 76);
    expect(decodeWalSegmentHeader(unknownFlags)).toBe('unknown flags');
    expect(decodeWalSegmentHeader(good.subarray(0, 40))).toBe('bad magic');
  });

  it('computes the frame CRC over the length bytes and the body', () => {
    const frame = Buffer.from([5, 0, 0, 0, 0xaa, 0xbb, 0xcc, 0xdd, 1, 2, 3, 4, 5, 9, 9]);
    const expected = crc32(Buffer.concat([frame.subarray(0, 4), frame.subarray(8, 13)]));
    expect(walFrameCrc(frame, 0, 5)).toBe(expected);
    const shifted = Buffer.concat([Buffer.alloc(3), frame]);
    expect(walFrameCrc(shifted, 3, 5)).toBe(expected);
  });

  it('chains with SHA-256(prev || body) and authenticates with HMAC-SHA256', () => {
    const prev = Buffer.alloc(32, 1);
    const body = Buffer.from('body bytes');
    const expected = createHash('sha256')
      .update(Buffer.concat([prev, body]))
      .digest();
    expect(walChainNext(prev, body).equals(expected)).toBe(true);
    const large = Buffer.alloc(100_000, 3); // the streaming path
    const expectedLarge = createHash('sha256').update(prev).update(large).digest();
    expect(walChainNext(prev, large).equals(expectedLarge)).toBe(true);
    const key = Buffer.from('k');
    expect(walHmac(key, body).equals(createHmac('sha256', key).update(body).digest())).toBe(true);
  });
});
