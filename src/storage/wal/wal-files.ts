/**
 * File-level operations on the WAL directory: listing segments, the directory fsync that makes
 * a created, renamed or deleted segment durable, and dropping segments a checkpoint covers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IoError, describeError } from '../errors';
import { FailPoints } from '../fail-points';
import { parseWalSegmentFileName } from './wal-format';

/** A segment file in the WAL directory. */
export interface WalSegmentInfo {
  /** Absolute (or as given) path of the file. */
  readonly file: string;
  /** The seq of its first frame, from its name. */
  readonly firstSeq: number;
  /** Size in bytes. */
  readonly size: number;
}

/** Wrap a Node fs error into an {@link IoError} naming the operation and file. */
export function walIoError(op: string, file: string, err: unknown): IoError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return new IoError(
    `WAL ${op} failed for ${file}: ${describeError(err)}`,
    { file, op, ...(code === undefined ? {} : { errno: code }) },
    { cause: err },
  );
}

/**
 * fsync a directory so that entries created, renamed or removed in it survive a crash
 * (on Linux a new file's data can be durable while its name is not). Hits `dir.sync`.
 * @throws IoError
 */
export function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    FailPoints.hit('dir.sync');
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (err) {
    throw walIoError('directory fsync', dir, err);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * The segments in `dir`, sorted by first seq. Files whose names are not
 * `<20 digits>.wal` are ignored. A missing directory lists as empty.
 * @throws IoError
 */
export function listSegments(dir: string): WalSegmentInfo[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw walIoError('list', dir, err);
  }
  const out: WalSegmentInfo[] = [];
  for (const name of names) {
    const firstSeq = parseWalSegmentFileName(name);
    if (firstSeq === undefined) continue;
    const file = path.join(dir, name);
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch (err) {
      throw walIoError('stat', file, err);
    }
    if (!st.isFile()) continue;
    out.push({ file, firstSeq, size: st.size });
  }
  // Zero padding makes name order equal seq order, but sort numerically to be independent of it.
  out.sort((a, b) => a.firstSeq - b.firstSeq);
  return out;
}

/**
 * Delete the segments whose frames all have `seq <= seq` — known from the successor's first seq,
 * without reading them — oldest first, and fsync the directory. The last segment is never
 * deleted (the writer appends to it and it anchors the next seq). Call it only after a
 * checkpoint at `seq` or later is durable. Returns the deleted files.
 *
 * Deleting oldest first keeps the directory a contiguous suffix of the log if the process dies
 * half way.
 * @throws IoError
 */
export function removeSegmentsBefore(dir: string, seq: number): string[] {
  const segments = listSegments(dir);
  const removed: string[] = [];
  for (let i = 0; i + 1 < segments.length; i++) {
    if (segments[i + 1].firstSeq > seq + 1) break;
    try {
      fs.unlinkSync(segments[i].file);
    } catch (err) {
      throw walIoError('delete', segments[i].file, err);
    }
    removed.push(segments[i].file);
  }
  if (removed.length > 0) fsyncDirectory(dir);
  return removed;
}
