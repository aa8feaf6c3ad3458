import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { mkdir, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import * as path from 'node:path';

import { AedbError, IoError, UnavailableError, describeError } from '../errors';
import { FailPoints } from '../fail-points';
import { CheckpointEncoder, type CheckpointTree } from './checkpoint-encoder';
import {
  CHECKPOINT_TEMP_SUFFIX,
  checkpointFileName,
  encodeCheckpointHeader,
} from './checkpoint-format';
import { validateCheckpointImage, validateWriteOptions } from './checkpoint-image';
import { asLatin1Buffer, type Latin1Buffer } from '../latin1-buffer';
import { syncDirectory } from './sync-directory';

export type { CheckpointSource, CheckpointTree } from './checkpoint-encoder';
export { DEFAULT_CHUNK_BYTES, DEFAULT_SLICE_BUDGET_MS } from './checkpoint-image';

/** The state to write: every tree at one seq, plus the engine's own metadata. */
export interface CheckpointImage {
  /** The commit seq the image is at; no entry may carry a larger seq. */
  readonly seq: number;
  /** Wall-clock time of the checkpoint, epoch microseconds. */
  readonly createdAtMicros: number;
  /** The WAL hash-chain value at `seq` (32 bytes; zeros when the chain is off). */
  readonly chainHead: Uint8Array;
  /** An opaque blob (catalog etc.) returned as is by the reader; at most 4 GiB - 1. */
  readonly meta: Uint8Array;
  /** The trees, in the order they are stored and returned; ids unique. */
  readonly trees: readonly CheckpointTree[];
}

/** Options of {@link writeCheckpoint}. */
export interface CheckpointWriteOptions {
  /** When set, the trailer is an HMAC-SHA256 with this key and the file is flagged keyed. */
  readonly hmacKey?: Uint8Array;
  /** Longest synchronous stretch before yielding to the event loop, ms (default 4). */
  readonly sliceBudgetMs?: number;
  /** Checked between slices; when it turns `aborted` the write stops and rejects. */
  readonly signal?: { readonly aborted: boolean };
  /** Size of each of the two encode buffers, bytes (default 512 KiB). */
  readonly chunkBytes?: number;
}

/** What {@link writeCheckpoint} wrote. */
export interface CheckpointWriteResult {
  /** Path of the final checkpoint file. */
  readonly file: string;
  /** The image seq. */
  readonly seq: number;
  /** File size, bytes. */
  readonly bytes: number;
  /** Entries written, over all trees. */
  readonly entries: number;
  /** Wall time from call to durable rename, ms. */
  readonly durationMs: number;
  /** Longest synchronous stretch the writer held the event loop, ms. */
  readonly longestSliceMs: number;
}

/** Bytes written between intermediate fsyncs of the image. */
const SYNC_EVERY_BYTES = 8 * 1024 * 1024;

/**
 * Write `image` as `<dir>/<seq>.ckpt`, durably and without blocking the event loop.
 *
 * Entries are encoded leaf by leaf into one of two reusable buffers while the other is being
 * written, the hash is fed chunk by chunk, and the writer yields (`setImmediate`) whenever it
 * has held the loop for `sliceBudgetMs`, so commits and reads keep flowing. The file is
 * written as `<name>.tmp`, fsynced, renamed, and the directory fsynced.
 *
 * Fail points: `checkpoint.write` before each write, `checkpoint.sync` before the file fsync,
 * `checkpoint.rename` before the rename, `dir.sync` before the directory fsync.
 *
 * On any failure the temp file is removed (best effort), a file renamed into place just before
 * a failed directory sync is removed again unless that name already existed, and no other
 * checkpoint is touched.
 *
 * @throws ValidationError when the image or options are malformed, or a tree breaks an
 *   invariant (unsorted keys, entry seq above `seq`, size mismatch).
 * @throws UnavailableError when `signal` was aborted.
 * @throws IoError naming the file and stage when a file operation fails.
 */
export async function writeCheckpoint(
  dir: string,
  image: CheckpointImage,
  opts: CheckpointWriteOptions = {},
): Promise<CheckpointWriteResult> {
  const started = performance.now();
  const { budgetMs, chunkBytes } = validateWriteOptions(opts);
  const { idBytes, sizes } = validateCheckpointImage(image);
  const file = path.join(dir, checkpointFileName(image.seq));
  const tmp = file + CHECKPOINT_TEMP_SUFFIX;
  const clock = new SliceClock(started);
  const keyed = opts.hmacKey !== undefined;
  const hasher = keyed ? createHmac('sha256', opts.hmacKey) : createHash('sha256');
  const encoder = new CheckpointEncoder(image.trees, idBytes, sizes, image.seq);

  let stage = 'create';
  let handle: FileHandle | undefined;
  let sink: ChunkSink | undefined;
  let renamed = false;
  let existed = false;
  try {
    await clock.wait(ensureDirectory(dir));
    handle = await clock.wait(open(tmp, 'w'));
    sink = new ChunkSink(handle, hasher);
    stage = 'write';
    const header = encodeCheckpointHeader({
      keyed,
      seq: image.seq,
      createdAtMicros: image.createdAtMicros,
      chainHead: Buffer.from(image.chainHead.buffer, image.chainHead.byteOffset, 32),
      treeCount: image.trees.length,
      metaLength: image.meta.length,
    });
    sink.submit(Buffer.concat([header, image.meta]), true);

    const buffers: Latin1Buffer[] = [
      asLatin1Buffer(Buffer.allocUnsafeSlow(chunkBytes)),
      asLatin1Buffer(Buffer.allocUnsafeSlow(chunkBytes)),
    ];
    let current = 0;
    let pos = 0;
    let unsynced = 0;
    for (;;) {
      pos = encoder.fill(buffers[current], pos, clock.sliceStart + budgetMs);
      if (encoder.stop === 'budget') {
        checkAborted(opts, file);
        await clock.wait(yieldToEventLoop());
        continue;
      }
      if (encoder.stop === 'full' && pos === 0) {
        // One entry larger than a whole chunk: give it a buffer of its own size.
        buffers[current] = asLatin1Buffer(Buffer.allocUnsafeSlow(encoder.needed));
        continue;
      }
      if (pos > 0) {
        await sink.settle(clock);
        checkAborted(opts, file);
        // Hashing a chunk takes about a millisecond per MiB: start it in a fresh slice
        // rather than past the end of a spent one.
        if (performance.now() >= clock.sliceStart + budgetMs) {
          await clock.wait(yieldToEventLoop());
        }
        sink.submit(buffers[current].subarray(0, pos), true);
        unsynced += pos;
        current ^= 1;
        pos = 0;
        if (unsynced >= SYNC_EVERY_BYTES) {
          // Flush the image as it goes: one fsync of the whole file at the end would make every
          // WAL fsync meanwhile queue behind its writeback (commit latency during checkpoints).
          await sink.settle(clock);
          await clock.wait(handle.datasync());
          unsynced = 0;
        }
      }
      if (encoder.stop === 'done') break;
    }
    await sink.settle(clock);
    sink.submit(hasher.digest(), false);
    await sink.settle(clock);

    stage = 'sync';
    FailPoints.hit('checkpoint.sync');
    await clock.wait(handle.sync());
    const h = handle;
    handle = undefined;
    await clock.wait(h.close());
    stage = 'rename';
    existed = await clock.wait(fileExists(file));
    FailPoints.hit('checkpoint.rename');
    await clock.wait(rename(tmp, file));
    renamed = true;
    stage = 'directory sync';
    await clock.wait(syncDirectory(dir));
    clock.endSlice();
    return {
      file,
      seq: image.seq,
      bytes: sink.position,
      entries: encoder.entries,
      durationMs: performance.now() - started,
      longestSliceMs: clock.longest,
    };
  } catch (err) {
    await sink?.drain();
    if (handle !== undefined) await handle.close().catch(ignore);
    if (!renamed) await unlink(tmp).catch(ignore);
    else if (!existed) await unlink(file).catch(ignore);
    if (err instanceof AedbError) throw err;
    throw new IoError(
      `checkpoint ${renamed ? file : tmp}: ${stage} failed: ${describeError(err)}`,
      { file: renamed ? file : tmp, stage, seq: image.seq },
      { cause: err },
    );
  }
}

/**
 * Tracks how long the writer holds the event loop. A slice ends at every await that really
 * lets the loop run (I/O, `setImmediate`) and the next starts when the writer resumes.
 */
class SliceClock {
  longest = 0;
  constructor(public sliceStart: number) {}

  endSlice(): void {
    const length = performance.now() - this.sliceStart;
    if (length > this.longest) this.longest = length;
  }

  async wait<T>(promise: Promise<T>): Promise<T> {
    this.endSlice();
    try {
      return await promise;
    } finally {
      this.sliceStart = performance.now();
    }
  }
}

/**
 * Hashes chunks and writes them at increasing offsets with at most one write in flight, so
 * the encoder fills the other buffer meanwhile. A failed write is recorded at once (a
 * rejection left unhandled across an event-loop turn would crash the process) and rethrown
 * by the next {@link settle}.
 */
class ChunkSink {
  position = 0;
  private inflight: Promise<void> | undefined;
  private done = true;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly handle: FileHandle,
    private readonly hasher: Hash | Hmac,
  ) {}

  /** Start writing `bytes`; the caller leaves them untouched until the next `settle()`. */
  submit(bytes: Uint8Array, hash: boolean): void {
    FailPoints.hit('checkpoint.write');
    if (hash) this.hasher.update(bytes);
    const at = this.position;
    this.position += bytes.length;
    this.done = false;
    this.inflight = writeFully(this.handle, bytes, at).then(
      () => {
        this.done = true;
      },
      (error: unknown) => {
        this.done = true;
        this.failure ??= { error };
      },
    );
  }

  /** Wait for the write in flight (a real event-loop turn only if it is still running). */
  async settle(clock: SliceClock): Promise<void> {
    if (!this.done && this.inflight !== undefined) await clock.wait(this.inflight);
    if (this.failure !== undefined) throw this.failure.error;
  }

  /** Wait for the write in flight, ignoring its outcome (cleanup after a failure). */
  async drain(): Promise<void> {
    if (this.inflight !== undefined) await this.inflight;
  }
}

async function writeFully(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(
      bytes,
      offset,
      bytes.length - offset,
      position + offset,
    );
    if (bytesWritten <= 0) throw new Error(`short write at offset ${position + offset}`);
    offset += bytesWritten;
  }
}

/** Create `dir` if needed; each new directory's entry is made durable in its parent. */
async function ensureDirectory(dir: string): Promise<void> {
  const created = await mkdir(dir, { recursive: true });
  if (created === undefined) return;
  const top = path.resolve(created);
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    await syncDirectory(path.dirname(d));
    if (d === top || d === path.dirname(d)) break;
  }
}

async function fileExists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

function checkAborted(opts: CheckpointWriteOptions, file: string): void {
  if (opts.signal?.aborted === true) {
    throw new UnavailableError(`checkpoint ${file}: aborted`, { file, aborted: true });
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function ignore(): void {}
