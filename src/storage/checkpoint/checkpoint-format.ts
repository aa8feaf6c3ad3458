/**
 * The checkpoint file format (version 1).
 *
 * A checkpoint is a full image of the engine state at one commit seq: every tree (table,
 * secondary index, KV space, system table) with every entry and the seq that last wrote it,
 * plus an opaque `meta` blob the engine supplies (catalog and other small state).
 *
 * ## Files
 *
 * - `checkpoints/<seq as 20 decimal digits>.ckpt`, e.g. `00000000000000001234.ckpt`. Zero
 *   padding makes the lexical order of names the numeric order of seqs.
 * - `<name>.tmp` while a checkpoint is being written. It is fsynced and then renamed to its
 *   final name, and the directory is fsynced, so a final name always holds a complete file.
 *   A `.tmp` left by a crash is never loaded; recovery deletes it.
 *
 * ## Layout
 *
 * All fixed-width integers are little-endian. `varint` is unsigned LEB128 (7 bits per byte,
 * low group first, high bit = "more bytes follow"), minimal length, at most 8 bytes, value at
 * most 2^53-1 (`Number.MAX_SAFE_INTEGER`).
 *
 * ```text
 * offset  size  field
 *      0     8  magic            "AEDBCKP1" (ASCII)
 *      8     4  version          u32 = 1
 *     12     4  flags            u32; bit 0 = keyed (trailer is an HMAC); other bits are 0
 *     16     8  seq              u64 <= 2^53-1: the commit seq the image is at
 *     24     8  createdAtMicros  u64 <= 2^53-1: wall clock, epoch microseconds
 *     32    32  chainHead        WAL hash-chain value at `seq` (zeros when the chain is off)
 *     64     4  treeCount        u32
 *     68     4  metaLength       u32
 *     72     m  meta             opaque engine blob (metaLength bytes)
 *   72+m        trees            treeCount times:
 *                 varint idLength | id (UTF-8) | varint entryCount |
 *                 entryCount times, keys strictly ascending in byte order:
 *                   varint keyLength | key bytes | varint seq | varint valueLength | value bytes
 *   end-32   32  trailer         SHA-256 of every byte before it; when keyed,
 *                                HMAC-SHA256(key, every byte before it)
 * ```
 *
 * Keys and values are byte strings (one byte per code unit, latin1), stored as their bytes.
 * Every entry seq is at most the header `seq`.
 *
 * ## Verification
 *
 * A reader checks magic, version and flags, then the trailer over the whole file, and only then
 * trusts the structure (which it bounds-checks anyway: the counts must fit the remaining bytes,
 * keys must ascend, entry seqs must not exceed the header seq, and the trees must end exactly
 * at the trailer). Any mismatch is a `CorruptionError` naming the file and, when known, the
 * offset. A keyed file needs the key; a key that does not verify the trailer is reported as a
 * wrong HMAC key. An unkeyed file is refused when a key is configured (it could be a forgery
 * of a keyed one) unless the reader is told to allow it.
 *
 * There are no per-chunk checksums: the one trailer covers every byte, and recovery falls back
 * to an older checkpoint as a whole, so locating the damage inside a file would not change
 * what recovery does.
 *
 * @packageDocumentation
 */

import { CorruptionError } from '../errors';

/** The 8 magic bytes at offset 0. */
export const CHECKPOINT_MAGIC = 'AEDBCKP1';
/** The format version this code writes and reads. */
export const CHECKPOINT_VERSION = 1;
/** Flag bit: the trailer is an HMAC-SHA256 with the configured key instead of a plain SHA-256. */
export const CHECKPOINT_FLAG_KEYED = 1;
/** The flag bits this version knows; any other bit set means corruption. */
export const CHECKPOINT_KNOWN_FLAGS = CHECKPOINT_FLAG_KEYED;
/** Size of the fixed part of the header (before `meta`). */
export const CHECKPOINT_HEADER_SIZE = 72;
/** Size of the trailer (SHA-256 or HMAC-SHA256). */
export const CHECKPOINT_TRAILER_SIZE = 32;
/** Size of the WAL chain head recorded in the header. */
export const CHECKPOINT_CHAIN_HEAD_SIZE = 32;
/** Longest tree id in UTF-8 bytes (ids are engine names, far shorter in practice). */
export const CHECKPOINT_MAX_TREE_ID_BYTES = 4096;
/** Extension of a complete checkpoint file. */
export const CHECKPOINT_EXTENSION = '.ckpt';
/** Suffix of a checkpoint file being written. */
export const CHECKPOINT_TEMP_SUFFIX = '.tmp';

const NAME_PATTERN = /^(\d{20})\.ckpt$/;

/** The file name (no directory) of the checkpoint at `seq`. */
export function checkpointFileName(seq: number): string {
  return `${String(seq).padStart(20, '0')}${CHECKPOINT_EXTENSION}`;
}

/**
 * The seq encoded in a checkpoint file name, or `undefined` when `name` is not a complete
 * checkpoint's name (temp files and foreign files included).
 */
export function parseCheckpointFileName(name: string): number | undefined {
  const match = NAME_PATTERN.exec(name);
  if (match === null) return undefined;
  const seq = Number(match[1]);
  return Number.isSafeInteger(seq) ? seq : undefined;
}

/** The fixed header fields of a checkpoint file. */
export interface CheckpointHeader {
  /** Format version (always {@link CHECKPOINT_VERSION} once decoded). */
  readonly version: number;
  /** Whether the trailer is an HMAC (the file needs the key to verify). */
  readonly keyed: boolean;
  /** The commit seq the image is at. */
  readonly seq: number;
  /** When the checkpoint was taken, epoch microseconds. */
  readonly createdAtMicros: number;
  /** The WAL hash-chain value at `seq` (32 bytes, a copy). */
  readonly chainHead: Buffer;
  /** Number of trees in the file. */
  readonly treeCount: number;
  /** Length of the `meta` blob that follows the fixed header. */
  readonly metaLength: number;
}

/** Encode the fixed header (without `meta`). The caller has validated the fields. */
export function encodeCheckpointHeader(header: Omit<CheckpointHeader, 'version'>): Buffer {
  const buf = Buffer.alloc(CHECKPOINT_HEADER_SIZE);
  buf.write(CHECKPOINT_MAGIC, 0, 'latin1');
  buf.writeUInt32LE(CHECKPOINT_VERSION, 8);
  buf.writeUInt32LE(header.keyed ? CHECKPOINT_FLAG_KEYED : 0, 12);
  buf.writeBigUInt64LE(BigInt(header.seq), 16);
  buf.writeBigUInt64LE(BigInt(header.createdAtMicros), 24);
  header.chainHead.copy(buf, 32, 0, CHECKPOINT_CHAIN_HEAD_SIZE);
  buf.writeUInt32LE(header.treeCount, 64);
  buf.writeUInt32LE(header.metaLength, 68);
  return buf;
}

/**
 * Decode and check the fixed header at the start of `buf` (magic, version, flags, ranges).
 * Nothing here is trusted until the trailer verifies; the checks give precise errors for the
 * common cases (not a checkpoint, newer version) before hashing a large file.
 * @throws CorruptionError naming `file` and the offset of the bad field.
 */
export function decodeCheckpointHeader(buf: Buffer, file: string): CheckpointHeader {
  if (buf.length < CHECKPOINT_HEADER_SIZE) {
    throw corrupt(file, buf.length, `header is truncated (${buf.length} bytes)`);
  }
  if (buf.toString('latin1', 0, 8) !== CHECKPOINT_MAGIC) {
    throw corrupt(file, 0, `bad magic (expected "${CHECKPOINT_MAGIC}")`);
  }
  const version = buf.readUInt32LE(8);
  if (version !== CHECKPOINT_VERSION) {
    throw corrupt(
      file,
      8,
      `unsupported version ${version} (this build reads ${CHECKPOINT_VERSION})`,
    );
  }
  const flags = buf.readUInt32LE(12);
  if ((flags & ~CHECKPOINT_KNOWN_FLAGS) !== 0) {
    throw corrupt(file, 12, `unknown flags 0x${flags.toString(16)}`);
  }
  const seq = readSafeU64(buf, 16, file, 'seq');
  const createdAtMicros = readSafeU64(buf, 24, file, 'createdAtMicros');
  return {
    version,
    keyed: (flags & CHECKPOINT_FLAG_KEYED) !== 0,
    seq,
    createdAtMicros,
    chainHead: Buffer.from(buf.subarray(32, 32 + CHECKPOINT_CHAIN_HEAD_SIZE)),
    treeCount: buf.readUInt32LE(64),
    metaLength: buf.readUInt32LE(68),
  };
}

function readSafeU64(buf: Buffer, offset: number, file: string, field: string): number {
  const value = buf.readBigUInt64LE(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw corrupt(file, offset, `${field} ${value} exceeds 2^53-1`);
  }
  return Number(value);
}

/**
 * A {@link CorruptionError} for checkpoint `file` at byte `offset` (when known).
 * @internal
 */
export function corrupt(file: string, offset: number | undefined, what: string): CorruptionError {
  const where = offset === undefined ? '' : ` at offset ${offset}`;
  return new CorruptionError(`checkpoint ${file}: ${what}${where}`, { file, offset });
}
