import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ClosedError,
  ConfigError,
  CorruptionError,
  IoError,
  ValidationError,
} from '../../../src/storage/errors';
import { FailPoints } from '../../../src/storage/fail-points';
import { listSegments } from '../../../src/storage/wal/wal-files';
import { repairWal } from '../../../src/storage/wal/wal-repair';
import { walChainNext, walSegmentFileName } from '../../../src/storage/wal/wal-format';
import { WalWriter } from '../../../src/storage/wal/wal-writer';
import {
  LogConfig,
  appendFrames,
  expectFrames,
  payloadFor,
  reopen,
  scan,
  tempWal,
  tsFor,
  writeLog,
} from './wal-test-utils';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef');
const CONFIGS: [string, LogConfig][] = [
  ['chain off', { hashChain: false }],
  ['chain on', { hashChain: true }],
  ['chain + HMAC', { hashChain: true, hmacKey: KEY }],
  ['HMAC only', { hashChain: false, hmacKey: KEY }],
];

function openNew(dir: string, cfg: LogConfig, maxSegmentBytes = 1 << 20): WalWriter {
  return WalWriter.open({ dir, nextSeq: 1, prevChain: Buffer.alloc(32), maxSegmentBytes, ...cfg });
}

afterEach(() => FailPoints.reset());

describe.each(CONFIGS)('WalWriter round trip (%s)', (_name, cfg) => {
  it('writes frames that a strict scan reads back identically', async () => {
    const { dir } = tempWal();
    await writeLog(dir, cfg, 50);
    const { result, frames } = scan(dir, cfg);
    expectFrames(frames, 1, 50);
    expect(result.lastSeq).toBe(50);
    expect(result.framesScanned).toBe(50);
    expect(result.framesApplied).toBe(50);
    expect(result.tornTail).toBeUndefined();
    expect(result.dropped).toBeUndefined();
    expect(result.segments).toHaveLength(1);
    expect(result.tailSegment?.size).toBe(fs.statSync(result.segments[0].file).size);
  });

  it('rotates tiny segments, keeps the chain across segments and across two crashes', async () => {
    const { dir } = tempWal();
    await writeLog(dir, cfg, 40, 300);
    expect(listSegments(dir).length).toBeGreaterThan(5);

    // Crash #1: the writer dies with a batch in the page cache and a half-written frame after
    // it (a torn write); it is simply abandoned, never closed.
    let s = scan(dir, cfg);
    expectFrames(s.frames, 1, 40);
    let w = reopen(dir, cfg, s.result, 300);
    expect(w.lastSeq).toBe(40);
    await appendFrames(w, 41, 70);
    w.beginFrame(71, tsFor(71), 3).bytes(payloadFor(71));
    w.endFrame();
    w.flush();
    const tail = w.currentSegment;
    fs.truncateSync(tail.file, tail.size - 7);

    s = scan(dir, cfg);
    expectFrames(s.frames, 1, 70);
    expect(s.result.tornTail?.file).toBe(tail.file);
    repairWal(dir, s.result);
    s = scan(dir, cfg);
    expect(s.result.tornTail).toBeUndefined();

    // Crash #2: more frames across more rotations, abandoned again without close.
    w = reopen(dir, cfg, s.result, 300);
    await appendFrames(w, 71, 100);
    const head = w.chainHead;

    s = scan(dir, cfg);
    expectFrames(s.frames, 1, 100);
    expect(s.result.lastChain.equals(head)).toBe(true);
    expect(s.result.lastChain.equals(Buffer.alloc(32))).toBe(!cfg.hashChain);
    const segs = listSegments(dir);
    for (let i = 1; i < segs.length; i++) {
      expect(segs[i].firstSeq).toBeGreaterThan(segs[i - 1].firstSeq);
    }
  });
});

describe('WalWriter', () => {
  it('computes the chain head as SHA-256 over previous chain and body', async () => {
    const { dir } = tempWal();
    const w = openNew(dir, { hashChain: true });
    w.beginFrame(1, 5, 2).bytes(Buffer.from('abc'));
    w.endFrame();
    const body = Buffer.alloc(17 + 3);
    body.writeBigUInt64LE(1n, 0);
    body.writeBigUInt64LE(5n, 8);
    body[16] = 2;
    body.write('abc', 17, 'latin1');
    expect(w.chainHead.equals(walChainNext(Buffer.alloc(32), body))).toBe(true);
    await w.close();
  });

  it('drops an aborted frame and keeps the seq free', async () => {
    const { dir } = tempWal();
    const w = openNew(dir, { hashChain: true });
    w.beginFrame(1, tsFor(1), 1).bytes(payloadFor(1));
    w.endFrame();
    w.beginFrame(2, 0, 0).bytes(Buffer.from('half written'));
    w.abortFrame();
    expect(w.lastSeq).toBe(1);
    w.beginFrame(2, tsFor(2), 2).bytes(payloadFor(2));
    w.endFrame();
    await w.close();
    expectFrames(scan(dir, { hashChain: true }).frames, 1, 2);
  });

  it('tracks pending, flushed and synced seqs; one write and one sync per batch', async () => {
    const { dir } = tempWal();
    const w = openNew(dir, { hashChain: false });
    for (let seq = 1; seq <= 3; seq++) {
      w.beginFrame(seq, tsFor(seq), 0).bytes(payloadFor(seq));
      w.endFrame();
    }
    expect(w.pendingBytes).toBeGreaterThan(0);
    expect([w.lastSeq, w.flushedSeq, w.syncedSeq]).toEqual([3, 0, 0]);
    const sizeBefore = w.currentSegment.size;
    const pending = w.pendingBytes;
    w.flush();
    expect(w.pendingBytes).toBe(0);
    expect(w.currentSegment.size).toBe(sizeBefore + pending);
    expect(fs.statSync(w.currentSegment.file).size).toBe(sizeBefore + pending);
    expect([w.lastSeq, w.flushedSeq, w.syncedSeq]).toEqual([3, 3, 0]);
    const a = w.sync();
    const b = w.sync();
    expect(b).toBe(a); // coalesced: the in-flight fdatasync already covers these bytes
    await a;
    expect(w.syncedSeq).toBe(3);
    await w.sync(); // nothing to do
    await w.close();
  });

  it('enforces contiguous seqs, one open frame, and flush at frame boundaries', async () => {
    const { dir } = tempWal();
    const w = openNew(dir, { hashChain: false });
    expect(() => w.beginFrame(2, 0, 0)).toThrow(ValidationError);
    w.beginFrame(1, 0, 0);
    expect(() => w.beginFrame(2, 0, 0)).toThrow(ValidationError);
    expect(() => w.flush()).toThrow(ValidationError);
    w.endFrame();
    expect(() => w.endFrame()).toThrow(ValidationError);
    expect(() => w.beginFrame(2, -1, 0)).toThrow(ValidationError);
    expect(() => w.beginFrame(2, 0, 256)).toThrow(ValidationError);
    await w.close();
    await w.close(); // idempotent
    expect(() => w.beginFrame(2, 0, 0)).toThrow(ClosedError);
  });

  it('validates its options', () => {
    const { dir } = tempWal();
    const base = {
      dir,
      nextSeq: 1,
      prevChain: Buffer.alloc(32),
      hashChain: false,
      maxSegmentBytes: 1000,
    };
    expect(() => WalWriter.open({ ...base, nextSeq: 0 })).toThrow(ConfigError);
    expect(() => WalWriter.open({ ...base, prevChain: Buffer.alloc(3) })).toThrow(ConfigError);
    expect(() => WalWriter.open({ ...base, maxSegmentBytes: 10 })).toThrow(ConfigError);
    expect(() => WalWriter.open({ ...base, hmacKey: Buffer.alloc(0) })).toThrow(ConfigError);
  });

  it('never overwrites an existing segment', async () => {
    const { dir } = tempWal();
    await writeLog(dir, { hashChain: false }, 3);
    const err = (() => {
      try {
        openNew(dir, { hashChain: false });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).message).toContain(walSegmentFileName(1));
  });

  it('refuses to append at a size that is not the file size, or with other flags', async () => {
    const { dir } = tempWal();
    await writeLog(dir, { hashChain: true }, 3);
    const { result } = scan(dir, { hashChain: true });
    const appendTo = result.resume.appendTo;
    expect(appendTo).toBeDefined();
    if (appendTo === undefined) return;
    const opts = { dir, nextSeq: 4, prevChain: result.lastChain, maxSegmentBytes: 1 << 20 };
    expect(() =>
      WalWriter.open({
        ...opts,
        hashChain: true,
        appendTo: { ...appendTo, size: appendTo.size - 1 },
      }),
    ).toThrow(CorruptionError);
    expect(() => WalWriter.open({ ...opts, hashChain: false, appendTo })).toThrow(/tampered/);
  });

  it('rotates only after the old segment is durable and names the new one after the next seq', async () => {
    const { dir } = tempWal();
    const w = openNew(dir, { hashChain: true }, 200);
    await appendFrames(w, 1, 4, 4);
    const segs = w.segments();
    expect(segs.length).toBe(2);
    expect(path.basename(segs[1].file)).toBe(walSegmentFileName(5));
    expect(w.syncedSeq).toBe(4);
    expect(w.currentSegment.firstSeq).toBe(5);
    await w.close();
    const { result } = scan(dir, { hashChain: true });
    expect(result.lastSeq).toBe(4);
    expect(result.tailSegment?.file).toBe(segs[1].file);
    expect(result.tailSegment?.size).toBe(80);
  });

  it('rotation covers frames flushed while it waits for the old segment sync', async () => {
    const { dir } = tempWal();
    const w = openNew(dir, { hashChain: true }, 100);
    await appendFrames(w, 1, 2, 2);
    // A batch that is flushed while the rotation awaits: it must land in and be synced with
    // the old segment, and the new segment must start after it.
    w.beginFrame(3, tsFor(3), 3).bytes(payloadFor(3));
    w.endFrame();
    w.flush();
    const rotation = w.rotate();
    w.beginFrame(4, tsFor(4), 0).bytes(payloadFor(4));
    w.endFrame();
    w.flush();
    await rotation;
    expect(w.currentSegment.firstSeq).toBe(5);
    expect(w.syncedSeq).toBe(4);
    await appendFrames(w, 5, 6);
    await w.close();
    expectFrames(scan(dir, { hashChain: true }).frames, 1, 6);
  });
});

describe('WalWriter edge cases', () => {
  it('syncSync makes flushed frames durable synchronously', async () => {
    const { dir } = tempWal();
    const w = openNew(dir, { hashChain: false });
    w.beginFrame(1, tsFor(1), 1).bytes(payloadFor(1));
    w.endFrame();
    w.flush();
    w.syncSync();
    expect(w.syncedSeq).toBe(1);
    w.syncSync(); // nothing left
    FailPoints.arm('wal.sync', { times: 1 });
    w.beginFrame(2, tsFor(2), 2).bytes(payloadFor(2));
    w.endFrame();
    w.flush();
    expect(() => w.syncSync()).toThrow(IoError);
    expect(w.failed).toBeInstanceOf(IoError);
    await w.close();
  });

  it('round-trips a frame larger than the read chunk and the retained batch buffer', async () => {
    const { dir } = tempWal();
    const cfg = { hashChain: true, hmacKey: KEY };
    const w = openNew(dir, cfg);
    await appendFrames(w, 1, 3);
    const big = Buffer.alloc(9 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
    w.beginFrame(4, tsFor(4), 4).bytes(big);
    w.endFrame();
    w.flush();
    await appendFrames(w, 5, 7);
    await w.close();
    const { frames, result } = scan(dir, cfg);
    expect(frames.map((f) => f.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(frames[3].payload.equals(big)).toBe(true);
    expect(frames[6].payload.equals(payloadFor(7))).toBe(true);
    expect(result.bytesScanned).toBeGreaterThanOrEqual(fs.statSync(result.segments[0].file).size);
  });

  it('rejects a frame body over 64 MiB and drops it', async () => {
    const { dir } = tempWal();
    const w = openNew(dir, { hashChain: false });
    w.beginFrame(1, 0, 0).bytes(Buffer.alloc(64 * 1024 * 1024));
    expect(() => w.endFrame()).toThrow(/over the 67108864-byte limit/);
    expect(w.pendingBytes).toBe(0);
    expect(w.lastSeq).toBe(0);
    w.beginFrame(1, tsFor(1), 1).bytes(payloadFor(1));
    w.endFrame();
    await w.close();
    expectFrames(scan(dir, { hashChain: false }).frames, 1, 1);
  });

  it('refuses a second rotation while one runs, and close waits for it', async () => {
    const { dir } = tempWal();
    const w = openNew(dir, { hashChain: false }, 100);
    w.beginFrame(1, tsFor(1), 1).bytes(payloadFor(1));
    w.endFrame();
    w.flush();
    const first = w.rotate();
    await expect(w.rotate()).rejects.toThrow(ValidationError);
    const closing = w.close();
    await expect(first).rejects.toThrow(ClosedError);
    await closing;
    expectFrames(scan(dir, { hashChain: false }).frames, 1, 1);
  });
});

describe('WalWriter fail-stop', () => {
  it('a failed append poisons the writer', async () => {
    const { dir } = tempWal();
    const w = openNew(dir, { hashChain: true });
    await appendFrames(w, 1, 3);
    FailPoints.arm('wal.append', { error: 'ENOSPC', times: 1 });
    w.beginFrame(4, tsFor(4), 0).bytes(payloadFor(4));
    w.endFrame();
    expect(() => w.flush()).toThrow(IoError);
    expect(w.failed).toBeInstanceOf(IoError);
    // The fail point is disarmed now, yet everything keeps failing until a reopen.
    expect(() => w.beginFrame(5, 0, 0)).toThrow(IoError);
    expect(() => w.flush()).toThrow(/stopped after a failed write or sync/);
    await expect(w.sync()).rejects.toThrow(IoError);
    await expect(w.rotate()).rejects.toThrow(IoError);
    expect(() => w.syncSync()).toThrow(IoError);
    await w.close(); // releases the files without writing
    const s = scan(dir, { hashChain: true });
    expectFrames(s.frames, 1, 3);
  });

  it('a failed sync poisons the writer and names the file', async () => {
    const { dir } = tempWal();
    const w = openNew(dir, { hashChain: false });
    w.beginFrame(1, tsFor(1), 1).bytes(payloadFor(1));
    w.endFrame();
    w.flush();
    FailPoints.arm('wal.sync', { error: 'EIO', times: 1 });
    const err: unknown = await w.sync().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).message).toContain(walSegmentFileName(1));
    expect((err as IoError).details.errno).toBe('EIO');
    expect(w.syncedSeq).toBe(0);
    await expect(w.sync()).rejects.toThrow(IoError);
    expect(() => w.beginFrame(2, 0, 0)).toThrow(IoError);
    await w.close();
  });

  it('a failed rotation poisons the writer and leaves a readable log', async () => {
    const { dir } = tempWal();
    const w = openNew(dir, { hashChain: true }, 100); // every batch fills a segment
    await appendFrames(w, 1, 2, 2);
    FailPoints.arm('wal.rotate', { times: 1 });
    await appendFrames(w, 3, 3).catch(() => undefined);
    expect(w.failed).toBeInstanceOf(IoError);
    await w.close();
    const s = scan(dir, { hashChain: true });
    expectFrames(s.frames, 1, 3);
  });

  it('a failed directory fsync during rotation poisons the writer', async () => {
    const { dir } = tempWal();
    const w = openNew(dir, { hashChain: false }, 100); // every batch fills a segment
    await appendFrames(w, 1, 2, 2);
    FailPoints.arm('dir.sync', { times: 1 });
    await expect(appendFrames(w, 3, 3)).rejects.toThrow(IoError);
    expect(() => w.flush()).toThrow(IoError);
    await w.close();
    // The new segment exists with a valid header: a valid empty tail.
    const s = scan(dir, { hashChain: false });
    expect(s.result.lastSeq).toBe(3);
    expect(s.result.resume.appendTo?.file).toBe(path.join(dir, walSegmentFileName(4)));
  });
});
