/**
 * Unsigned LEB128 varints for safe integers (0 .. 2^53-1), as the checkpoint format uses for
 * lengths, counts and seqs.
 *
 * JavaScript bit operators work on 32 bits, so groups beyond the fourth are combined with
 * multiplication; the common one-byte case stays a single comparison in the callers' loops.
 */

/** Most bytes a varint of a safe integer takes (8 × 7 = 56 bits ≥ 53). */
export const MAX_VARINT_BYTES = 8;

/** Returned by {@link readVarint} when the bytes are not a valid varint. */
export const VARINT_INVALID = -1;

/** Number of bytes {@link writeVarint} uses for `value`. */
export function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    size++;
  }
  return size;
}

/** Whether `value` can be written as a varint (a safe, non-negative integer). */
export function isVarintValue(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/**
 * Write `value` at `pos` and return the position after it. `value` must satisfy
 * {@link isVarintValue} and `buf` must have {@link MAX_VARINT_BYTES} bytes free at `pos`.
 */
export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  while (value >= 0x80) {
    buf[pos++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  buf[pos++] = value;
  return pos;
}

/** Where {@link readVarint} leaves the position after the varint it read. */
export interface VarintCursor {
  pos: number;
}

/**
 * Read the varint at `cursor.pos`, never reading at or past `end`, and advance the cursor.
 * @returns the value, or {@link VARINT_INVALID} when the varint runs past `end`, is longer
 *   than {@link MAX_VARINT_BYTES}, is not minimal, or exceeds 2^53-1 (the cursor is then
 *   left where the varint starts so the caller can report that offset).
 */
export function readVarint(buf: Uint8Array, end: number, cursor: VarintCursor): number {
  const start = cursor.pos;
  let pos = start;
  let value = 0;
  let scale = 1;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    if (pos >= end) return VARINT_INVALID;
    const byte = buf[pos++];
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      // A final zero group after the first byte means a longer-than-minimal encoding.
      if (byte === 0 && i > 0) return VARINT_INVALID;
      if (value > Number.MAX_SAFE_INTEGER) return VARINT_INVALID;
      cursor.pos = pos;
      return value;
    }
    scale *= 0x80;
  }
  return VARINT_INVALID;
}
