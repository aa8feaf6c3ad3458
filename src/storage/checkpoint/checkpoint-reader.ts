import { constants as bufferConstants } from 'node:buffer';
import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';

import { AedbError, IoError, describeError } from '../errors';
import { EntryDecoder, MIN_ENTRY_BYTES, type LoadedTree } from './checkpoint-decoder';
import {
  CHECKPOINT_HEADER_SIZE,
  CHECKPOINT_MAX_TREE_ID_BYTES,
  CHECKPOINT_TRAILER_SIZE,
  corrupt,
  decodeCheckpointHeader,
  type CheckpointHeader,
} from './checkpoint-format';
import { validateHmacKey } from './checkpoint-image';
import { asLatin1Buffer, type Latin1Buffer } from '../latin1-buffer';
import { VARINT_INVALID, readVarint, type VarintCursor } from './varint';

export type { LoadedTree } from './checkpoint-decoder';

/** A verified checkpoint, decoded into sorted arrays ready for bulk-building trees. */
export interface LoadedCheckpoint {
  /** The file it came from. */
  readonly file: string;
  /** The commit seq the image is at; replay the WAL after it. */
  readonly seq: number;
  /** When it was taken, epoch microseconds. */
  readonly createdAtMicros: number;
  /** The WAL hash-chain value at `seq` (32 bytes). */
  readonly chainHead: Buffer;
  /** The engine's opaque metadata blob (a copy: it does not pin the file buffer). */
  readonly meta: Buffer;
  /** The trees in file order. */
  readonly trees: LoadedTree[];
  /** Whether the trailer was an HMAC. */
  readonly keyed: boolean;
  /** File size, bytes. */
  readonly bytes: number;
  /** Entries over all trees. */
  readonly entries: number;
  /** Time to read, verify and decode, ms. */
  readonly durationMs: number;
}

/** Options of {@link readCheckpoint}. */
export interface CheckpointReadOptions {
  /** The HMAC key; required for keyed files. */
  readonly hmacKey?: Uint8Array;
  /**
   * Accept an unkeyed file although `hmacKey` is set (e.g. the first open after enabling
   * HMAC). Off by default: an unkeyed file can be forged by anyone who can write the directory.
   */
  readonly allowUnkeyed?: boolean;
  /**
   * Yield to the event loop after this many ms of decoding. Unset (the default) decodes in one
   * go, which is fastest and right at open, before the application serves.
   */
  readonly sliceBudgetMs?: number;
}

/** The unverified header of a checkpoint file, for cheap listing. */
export interface CheckpointFileHeader extends CheckpointHeader {
  /** The file. */
  readonly file: string;
  /** File size, bytes. */
  readonly bytes: number;
}

/** Bytes per read: large enough to amortize the thread-pool round trip, hashed while the next is read. */
const READ_CHUNK = 4 << 20;

/**
 * Read and check only the fixed header of `file` (magic, version, flags, seq). The rest of
 * the file, and so the header values, are not verified: use it for listing, not for loading.
 * @throws CorruptionError when the header is malformed or the file too short.
 * @throws IoError when the file cannot be read.
 */
export async function readCheckpointHeader(file: string): Promise<CheckpointFileHeader> {
  return withFile(file, async (handle, size) => {
    const buf = Buffer.alloc(Math.min(size, CHECKPOINT_HEADER_SIZE));
    await readFully(handle, buf, 0, buf.length, file);
    return { ...decodeCheckpointHeader(buf, file), file, bytes: size };
  });
}

/**
 * Load `file`: read it in large chunks while hashing, verify the trailer, then decode every
 * tree into parallel sorted arrays (strings decoded with `latin1Slice`).
 *
 * @throws CorruptionError naming the file and, when known, the offset, for any damage:
 *   truncation, bad magic/version/flags, trailer mismatch (or a missing or wrong HMAC key for
 *   a keyed file), malformed structure. Never a `TypeError`/`RangeError`, never wrong data.
 * @throws IoError when the file cannot be opened or read.
 */
export async function readCheckpoint(
  file: string,
  opts: CheckpointReadOptions = {},
): Promise<LoadedCheckpoint> {
  const started = performance.now();
  validateHmacKey(opts.hmacKey);
  const deadlineStep = opts.sliceBudgetMs ?? Number.POSITIVE_INFINITY;
  const { buf, header } = await withFile(file, (handle, size) =>
    readVerified(handle, size, file, opts),
  );
  const end = buf.length - CHECKPOINT_TRAILER_SIZE;
  const cursor: VarintCursor = { pos: CHECKPOINT_HEADER_SIZE };
  if (header.metaLength > end - cursor.pos) {
    throw corrupt(file, 68, `meta length ${header.metaLength} runs past the trees`);
  }
  const meta = Buffer.from(buf.subarray(cursor.pos, cursor.pos + header.metaLength));
  cursor.pos += header.metaLength;
  // Each tree takes at least two bytes, which bounds what a damaged count can make us do.
  if (header.treeCount > (end - cursor.pos) / 2) {
    throw corrupt(file, 64, `tree count ${header.treeCount} does not fit the file`);
  }
  const trees: LoadedTree[] = [];
  const ids = new Set<string>();
  let entries = 0;
  for (let t = 0; t < header.treeCount; t++) {
    const at = cursor.pos;
    const idLength = readField(buf, end, cursor, file, 'tree id length');
    if (idLength > CHECKPOINT_MAX_TREE_ID_BYTES || idLength > end - cursor.pos) {
      throw corrupt(file, at, `tree id length ${idLength} is out of range`);
    }
    const id = buf.toString('utf8', cursor.pos, cursor.pos + idLength);
    cursor.pos += idLength;
    if (ids.has(id)) throw corrupt(file, at, `tree id '${id}' appears twice`);
    ids.add(id);
    const countAt = cursor.pos;
    const count = readField(buf, end, cursor, file, 'entry count');
    if (count > (end - cursor.pos) / MIN_ENTRY_BYTES) {
      throw corrupt(file, countAt, `entry count ${count} of tree '${id}' does not fit the file`);
    }
    const decoder = new EntryDecoder(file, buf, cursor.pos, end, count, header.seq);
    while (!decoder.decode(performance.now() + deadlineStep)) await yieldToEventLoop();
    cursor.pos = decoder.pos;
    trees.push(decoder.tree(id));
    entries += count;
  }
  if (cursor.pos !== end) {
    throw corrupt(file, cursor.pos, `${end - cursor.pos} unexpected bytes before the trailer`);
  }
  return {
    file,
    seq: header.seq,
    createdAtMicros: header.createdAtMicros,
    chainHead: header.chainHead,
    meta,
    trees,
    keyed: header.keyed,
    bytes: buf.length,
    entries,
    durationMs: performance.now() - started,
  };
}

/**
 * Read the whole file into one buffer, hashing each chunk while the next one is read, and
 * check the header and the trailer before anything else looks at the contents.
 */
async function readVerified(
  handle: FileHandle,
  size: number,
  file: string,
  opts: CheckpointReadOptions,
): Promise<{ buf: Latin1Buffer; header: CheckpointHeader }> {
  if (size < CHECKPOINT_HEADER_SIZE + CHECKPOINT_TRAILER_SIZE) {
    throw corrupt(file, size, `file is truncated (${size} bytes)`);
  }
  if (size > bufferConstants.MAX_LENGTH) {
    throw new IoError(`checkpoint ${file}: ${size} bytes is too large to load`, { file, size });
  }
  const buf = asLatin1Buffer(Buffer.allocUnsafeSlow(size));
  let readEnd = Math.min(size, READ_CHUNK);
  await readFully(handle, buf, 0, readEnd, file);
  const header = decodeCheckpointHeader(buf, file);
  const hasher = chooseHasher(header, file, opts);
  const hashEnd = size - CHECKPOINT_TRAILER_SIZE;
  let hashed = 0;
  while (hashed < hashEnd) {
    const next =
      readEnd < size
        ? readFully(handle, buf, readEnd, Math.min(READ_CHUNK, size - readEnd), file)
        : undefined;
    const upTo = Math.min(readEnd, hashEnd);
    hasher.update(buf.subarray(hashed, upTo));
    hashed = upTo;
    if (next !== undefined) readEnd += await next;
  }
  while (readEnd < size) readEnd += await readFully(handle, buf, readEnd, size - readEnd, file);
  const expected = hasher.digest();
  if (!timingSafeEqual(expected, buf.subarray(hashEnd))) {
    throw corrupt(
      file,
      hashEnd,
      header.keyed
        ? 'HMAC mismatch: the file is damaged or the HMAC key is wrong'
        : 'checksum mismatch (SHA-256): the file is damaged',
    );
  }
  return { buf, header };
}

function chooseHasher(
  header: CheckpointHeader,
  file: string,
  opts: CheckpointReadOptions,
): Hash | Hmac {
  if (header.keyed) {
    if (opts.hmacKey === undefined) {
      throw corrupt(file, 12, 'the file is keyed with an HMAC key but no HMAC key was given');
    }
    return createHmac('sha256', opts.hmacKey);
  }
  if (opts.hmacKey !== undefined && opts.allowUnkeyed !== true) {
    throw corrupt(
      file,
      12,
      'the file is not keyed but an HMAC key is configured (refusing an unauthenticated checkpoint)',
    );
  }
  return createHash('sha256');
}

function readField(
  buf: Latin1Buffer,
  end: number,
  cursor: VarintCursor,
  file: string,
  what: string,
): number {
  const at = cursor.pos;
  const value = readVarint(buf, end, cursor);
  if (value === VARINT_INVALID) throw corrupt(file, at, `malformed ${what}`);
  return value;
}

/** Open `file`, run `fn` with its handle and size, close it; fs errors become `IoError`. */
async function withFile<T>(
  file: string,
  fn: (handle: FileHandle, size: number) => Promise<T>,
): Promise<T> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw ioError(file, 'open', err);
  }
  try {
    const { size } = await handle.stat();
    return await fn(handle, size);
  } catch (err) {
    if (err instanceof AedbError) throw err;
    throw ioError(file, 'read', err);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Read exactly `length` bytes at `position`; returns `length`. */
async function readFully(
  handle: FileHandle,
  buf: Buffer,
  position: number,
  length: number,
  file: string,
): Promise<number> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buf, position + done, length - done, position + done);
    if (bytesRead === 0) {
      throw corrupt(file, position + done, 'the file ended early (it shrank while being read)');
    }
    done += bytesRead;
  }
  return length;
}

function ioError(file: string, action: string, err: unknown): IoError {
  return new IoError(
    `checkpoint ${file}: cannot ${action}: ${describeError(err)}`,
    { file, action },
    { cause: err },
  );
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
