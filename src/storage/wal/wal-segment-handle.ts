/**
 * An open segment file as the WAL writer holds it, and the file operations that create or
 * reopen one. The writer owns the ordering; these functions own the bytes and the fsyncs.
 * @internal
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CorruptionError, IoError } from '../errors';
import { fsyncDirectory, walIoError } from './wal-files';
import {
  WAL_SEGMENT_HEADER_SIZE,
  decodeWalSegmentHeader,
  describeWalFlags,
  encodeWalSegmentHeader,
  parseWalSegmentFileName,
  walSegmentFileName,
} from './wal-format';

/** An open segment and its write/sync progress. */
export interface SegmentHandle {
  fd: number;
  readonly file: string;
  readonly firstSeq: number;
  /** Bytes written to the file (header included). */
  size: number;
  /** Bytes known durable. */
  syncedSize: number;
  /** Size covered by the newest in-flight fdatasync, and its promise (for coalescing). */
  syncTarget: number;
  syncPromise: Promise<void> | undefined;
  /** In-flight fdatasync calls: the fd must stay open until they return. */
  inflight: number;
  released: boolean;
}

/**
 * Create a new segment named after `firstSeq`: write its header, fsync the file, then fsync the
 * directory (so the name is durable too). Never overwrites an existing file.
 * @throws IoError
 */
export function createSegment(
  dir: string,
  flags: number,
  firstSeq: number,
  prevChain: Buffer,
): SegmentHandle {
  const file = path.join(dir, walSegmentFileName(firstSeq));
  const header = encodeWalSegmentHeader({
    flags,
    firstSeq,
    createdAtMicros: Date.now() * 1000,
    prevChain,
  });
  let fd: number | undefined;
  try {
    // 'wx': never overwrite a segment; a leftover file means recovery did not repair the dir.
    fd = fs.openSync(file, 'wx');
    fs.writeSync(fd, header, 0, header.length, 0);
    fs.fsyncSync(fd);
  } catch (err) {
    if (fd !== undefined) closeFdQuietly(fd);
    throw walIoError('segment create', file, err);
  }
  try {
    fsyncDirectory(dir);
  } catch (err) {
    closeFdQuietly(fd);
    throw err;
  }
  return newHandle(fd, file, firstSeq, header.length);
}

/**
 * Open an existing segment to continue it at `target.size`: the file size, the header's first
 * seq (against the name and `nextSeq`) and its flags must match. The file is fsynced before it
 * is used.
 * @throws CorruptionError, IoError
 */
export function openSegmentForAppend(
  target: { readonly file: string; readonly size: number },
  flags: number,
  nextSeq: number,
): SegmentHandle {
  const { file, size } = target;
  let fd: number;
  try {
    fd = fs.openSync(file, 'r+');
  } catch (err) {
    throw walIoError('open', file, err);
  }
  try {
    const actual = fs.fstatSync(fd).size;
    if (actual !== size) {
      throw new CorruptionError(
        `WAL segment ${file} is ${actual} bytes but the writer was asked to append at ${size}; ` +
          'run repairWal on the scan result first',
        { file, offset: size, size: actual },
      );
    }
    const head = Buffer.alloc(WAL_SEGMENT_HEADER_SIZE);
    if (size >= WAL_SEGMENT_HEADER_SIZE) fs.readSync(fd, head, 0, head.length, 0);
    const decoded = decodeWalSegmentHeader(head);
    const named = parseWalSegmentFileName(path.basename(file));
    if (typeof decoded === 'string' || decoded.firstSeq !== named || decoded.firstSeq > nextSeq) {
      throw new CorruptionError(`WAL segment ${file} has an invalid header; cannot append to it`, {
        file,
        offset: 0,
        reason: typeof decoded === 'string' ? decoded : 'firstSeq does not match name or nextSeq',
      });
    }
    if (decoded.flags !== flags) {
      throw new CorruptionError(
        `WAL segment ${file} was written with ${describeWalFlags(decoded.flags)} but the ` +
          `configuration says ${describeWalFlags(flags)}: wrong HMAC key/chain setting or tampered log`,
        { file, offset: 10, reason: 'flags mismatch' },
      );
    }
    // Recovery may have replayed frames that were only in the page cache when the previous
    // process died; make them durable before new frames (and acknowledgements) build on them.
    fs.fsyncSync(fd);
    const handle = newHandle(fd, file, decoded.firstSeq, size);
    return handle;
  } catch (err) {
    closeFdQuietly(fd);
    if (err instanceof CorruptionError || err instanceof IoError) throw err;
    throw walIoError('open', file, err);
  }
}

/** A handle for a freshly opened segment whose first `size` bytes are durable. */
function newHandle(fd: number, file: string, firstSeq: number, size: number): SegmentHandle {
  return {
    fd,
    file,
    firstSeq,
    size,
    syncedSize: size,
    syncTarget: size,
    syncPromise: undefined,
    inflight: 0,
    released: false,
  };
}

/** Close the fd now, or when its last in-flight fdatasync returns (closing earlier could let the fd number be reused under it). */
export function releaseHandle(seg: SegmentHandle): void {
  if (seg.released) return;
  seg.released = true;
  if (seg.inflight === 0) closeQuietly(seg);
}

export function closeQuietly(seg: SegmentHandle): void {
  closeFdQuietly(seg.fd);
  seg.fd = -1;
}

export function closeFdQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // close() after fsync cannot lose data that fsync reported durable, and on a failure path
    // the original error is the one to report; nothing useful to do with this one.
  }
}
