import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { CorruptionError } from '../../../src/storage/errors';
import { listSegments, removeSegmentsBefore } from '../../../src/storage/wal/wal-files';
import {
  decodeWalSegmentHeader,
  encodeWalSegmentHeader,
  walFrameCrc,
  walSegmentFileName,
} from '../../../src/storage/wal/wal-format';
import { WalWriter } from '../../../src/storage/wal/wal-writer';
import { WalScanResult } from '../../../src/storage/wal/wal-reader';
import { repairWal } from '../../../src/storage/wal/wal-repair';
import {
  LogConfig,
  appendFrames,
  catchError,
  expectFrames,
  frameOffsets,
  reopen,
  scan,
  tempWal,
  writeLog,
} from './wal-test-utils';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef');
const CHAIN: LogConfig = { hashChain: true };
const SECURE: LogConfig = { hashChain: true, hmacKey: KEY };

function corruption(fn: () => unknown): CorruptionError {
  const err = catchError(fn);
  expect(err).toBeInstanceOf(CorruptionError);
  return err as CorruptionError;
}

function quarantineFiles(root: string): string[] {
  const q = path.join(root, 'quarantine');
  return fs.existsSync(q) ? fs.readdirSync(q).sort() : [];
}

describe('scanWal: empty and clean logs', () => {
  it('an empty or missing directory is an empty log', () => {
    const { dir } = tempWal();
    const { result, frames } = scan(dir, CHAIN);
    expect(frames).toEqual([]);
    expect(result.lastSeq).toBe(0);
    expect(result.lastChain.equals(Buffer.alloc(32))).toBe(true);
    expect(result.resume).toEqual({ nextSeq: 1, prevChain: Buffer.alloc(32) });
  });

  it('ignores files that are not segments', async () => {
    const { dir } = tempWal();
    await writeLog(dir, CHAIN, 5);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello');
    fs.writeFileSync(path.join(dir, '123.wal'), 'junk');
    expectFrames(scan(dir, CHAIN).frames, 1, 5);
  });
});

describe('scanWal: torn tail (rule a)', () => {
  it.each(['strict', 'permissive'] as const)(
    'cuts a last frame torn at every byte offset (%s), and repair makes a strict rescan pass',
    async (mode) => {
      const { root, dir } = tempWal();
      await writeLog(dir, SECURE, 6);
      const file = listSegments(dir)[0].file;
      const original = fs.readFileSync(file);
      const lastFrame = frameOffsets(file)[5];
      for (let cut = lastFrame; cut < original.length; cut++) {
        fs.writeFileSync(file, original.subarray(0, cut));
        const { result, frames } = scan(dir, SECURE, { mode });
        expectFrames(frames, 1, 5);
        expect(result.lastSeq).toBe(5);
        if (cut === lastFrame) {
          expect(result.tornTail).toBeUndefined(); // a clean shorter log
        } else {
          expect(result.tornTail).toEqual({ file, offset: lastFrame, bytes: cut - lastFrame });
        }
        expect(result.tailSegment).toEqual({ file, size: lastFrame });
        expect(result.dropped).toBeUndefined();
      }
      // Repair the last variant (one byte short) and check a strict rescan.
      const { result } = scan(dir, SECURE, { mode });
      const report = repairWal(dir, result);
      expect(report.truncated).toEqual({
        file,
        size: lastFrame,
        cutBytes: original.length - 1 - lastFrame,
      });
      expect(fs.statSync(file).size).toBe(lastFrame);
      expect(quarantineFiles(root)).toHaveLength(1);
      const again = scan(dir, SECURE);
      expect(again.result.lastSeq).toBe(5);
      expect(again.result.tornTail).toBeUndefined();
      // The writer continues and the log stays valid.
      const w = reopen(dir, SECURE, again.result);
      await appendFrames(w, 6, 8);
      await w.close();
      expectFrames(scan(dir, SECURE).frames, 1, 8);
    },
  );

  it('treats a zero-filled tail (file extended, data never written) as torn', async () => {
    const { root, dir } = tempWal();
    await writeLog(dir, CHAIN, 4);
    const file = listSegments(dir)[0].file;
    const size = fs.statSync(file).size;
    fs.appendFileSync(file, Buffer.alloc(4096));
    for (const mode of ['strict', 'permissive'] as const) {
      const { result, frames } = scan(dir, CHAIN, { mode });
      expectFrames(frames, 1, 4);
      expect(result.tornTail).toEqual({ file, offset: size, bytes: 4096 });
    }
    repairWal(dir, scan(dir, CHAIN).result);
    expect(fs.statSync(file).size).toBe(size);
    expect(quarantineFiles(root)[0]).toContain(`tail-at-${size}`);
    expect(scan(dir, CHAIN).result.tornTail).toBeUndefined();
  });

  it('treats a zero-filled or short last segment (crash while creating it) as torn', async () => {
    const { root, dir } = tempWal();
    await writeLog(dir, CHAIN, 4);
    const next = path.join(dir, walSegmentFileName(5));
    for (const content of [Buffer.alloc(0), Buffer.alloc(80), Buffer.from('AEDBWAL1\x01')]) {
      fs.writeFileSync(next, content);
      const { result, frames } = scan(dir, CHAIN);
      expectFrames(frames, 1, 4);
      expect(result.tornTail).toEqual({ file: next, offset: 0, bytes: content.length });
      expect(result.tailSegment?.file).toBe(listSegments(dir)[0].file);
    }
    const { result } = scan(dir, CHAIN);
    repairWal(dir, result);
    expect(fs.existsSync(next)).toBe(false);
    expect(quarantineFiles(root)).toHaveLength(1);
    // The writer resumes in the old segment and rotates from there as usual.
    const w = reopen(dir, CHAIN, scan(dir, CHAIN).result);
    await appendFrames(w, 5, 6);
    await w.close();
    expectFrames(scan(dir, CHAIN).frames, 1, 6);
  });
});

describe('scanWal: corruption (rule b)', () => {
  async function flippedMiddle(cfg: LogConfig): Promise<{
    root: string;
    dir: string;
    file: string;
    offset: number;
  }> {
    const { root, dir } = tempWal();
    await writeLog(dir, cfg, 10);
    const file = listSegments(dir)[0].file;
    const offset = frameOffsets(file)[4]; // frame seq 5
    const buf = fs.readFileSync(file);
    buf[offset + 8 + 20] ^= 0x10; // a payload bit
    fs.writeFileSync(file, buf);
    return { root, dir, file, offset };
  }

  it.each([
    ['chain off', { hashChain: false }],
    ['chain on', CHAIN],
    ['HMAC', SECURE],
  ] as [string, LogConfig][])(
    'a flipped bit in a middle frame (%s): strict names file and offset; permissive keeps the prefix; repair; strict rescan passes',
    async (_name, cfg) => {
      const { root, dir, file, offset } = await flippedMiddle(cfg);
      const err = corruption(() => scan(dir, cfg));
      expect(err.message).toContain(file);
      expect(err.message).toContain(`offset ${offset}`);
      expect(err.details).toMatchObject({
        file,
        offset,
        reason: 'frame CRC mismatch',
        fatal: false,
      });

      const { result, frames } = scan(dir, cfg, { mode: 'permissive' });
      expectFrames(frames, 1, 4);
      expect(result.lastSeq).toBe(4);
      expect(result.dropped).toEqual({
        file,
        offset,
        reason: 'frame CRC mismatch',
        framesAfterUnknown: true,
        bytes: fs.statSync(file).size - offset,
        laterSegments: [],
      });
      repairWal(dir, result);
      const again = scan(dir, cfg);
      expect(again.result.lastSeq).toBe(4);
      expect(quarantineFiles(root)).toHaveLength(1);
    },
  );

  it('a corrupted length field is corruption when the frame is followed by more data', async () => {
    const { dir } = tempWal();
    await writeLog(dir, CHAIN, 6, 1 << 20);
    const file = listSegments(dir)[0].file;
    const offset = frameOffsets(file)[2];
    const buf = fs.readFileSync(file);
    buf.writeUInt32LE(3, offset); // below the minimum body
    fs.writeFileSync(file, buf);
    expect(corruption(() => scan(dir, CHAIN)).details.offset).toBe(offset);
  });

  it('a damaged frame in a non-final segment is corruption, with later segments dropped', async () => {
    const { root, dir } = tempWal();
    await writeLog(dir, CHAIN, 30, 300);
    const segs = listSegments(dir);
    expect(segs.length).toBeGreaterThan(3);
    // Truncate segment 1 (a torn shape, but not in the last segment).
    const victim = segs[1];
    const offs = frameOffsets(victim.file);
    fs.truncateSync(victim.file, offs[offs.length - 1] + 5);
    const err = corruption(() => scan(dir, CHAIN));
    expect(err.message).toContain(victim.file);
    expect(err.details.offset).toBe(offs[offs.length - 1]);

    const { result } = scan(dir, CHAIN, { mode: 'permissive' });
    expect(result.dropped?.laterSegments).toEqual(segs.slice(2).map((s) => s.file));
    expect(result.tailSegment).toEqual({ file: victim.file, size: offs[offs.length - 1] });
    const report = repairWal(dir, result);
    expect(report.quarantined).toHaveLength(segs.length - 2 + 1);
    expect(quarantineFiles(root)).toHaveLength(segs.length - 1);
    const again = scan(dir, CHAIN);
    expect(again.result.lastSeq).toBe(result.lastSeq);
    const w = reopen(dir, CHAIN, again.result, 300);
    await appendFrames(w, result.lastSeq + 1, result.lastSeq + 10);
    await w.close();
    expectFrames(scan(dir, CHAIN).frames, 1, result.lastSeq + 10);
  });

  it('a frame cut mid-body in a non-final segment is corruption, not a torn tail', async () => {
    const { dir } = tempWal();
    await writeLog(dir, CHAIN, 30, 300);
    const segs = listSegments(dir);
    const offs = frameOffsets(segs[0].file);
    fs.truncateSync(segs[0].file, offs[offs.length - 1] + 30);
    expect(corruption(() => scan(dir, CHAIN)).details).toMatchObject({
      file: segs[0].file,
      offset: offs[offs.length - 1],
      reason: 'frame extends past the end of a non-final segment',
    });
  });

  it('a duplicated frame (valid CRC, replayed seq) is corruption', async () => {
    const { dir } = tempWal();
    await writeLog(dir, { hashChain: false }, 6);
    const file = listSegments(dir)[0].file;
    const offs = frameOffsets(file);
    const buf = fs.readFileSync(file);
    const frame2 = buf.subarray(offs[1], offs[2]);
    const tampered = Buffer.concat([buf.subarray(0, offs[2]), frame2, buf.subarray(offs[2])]);
    fs.writeFileSync(file, tampered);
    expect(corruption(() => scan(dir, { hashChain: false })).details).toMatchObject({
      offset: offs[2],
      reason: 'frame seq 2 where 3 was expected',
      seq: 2,
    });
  });

  it('a deleted middle segment is a seq gap', async () => {
    const { dir } = tempWal();
    await writeLog(dir, CHAIN, 30, 300);
    const segs = listSegments(dir);
    fs.unlinkSync(segs[2].file);
    const err = corruption(() => scan(dir, CHAIN));
    expect(err.details.file).toBe(segs[3].file);
    expect(err.details.offset).toBe(0);
    expect(err.message).toMatch(/seq \d+ was expected/);
    // Without the chain the gap is found just the same.
    const plain = tempWal();
    await writeLog(plain.dir, { hashChain: false }, 30, 300);
    const plainSegs = listSegments(plain.dir);
    fs.unlinkSync(plainSegs[2].file);
    corruption(() => scan(plain.dir, { hashChain: false }));
    const { result, frames } = scan(plain.dir, { hashChain: false }, { mode: 'permissive' });
    expectFrames(frames, 1, plainSegs[2].firstSeq - 1);
    expect(result.dropped?.file).toBe(plainSegs[3].file);
    expect(result.dropped?.offset).toBe(0);
  });

  it('two swapped segments are detected (names vs headers, and seq order)', async () => {
    const { dir } = tempWal();
    await writeLog(dir, CHAIN, 30, 300);
    const segs = listSegments(dir);
    const a = fs.readFileSync(segs[1].file);
    const b = fs.readFileSync(segs[2].file);
    fs.writeFileSync(segs[1].file, b);
    fs.writeFileSync(segs[2].file, a);
    const err = corruption(() => scan(dir, CHAIN));
    expect(err.details.file).toBe(segs[1].file);
    expect(err.message).toMatch(/does not match the file name/);
    // Re-stamp the headers so names, headers and CRCs agree: the frame seqs still give it away.
    for (const [file, seg] of [
      [segs[1].file, segs[1]],
      [segs[2].file, segs[2]],
    ] as const) {
      const buf = fs.readFileSync(file);
      const h = decodeWalSegmentHeader(buf);
      if (typeof h === 'string') throw new Error(h);
      encodeWalSegmentHeader({ ...h, firstSeq: seg.firstSeq }).copy(buf, 0);
      fs.writeFileSync(file, buf);
    }
    const err2 = corruption(() => scan(dir, { hashChain: true }));
    expect(err2.details.file).toBe(segs[1].file);
    expect(err2.message).toMatch(/prevChain does not match|frame seq \d+ where \d+ was expected/);
    const { result, frames } = scan(dir, CHAIN, { mode: 'permissive' });
    expectFrames(frames, 1, segs[1].firstSeq - 1);
    expect(result.dropped).toMatchObject({ file: segs[1].file, offset: 0 });
    expect(result.dropped?.laterSegments).toContain(segs[2].file);
  });

  it('a segment header with a bad CRC is corruption', async () => {
    const { dir } = tempWal();
    await writeLog(dir, CHAIN, 30, 300);
    const segs = listSegments(dir);
    const buf = fs.readFileSync(segs[2].file);
    buf[30] ^= 1;
    fs.writeFileSync(segs[2].file, buf);
    expect(corruption(() => scan(dir, CHAIN)).details).toMatchObject({
      file: segs[2].file,
      offset: 0,
      reason: 'segment header: header CRC mismatch',
    });
  });

  it('a frame with a valid CRC but a wrong chain value is corruption', async () => {
    const { dir } = tempWal();
    await writeLog(dir, CHAIN, 5);
    const file = listSegments(dir)[0].file;
    const offs = frameOffsets(file);
    const buf = fs.readFileSync(file);
    const len = buf.readUInt32LE(offs[2]);
    buf[offs[2] + 8 + len - 1] ^= 1; // last byte of the chain value
    buf.writeUInt32LE(walFrameCrc(buf, offs[2], len), offs[2] + 4);
    fs.writeFileSync(file, buf);
    expect(corruption(() => scan(dir, CHAIN)).details).toMatchObject({
      offset: offs[2],
      reason: 'hash chain mismatch',
    });
  });
});

describe('scanWal: authentication (rule c, fatal in both modes)', () => {
  it.each(['strict', 'permissive'] as const)('a wrong HMAC key fails (%s)', async (mode) => {
    const { dir } = tempWal();
    await writeLog(dir, SECURE, 5);
    const err = corruption(() =>
      scan(dir, { hashChain: true, hmacKey: Buffer.from('another key') }, { mode }),
    );
    expect(err.message).toMatch(/wrong HMAC key/);
    expect(err.details).toMatchObject({ fatal: true, reason: 'frame HMAC does not verify' });
  });

  it.each(['strict', 'permissive'] as const)(
    'a segment whose flags disagree with the configuration fails (%s)',
    async (mode) => {
      const { dir } = tempWal();
      await writeLog(dir, CHAIN, 5);
      // An attacker (or a misconfiguration) presents an un-keyed log to a keyed instance.
      const err = corruption(() => scan(dir, SECURE, { mode }));
      expect(err.details.fatal).toBe(true);
      expect(err.message).toMatch(/written with chain but configured for chain\+hmac/);
      corruption(() => scan(dir, { hashChain: false }, { mode }));
    },
  );

  it('a tampered payload with a recomputed CRC fails HMAC, even in permissive mode', async () => {
    const { dir } = tempWal();
    await writeLog(dir, SECURE, 5);
    const file = listSegments(dir)[0].file;
    const offs = frameOffsets(file);
    const buf = fs.readFileSync(file);
    buf[offs[1] + 8 + 18] ^= 0xff;
    const len = buf.readUInt32LE(offs[1]);
    buf.writeUInt32LE(walFrameCrc(buf, offs[1], len), offs[1] + 4);
    fs.writeFileSync(file, buf);
    const err = corruption(() => scan(dir, SECURE, { mode: 'permissive' }));
    expect(err.details).toMatchObject({ file, offset: offs[1], fatal: true });
  });

  it.each(['strict', 'permissive'] as const)(
    'an unsupported format version is fatal (%s)',
    async (mode) => {
      const { dir } = tempWal();
      await writeLog(dir, CHAIN, 30, 300);
      const segs = listSegments(dir);
      const buf = fs.readFileSync(segs[3].file);
      buf.writeUInt16LE(9, 8);
      buf.writeUInt32LE(crc32(buf.subarray(0, 76)), 76);
      fs.writeFileSync(segs[3].file, buf);
      const err = corruption(() => scan(dir, CHAIN, { mode }));
      expect(err.details).toMatchObject({ file: segs[3].file, fatal: true });
      expect(err.message).toMatch(/unsupported format version/);
    },
  );
});

describe('scanWal: afterSeq and checkpoint anchoring', () => {
  it('verifies but does not deliver frames up to afterSeq', async () => {
    const { dir } = tempWal();
    await writeLog(dir, CHAIN, 20);
    const { result, frames } = scan(dir, CHAIN, { afterSeq: 12 });
    expectFrames(frames, 13, 20);
    expect(result.framesScanned).toBe(20);
    expect(result.framesApplied).toBe(8);
    expect(result.segmentsSkipped).toBe(0);
  });

  it('skips segments covered by the checkpoint when the chain is anchored (or off)', async () => {
    const { dir } = tempWal();
    await writeLog(dir, CHAIN, 60, 300);
    const full = scan(dir, CHAIN);
    const segs = listSegments(dir);
    // Chain value after seq 40, as a checkpoint at 40 would have recorded it: the same
    // frames written to another directory up to 40.
    let chainAt40: Buffer = Buffer.alloc(0);
    {
      const other = tempWal();
      const w = WalWriter.open({
        dir: other.dir,
        nextSeq: 1,
        prevChain: Buffer.alloc(32),
        hashChain: true,
        maxSegmentBytes: 1 << 20,
      });
      await appendFrames(w, 1, 40);
      chainAt40 = w.chainHead;
      await w.close();
    }
    const anchored = scan(dir, CHAIN, {
      afterSeq: 40,
      expectedChainAt: { seq: 40, chain: chainAt40 },
    });
    expectFrames(anchored.frames, 41, 60);
    expect(anchored.result.segmentsSkipped).toBeGreaterThan(0);
    expect(anchored.result.framesScanned).toBeLessThan(60);
    expect(anchored.result.expectedChainVerified).toBe(true);
    expect(anchored.result.lastChain.equals(full.result.lastChain)).toBe(true);
    expect(anchored.result.segments).toHaveLength(segs.length);

    // Without an anchor and with the chain on, everything is read.
    expect(scan(dir, CHAIN, { afterSeq: 40 }).result.segmentsSkipped).toBe(0);
    // With the chain off, skipping needs no anchor.
    const plain = tempWal();
    await writeLog(plain.dir, { hashChain: false }, 60, 300);
    const p = scan(plain.dir, { hashChain: false }, { afterSeq: 40 });
    expect(p.result.segmentsSkipped).toBeGreaterThan(0);
    expectFrames(p.frames, 41, 60);

    // A checkpoint chain value that disagrees with the log is corruption.
    const wrong = Buffer.from(chainAt40);
    wrong[0] ^= 1;
    const err = corruption(() =>
      scan(dir, CHAIN, { afterSeq: 40, expectedChainAt: { seq: 40, chain: wrong } }),
    );
    expect(err.message).toMatch(/checkpoint/);
  });

  it('a checkpoint chain that disagrees with a segment header prevChain is corruption', async () => {
    const { dir } = tempWal();
    await writeLog(dir, CHAIN, 60, 300);
    const segs = listSegments(dir);
    const boundary = segs[3].firstSeq - 1; // a checkpoint exactly at a segment boundary
    const h = decodeWalSegmentHeader(fs.readFileSync(segs[3].file));
    if (typeof h === 'string') throw new Error(h);
    const ok = scan(dir, CHAIN, {
      afterSeq: boundary,
      expectedChainAt: { seq: boundary, chain: h.prevChain },
    });
    expect(ok.result.segmentsSkipped).toBe(3);
    expect(ok.result.expectedChainVerified).toBe(true);
    expectFrames(ok.frames, boundary + 1, 60);
    const wrong = Buffer.from(h.prevChain);
    wrong[5] ^= 1;
    const err = corruption(() =>
      scan(dir, CHAIN, { afterSeq: boundary, expectedChainAt: { seq: boundary, chain: wrong } }),
    );
    expect(err.details).toMatchObject({ file: segs[3].file, offset: 0 });
  });

  it('removeSegmentsBefore drops covered segments but never the last; the rest still scans', async () => {
    const { dir } = tempWal();
    await writeLog(dir, CHAIN, 60, 300);
    const segs = listSegments(dir);
    const removed = removeSegmentsBefore(dir, 40);
    const left = listSegments(dir);
    expect(removed.length + left.length).toBe(segs.length);
    expect(left[0].firstSeq).toBeLessThanOrEqual(41);
    expect(removed.every((f) => !fs.existsSync(f))).toBe(true);
    // The oldest remaining segment's prevChain anchors a scan that starts mid-log.
    const { result, frames } = scan(dir, CHAIN, { afterSeq: 40 });
    expectFrames(frames, 41, 60);
    expect(result.lastSeq).toBe(60);
    // Never the last segment, even when everything is covered.
    removeSegmentsBefore(dir, 1000);
    expect(listSegments(dir)).toHaveLength(1);
  });

  it('a log that starts after afterSeq + 1 is missing frames', async () => {
    const { dir } = tempWal();
    await writeLog(dir, CHAIN, 60, 300);
    removeSegmentsBefore(dir, 50);
    const first = listSegments(dir)[0].firstSeq;
    expect(first).toBeGreaterThan(21);
    const err = corruption(() => scan(dir, CHAIN, { afterSeq: 20 }));
    expect(err.message).toMatch(/are missing/);
  });

  it('when the log ends before the checkpoint, the writer resumes in a new segment at afterSeq + 1', async () => {
    const { dir } = tempWal();
    await writeLog(dir, CHAIN, 10);
    const chainAt15 = Buffer.alloc(32, 0xab); // from a checkpoint whose frames were never synced
    const s = scan(dir, CHAIN, { afterSeq: 15, expectedChainAt: { seq: 15, chain: chainAt15 } });
    expect(s.result.lastSeq).toBe(10);
    expect(s.result.expectedChainVerified).toBe(false);
    expect(s.result.resume).toEqual({ nextSeq: 16, prevChain: chainAt15 });
    const w = reopen(dir, CHAIN, s.result);
    await appendFrames(w, 16, 20);
    await w.close();
    const again = scan(dir, CHAIN, {
      afterSeq: 15,
      expectedChainAt: { seq: 15, chain: chainAt15 },
    });
    expectFrames(again.frames, 16, 20);
    expect(again.result.expectedChainVerified).toBe(true);
  });
});

describe('repairWal', () => {
  it('does nothing for a clean result', async () => {
    const { root, dir } = tempWal();
    await writeLog(dir, CHAIN, 3);
    const result: WalScanResult = scan(dir, CHAIN).result;
    expect(repairWal(dir, result)).toEqual({ quarantined: [] });
    expect(quarantineFiles(root)).toEqual([]);
  });
});
