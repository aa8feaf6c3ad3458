/**
 * The WAL writer: frames commits into a reusable batch buffer, writes each batch with one
 * `writeSync`, makes it durable with one asynchronous `fdatasync`, and rotates segments.
 *
 * Durability contract (DESIGN §4.2, §4.3):
 * - `flush()` puts the batch in the page cache (fast, synchronous, ordered with the appends);
 *   `sync()` makes everything flushed so far durable. Only `sync()` is asynchronous, so the
 *   event loop is not blocked on the device and the next batch can form while one syncs.
 * - Fail-stop: after a failed write, fsync or rotation the writer is *poisoned* and every later
 *   call throws {@link IoError}. After a failed fsync the kernel may have dropped the dirty
 *   pages and marked them clean ("fsyncgate"), so a retry that succeeds proves nothing; only a
 *   reopen, whose recovery reads what is really on disk, is safe.
 * - Ordering: a frame in a new segment must never be durable while an earlier frame is not, so
 *   rotation first syncs the old segment completely and only then creates the next one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ClosedError, ConfigError, IoError, ValidationError } from '../errors';
import { FailPoints } from '../fail-points';
import { FrameSink, WalBatchBuffer } from './wal-batch-buffer';
import { WalSegmentInfo, fsyncDirectory, walIoError } from './wal-files';
import {
  SegmentHandle,
  closeQuietly,
  createSegment,
  openSegmentForAppend,
  releaseHandle,
} from './wal-segment-handle';
import {
  WAL_BODY_PREFIX_SIZE,
  WAL_DIGEST_SIZE,
  WAL_FRAME_HEADER_SIZE,
  WAL_MAX_BODY_SIZE,
  WAL_SEGMENT_HEADER_SIZE,
  WAL_ZERO_CHAIN,
  walChainNext,
  walFlags,
  walFrameCrc,
  walHmac,
  walTrailerSize,
  writeU64,
} from './wal-format';

/** Options of {@link WalWriter.open}. */
export interface WalWriterOptions {
  /** The `wal/` directory (created when missing). */
  readonly dir: string;
  /** Seq of the next frame to write (`lastSeq + 1` of the recovered log; 1 for a new log). */
  readonly nextSeq: number;
  /** Chain value after `nextSeq - 1` (32 bytes; zeros for a new log or when the chain is off). */
  readonly prevChain: Buffer;
  /** Append a SHA-256 chain value to every frame. */
  readonly hashChain: boolean;
  /** When set, append an HMAC-SHA256 with this key to every frame. */
  readonly hmacKey?: Buffer;
  /** Rotate once the current segment reaches this size (a segment may exceed it by one batch). */
  readonly maxSegmentBytes: number;
  /**
   * Continue the existing segment `file`, whose verified content ends at `size` (the scan's
   * `tailSegment` after `repairWal`). Without it a new segment named after `nextSeq` is created.
   */
  readonly appendTo?: { readonly file: string; readonly size: number };
}

/**
 * Appends frames to the segmented WAL. Single-threaded use by the commit actor: build frames
 * with {@link WalWriter.beginFrame}/{@link WalWriter.endFrame}, then {@link WalWriter.flush}
 * once per batch, then (per durability mode) await {@link WalWriter.sync}.
 *
 * @example
 * ```ts
 * const w = WalWriter.open({ dir, nextSeq: 1, prevChain: Buffer.alloc(32), hashChain: true,
 *   maxSegmentBytes: 64 << 20 });
 * const sink = w.beginFrame(1, nowMicros, KIND_COMMIT);
 * sink.varint(key.length).latin1(key).bytes(value);
 * w.endFrame();
 * w.flush();
 * await w.sync();
 * if (w.needsRotation()) await w.rotate();
 * ```
 */
export class WalWriter {
  private readonly dir: string;
  private readonly hashChain: boolean;
  private readonly hmacKey: Buffer | undefined;
  private readonly flags: number;
  private readonly trailerSize: number;
  private readonly maxSegmentBytes: number;
  private readonly batch = new WalBatchBuffer();
  private current: SegmentHandle;
  private readonly history: SegmentHandle[] = [];

  /** Seq and chain after the last ended frame (pending or flushed). */
  private seq: number;
  private chain: Buffer;
  /** Seq and chain after the last frame handed to the kernel. */
  private flushed: number;
  private flushedChain: Buffer;
  private synced: number;

  /** Open frame: its start in the batch buffer and its seq, or -1. */
  private frameStart = -1;
  private frameSeq = 0;

  private failure: IoError | undefined;
  private rotating = false;
  private rotation: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  private constructor(opts: WalWriterOptions, segment: SegmentHandle) {
    this.dir = opts.dir;
    this.hashChain = opts.hashChain;
    this.hmacKey = opts.hmacKey === undefined ? undefined : Buffer.from(opts.hmacKey);
    this.flags = walFlags(opts.hashChain, opts.hmacKey !== undefined);
    this.trailerSize = walTrailerSize(opts.hashChain, opts.hmacKey !== undefined);
    this.maxSegmentBytes = opts.maxSegmentBytes;
    this.current = segment;
    this.history.push(segment);
    this.seq = this.flushed = this.synced = opts.nextSeq - 1;
    this.chain = this.flushedChain = chainOrZero(opts.hashChain, opts.prevChain);
  }

  /**
   * Open the writer: continue `appendTo` (checking its header against the configuration and
   * fsyncing it, so that what recovery just replayed from the page cache is durable before
   * anything new depends on it), or create a new segment named after `nextSeq` (header written,
   * file and directory fsynced).
   * @throws ConfigError for invalid options, CorruptionError when `appendTo` does not match its
   *   header or size, IoError when a file operation fails.
   */
  static open(opts: WalWriterOptions): WalWriter {
    validateOptions(opts);
    const flags = walFlags(opts.hashChain, opts.hmacKey !== undefined);
    if (opts.appendTo !== undefined) {
      return new WalWriter(opts, openSegmentForAppend(opts.appendTo, flags, opts.nextSeq));
    }
    if (!fs.existsSync(opts.dir)) {
      try {
        fs.mkdirSync(opts.dir, { recursive: true });
      } catch (err) {
        throw walIoError('mkdir', opts.dir, err);
      }
      // The new directory's own entry must survive a crash too, or its segments vanish with it.
      fsyncDirectory(path.dirname(opts.dir));
    }
    const segment = createSegment(
      opts.dir,
      flags,
      opts.nextSeq,
      chainOrZero(opts.hashChain, opts.prevChain),
    );
    return new WalWriter(opts, segment);
  }

  /**
   * Start the frame for `seq` (must be `lastSeq + 1`) and return the sink to write its payload
   * into. Finish with {@link endFrame} or drop with {@link abortFrame}.
   * @throws IoError when poisoned, ClosedError after close, ValidationError on misuse.
   */
  beginFrame(seq: number, timestampMicros: number, kind: number): FrameSink {
    this.assertWritable();
    if (this.frameStart >= 0) {
      throw new ValidationError(`WAL frame ${this.frameSeq} is still open; end or abort it first`);
    }
    if (seq !== this.seq + 1) {
      throw new ValidationError(`WAL frame seq ${seq} is not contiguous: expected ${this.seq + 1}`);
    }
    if (!Number.isSafeInteger(timestampMicros) || timestampMicros < 0) {
      throw new ValidationError(`WAL frame timestamp must be a non-negative safe integer`, {
        timestampMicros,
      });
    }
    if (!(kind >= 0 && kind <= 255 && Number.isInteger(kind))) {
      throw new ValidationError(`WAL frame kind must be 0..255, got ${kind}`);
    }
    const b = this.batch;
    b.ensure(WAL_FRAME_HEADER_SIZE + WAL_BODY_PREFIX_SIZE);
    const start = b.pos;
    const body = start + WAL_FRAME_HEADER_SIZE;
    writeU64(b.buf, body, seq);
    writeU64(b.buf, body + 8, timestampMicros);
    b.buf[body + 16] = kind;
    b.pos = b.payloadStart = body + WAL_BODY_PREFIX_SIZE;
    this.frameStart = start;
    this.frameSeq = seq;
    return b;
  }

  /**
   * Seal the open frame: append chain value and HMAC, fill in length and CRC. The frame is part
   * of the pending batch from now on ({@link lastSeq} advances).
   * @throws ValidationError when no frame is open or the body exceeds 64 MiB (the frame is
   *   dropped in that case).
   */
  endFrame(): void {
    if (this.frameStart < 0) throw new ValidationError('no WAL frame is open');
    const b = this.batch;
    const start = this.frameStart;
    const bodyStart = start + WAL_FRAME_HEADER_SIZE;
    const bodyLength = b.pos - bodyStart + this.trailerSize;
    if (bodyLength > WAL_MAX_BODY_SIZE) {
      this.abortFrame();
      throw new ValidationError(
        `WAL frame ${this.frameSeq} body is ${bodyLength} bytes, over the ${WAL_MAX_BODY_SIZE}-byte limit`,
      );
    }
    b.ensure(this.trailerSize);
    const buf = b.buf;
    if (this.hashChain) {
      const next = walChainNext(this.chain, buf.subarray(bodyStart, b.pos));
      buf.set(next, b.pos);
      b.pos += WAL_DIGEST_SIZE;
      this.chain = next;
    }
    if (this.hmacKey !== undefined) {
      buf.set(walHmac(this.hmacKey, buf.subarray(bodyStart, b.pos)), b.pos);
      b.pos += WAL_DIGEST_SIZE;
    }
    buf.writeUInt32LE(bodyLength, start);
    buf.writeUInt32LE(walFrameCrc(buf, start, bodyLength), start + 4);
    this.seq = this.frameSeq;
    this.frameStart = -1;
    b.payloadStart = b.pos;
  }

  /** Drop the open frame (the caller hit an error while encoding it). No-op when none is open. */
  abortFrame(): void {
    if (this.frameStart < 0) return;
    this.batch.pos = this.batch.payloadStart = this.frameStart;
    this.frameStart = -1;
  }

  /** Bytes of ended (and open) frames not yet flushed. */
  get pendingBytes(): number {
    return this.batch.pos;
  }

  /**
   * Write every pending frame to the current segment with one `writeSync` (page cache, not
   * yet durable). Hits the `wal.append` fail point. No-op when nothing is pending.
   * @throws IoError (and poisons the writer) when the write fails.
   */
  flush(): void {
    this.assertWritable();
    if (this.frameStart >= 0) {
      throw new ValidationError(`cannot flush while WAL frame ${this.frameSeq} is open`);
    }
    this.writePending();
  }

  private writePending(): void {
    const b = this.batch;
    if (b.pos === 0) return;
    const seg = this.current;
    try {
      FailPoints.hit('wal.append');
      let done = 0;
      while (done < b.pos) {
        const n = fs.writeSync(seg.fd, b.buf, done, b.pos - done, seg.size + done);
        if (n <= 0) throw new Error(`short write (${done} of ${b.pos} bytes)`);
        done += n;
      }
    } catch (err) {
      // Part of the batch may be in the file: recovery will see it as a torn tail.
      throw this.poison(walIoError('append', seg.file, err));
    }
    seg.size += b.pos;
    this.flushed = this.seq;
    this.flushedChain = this.chain;
    b.reset();
  }

  /**
   * Make every flushed frame durable with one asynchronous `fdatasync` (only the current
   * segment can hold unsynced bytes: rotation syncs the old one before switching). Concurrent
   * calls covering the same bytes share one fdatasync. Hits the `wal.sync` fail point.
   * @throws IoError (rejects, and poisons the writer) when the sync fails.
   */
  sync(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.poisonedError());
    const seg = this.current;
    const target = seg.size;
    if (seg.syncedSize >= target) return Promise.resolve();
    if (seg.syncPromise !== undefined && seg.syncTarget >= target) return seg.syncPromise;
    try {
      FailPoints.hit('wal.sync');
    } catch (err) {
      return Promise.reject(this.poison(walIoError('fdatasync', seg.file, err)));
    }
    const seqTarget = this.flushed;
    seg.inflight++;
    const promise = new Promise<void>((resolve, reject) => {
      fs.fdatasync(seg.fd, (err) => {
        seg.inflight--;
        if (seg.syncTarget === target) seg.syncPromise = undefined;
        if (err !== null) {
          reject(this.poison(walIoError('fdatasync', seg.file, err)));
        } else if (this.failure !== undefined) {
          // Another write or sync failed meanwhile: this success cannot be trusted either.
          reject(this.poisonedError());
        } else {
          if (target > seg.syncedSize) seg.syncedSize = target;
          if (seqTarget > this.synced) this.synced = seqTarget;
          resolve();
        }
        if (seg.released && seg.inflight === 0) closeQuietly(seg);
      });
    });
    seg.syncTarget = target;
    seg.syncPromise = promise;
    return promise;
  }

  /**
   * Synchronous {@link sync} for shutdown paths that cannot await (blocks the event loop).
   * @throws IoError (and poisons the writer) when the sync fails.
   */
  syncSync(): void {
    if (this.failure !== undefined) throw this.poisonedError();
    const seg = this.current;
    const target = seg.size;
    if (seg.syncedSize >= target) return;
    try {
      FailPoints.hit('wal.sync');
      fs.fdatasyncSync(seg.fd);
    } catch (err) {
      throw this.poison(walIoError('fdatasync', seg.file, err));
    }
    seg.syncedSize = target;
    this.synced = this.flushed;
  }

  /** True when the current segment reached `maxSegmentBytes` and no rotation is running. */
  needsRotation(): boolean {
    return !this.rotating && this.current.size >= this.maxSegmentBytes;
  }

  /**
   * Start a new segment named after the next seq to flush, with `prevChain` = the chain value
   * after the last flushed frame. Call at a batch boundary (after `flush`). Frames are never
   * split: a segment ends after a whole batch.
   *
   * Order: (1) fdatasync the old segment until every byte flushed to it is durable — frames
   * flushed while awaiting go to the old segment and are covered by the next round; (2) then,
   * synchronously so no flush can interleave, create the new file, write its header, fsync it
   * and the directory (fail points `wal.rotate`, `dir.sync`); (3) switch. A crash at any point
   * leaves either no new file, an empty or torn new file (recovery cuts it as a torn tail), or a
   * valid empty segment.
   * @throws IoError (and poisons the writer) when a sync or file operation fails.
   */
  rotate(): Promise<void> {
    if (this.rotating) {
      return Promise.reject(
        new ValidationError(`a WAL rotation is already running in ${this.dir}`),
      );
    }
    const rotation = this.doRotate();
    this.rotation = rotation;
    return rotation;
  }

  private async doRotate(): Promise<void> {
    this.assertWritable();
    this.rotating = true;
    try {
      const old = this.current;
      while (old.syncedSize < old.size) await this.sync();
      // Everything below runs without yielding, so no flush can land between the final check
      // above and the switch: the old segment is complete and durable when the new one appears.
      this.assertWritable();
      let next: SegmentHandle;
      try {
        FailPoints.hit('wal.rotate');
        next = createSegment(this.dir, this.flags, this.flushed + 1, this.flushedChain);
      } catch (err) {
        throw this.poison(err instanceof IoError ? err : walIoError('rotate', this.dir, err));
      }
      this.current = next;
      this.history.push(next);
      releaseHandle(old);
    } finally {
      this.rotating = false;
    }
  }

  /** Seq of the last ended frame (flushed or pending); `nextSeq - 1` right after open. */
  get lastSeq(): number {
    return this.seq;
  }

  /** Seq of the last frame handed to the kernel by {@link flush}. */
  get flushedSeq(): number {
    return this.flushed;
  }

  /** Seq of the last frame known durable (covered by a completed fdatasync). */
  get syncedSeq(): number {
    return this.synced;
  }

  /** Chain value after {@link lastSeq} (a copy; zeros when the chain is off). */
  get chainHead(): Buffer {
    return Buffer.from(this.chain);
  }

  /** The segment being appended to; `size` counts flushed bytes. */
  get currentSegment(): WalSegmentInfo {
    const s = this.current;
    return { file: s.file, firstSeq: s.firstSeq, size: s.size };
  }

  /** The error that poisoned the writer, if any. */
  get failed(): IoError | undefined {
    return this.failure;
  }

  /**
   * The segments this writer appended to or created since it was opened, oldest first (some
   * may have been removed since by `removeSegmentsBefore`; use `listSegments` for the directory).
   */
  segments(): WalSegmentInfo[] {
    return this.history.map((s) => ({ file: s.file, firstSeq: s.firstSeq, size: s.size }));
  }

  /**
   * Flush, sync and close the files. Idempotent (later calls return the same promise). A
   * poisoned writer only releases its files: the failure was already reported, and nothing may
   * be written after it. An open frame is dropped.
   * @throws IoError when the final flush or sync fails (the files are released anyway).
   */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    try {
      // Let a running rotation finish first (its outcome is reported to its own caller).
      if (this.rotation !== undefined) await this.rotation.then(noop, noop);
      if (this.failure !== undefined) return;
      this.abortFrame();
      this.writePending();
      const seg = this.current;
      while (seg.syncedSize < seg.size) await this.sync();
    } finally {
      for (const s of this.history) releaseHandle(s);
    }
  }

  private assertWritable(): void {
    if (this.failure !== undefined) throw this.poisonedError();
    if (this.closing !== undefined) {
      throw new ClosedError(`the WAL writer for ${this.dir} is closed`, { dir: this.dir });
    }
  }

  private poison(err: IoError): IoError {
    this.failure ??= err;
    return err;
  }

  private poisonedError(): IoError {
    const cause = this.failure as IoError;
    return new IoError(
      `the WAL writer for ${this.dir} stopped after a failed write or sync (${cause.message}); ` +
        'reopen the instance so recovery rebuilds state from disk',
      { ...cause.details, dir: this.dir, poisoned: true },
      { cause },
    );
  }
}

function noop(): void {}

function validateOptions(opts: WalWriterOptions): void {
  if (!Number.isSafeInteger(opts.nextSeq) || opts.nextSeq < 1) {
    throw new ConfigError(`WAL nextSeq must be a positive safe integer, got ${opts.nextSeq}`);
  }
  if (opts.prevChain.length !== WAL_DIGEST_SIZE) {
    throw new ConfigError(`WAL prevChain must be ${WAL_DIGEST_SIZE} bytes`, {
      length: opts.prevChain.length,
    });
  }
  if (
    !Number.isSafeInteger(opts.maxSegmentBytes) ||
    opts.maxSegmentBytes <= WAL_SEGMENT_HEADER_SIZE
  ) {
    throw new ConfigError(
      `WAL maxSegmentBytes must be an integer above ${WAL_SEGMENT_HEADER_SIZE}, got ${opts.maxSegmentBytes}`,
    );
  }
  if (opts.hmacKey !== undefined && opts.hmacKey.length === 0) {
    throw new ConfigError('WAL hmacKey must not be empty');
  }
}

function chainOrZero(hashChain: boolean, chain: Buffer): Buffer {
  return Buffer.from(hashChain ? chain : WAL_ZERO_CHAIN);
}
