import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WalScanOptions, WalScanResult, scanWal } from '../../../src/storage/wal/wal-reader';
import { WalWriter, WalWriterOptions } from '../../../src/storage/wal/wal-writer';

/** A fresh data directory with its `wal/` subdirectory path. */
export function tempWal(): { root: string; dir: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aedb-wal-'));
  return { root, dir: path.join(root, 'wal') };
}

/** Deterministic payload of varying length for a seq. */
export function payloadFor(seq: number): Buffer {
  const len = 10 + ((seq * 7) % 50);
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = (seq * 31 + i) & 0xff;
  return b;
}

/** Timestamp used for a seq. */
export function tsFor(seq: number): number {
  return 1_700_000_000_000_000 + seq;
}

export interface LogConfig {
  hashChain: boolean;
  hmacKey?: Buffer;
}

/** Append frames `from..to` (one batch per `batch` frames, synced), return the writer still open. */
export async function appendFrames(
  w: WalWriter,
  from: number,
  to: number,
  batch = 3,
): Promise<void> {
  for (let seq = from; seq <= to; seq++) {
    w.beginFrame(seq, tsFor(seq), seq % 4).bytes(payloadFor(seq));
    w.endFrame();
    if ((seq - from + 1) % batch === 0 || seq === to) {
      w.flush();
      await w.sync();
      if (w.needsRotation()) await w.rotate();
    }
  }
}

/** Write a new log with frames 1..count and close it. */
export async function writeLog(
  dir: string,
  cfg: LogConfig,
  count: number,
  maxSegmentBytes = 1 << 20,
): Promise<void> {
  const w = WalWriter.open({
    dir,
    nextSeq: 1,
    prevChain: Buffer.alloc(32),
    maxSegmentBytes,
    ...cfg,
  });
  await appendFrames(w, 1, count);
  await w.close();
}

/** Open a writer where a scan says the log continues. */
export function reopen(
  dir: string,
  cfg: LogConfig,
  scan: WalScanResult,
  maxSegmentBytes = 1 << 20,
): WalWriter {
  const opts: WalWriterOptions = {
    dir,
    nextSeq: scan.resume.nextSeq,
    prevChain: scan.resume.prevChain,
    maxSegmentBytes,
    ...cfg,
    ...(scan.resume.appendTo === undefined ? {} : { appendTo: scan.resume.appendTo }),
  };
  return WalWriter.open(opts);
}

export interface Frame {
  seq: number;
  ts: number;
  kind: number;
  payload: Buffer;
}

/** Scan and collect the delivered frames. */
export function scan(
  dir: string,
  cfg: LogConfig,
  extra: Partial<Omit<WalScanOptions, 'onFrame'>> = {},
): { result: WalScanResult; frames: Frame[] } {
  const frames: Frame[] = [];
  const result = scanWal(dir, {
    afterSeq: 0,
    mode: 'strict',
    ...cfg,
    ...extra,
    onFrame: (seq, ts, kind, payload) =>
      frames.push({ seq, ts, kind, payload: Buffer.from(payload) }),
  });
  return { result, frames };
}

/** Assert that frames are exactly `from..to` with the deterministic content. */
export function expectFrames(frames: Frame[], from: number, to: number): void {
  expect(frames.map((f) => f.seq)).toEqual(range(from, to));
  for (const f of frames) {
    expect(f.ts).toBe(tsFor(f.seq));
    expect(f.kind).toBe(f.seq % 4);
    expect(f.payload.equals(payloadFor(f.seq))).toBe(true);
  }
}

export function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

/** Offsets of the frames of a segment file (parsing lengths only). */
export function frameOffsets(file: string): number[] {
  const buf = fs.readFileSync(file);
  const out: number[] = [];
  for (let off = 80; off + 8 <= buf.length; off += 8 + buf.readUInt32LE(off)) out.push(off);
  return out;
}

/** Catch a thrown error (sync). */
export function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}
