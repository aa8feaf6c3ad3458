/**
 * Making the WAL directory match a scan result before new writes: the torn tail or the dropped
 * suffix is cut off and kept in `<data>/quarantine/` for forensics (never deleted).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AedbError } from '../errors';
import { fsyncDirectory, walIoError } from './wal-files';
import { WAL_SEGMENT_HEADER_SIZE } from './wal-format';
import { WalScanResult } from './wal-reader';

/** What {@link repairWal} did. */
export interface WalRepairReport {
  /** The segment cut at its good size, if any. */
  readonly truncated?: { readonly file: string; readonly size: number; readonly cutBytes: number };
  /** Files created in the quarantine directory (moved segments and saved tails). */
  readonly quarantined: string[];
}

/**
 * Apply a scan's `tornTail` or `dropped` to the directory: move later segments (newest first)
 * into `<dir>/../quarantine/`, then copy the bytes after the good size into the quarantine,
 * truncate the segment there (or move it whole when the damage is in its header) and fsync
 * files and directories. Afterwards a strict scan finds the same `lastSeq` and no damage.
 *
 * Order matters for a crash during repair: the removed bytes are durable in the quarantine
 * before they leave the log, and at every step the directory still holds a prefix of the
 * scanned log plus the damaged part, so scanning again yields the same result.
 * @throws IoError
 */
export function repairWal(dir: string, result: WalScanResult): WalRepairReport {
  const damage = result.dropped ?? result.tornTail;
  if (damage === undefined) return { quarantined: [] };
  const quarantine = path.join(dir, '..', 'quarantine');
  ensureDirectory(quarantine);
  const quarantined: string[] = [];

  const later = result.dropped?.laterSegments ?? [];
  for (let i = later.length - 1; i >= 0; i--) {
    const moved = moveToQuarantine(later[i], quarantine);
    if (moved !== undefined) quarantined.push(moved);
  }
  if (later.length > 0) {
    fsyncDirectory(quarantine);
    fsyncDirectory(dir);
  }

  let truncated: WalRepairReport['truncated'];
  if (damage.offset < WAL_SEGMENT_HEADER_SIZE) {
    const moved = moveToQuarantine(damage.file, quarantine);
    if (moved !== undefined) quarantined.push(moved);
  } else {
    const cut = cutTail(damage.file, damage.offset, quarantine);
    if (cut !== undefined) {
      quarantined.push(cut.saved);
      truncated = { file: damage.file, size: damage.offset, cutBytes: cut.bytes };
    }
  }
  fsyncDirectory(quarantine);
  fsyncDirectory(dir);
  return { ...(truncated === undefined ? {} : { truncated }), quarantined };
}

function ensureDirectory(dir: string): void {
  if (fs.existsSync(dir)) return;
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw walIoError('mkdir', dir, err);
  }
  fsyncDirectory(path.dirname(dir));
}

/** A quarantine path for `name` that does not exist yet. */
function quarantinePath(quarantine: string, name: string): string {
  const base = path.join(quarantine, `${name}.${Date.now()}`);
  let candidate = base;
  for (let n = 1; fs.existsSync(candidate); n++) candidate = `${base}-${n}`;
  return candidate;
}

/** Rename `file` into the quarantine; `undefined` when it is already gone (repair re-run). */
function moveToQuarantine(file: string, quarantine: string): string | undefined {
  if (!fs.existsSync(file)) return undefined;
  const target = quarantinePath(quarantine, path.basename(file));
  try {
    fs.renameSync(file, target);
  } catch (err) {
    throw walIoError('quarantine move', file, err);
  }
  return target;
}

/** Save `[offset, EOF)` of `file` to the quarantine (fsynced), then truncate and fsync `file`. */
function cutTail(
  file: string,
  offset: number,
  quarantine: string,
): { saved: string; bytes: number } | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r+');
  } catch (err) {
    throw walIoError('open', file, err);
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size <= offset) return undefined;
    const tail = Buffer.allocUnsafe(size - offset);
    let got = 0;
    while (got < tail.length) {
      const r = fs.readSync(fd, tail, got, tail.length - got, offset + got);
      if (r === 0) break;
      got += r;
    }
    const saved = quarantinePath(quarantine, `${path.basename(file)}.tail-at-${offset}`);
    writeDurably(saved, tail.subarray(0, got));
    // The tail's quarantine entry must be durable before the bytes leave the log.
    fsyncDirectory(quarantine);
    fs.ftruncateSync(fd, offset);
    fs.fsyncSync(fd);
    return { saved, bytes: got };
  } catch (err) {
    if (err instanceof AedbError) throw err;
    throw walIoError('truncate', file, err);
  } finally {
    fs.closeSync(fd);
  }
}

function writeDurably(file: string, data: Buffer): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'wx');
    let done = 0;
    while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done, done);
    fs.fsyncSync(fd);
  } catch (err) {
    throw walIoError('quarantine write', file, err);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
