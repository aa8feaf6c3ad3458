/**
 * Typed access to Node's latin1 fast paths on `Buffer`.
 *
 * `buf.latin1Slice(start, end)` and `buf.latin1Write(str, offset)` are what
 * `buf.toString('latin1', …)` and `buf.write(str, offset, 'latin1')` call after normalizing
 * their arguments. They exist on every Node `Buffer` but are missing from `@types/node`.
 * Checkpoints convert millions of short byte strings, where the skipped argument handling is
 * a measurable share of the load time, so the hot loops call them directly.
 */

/** A `Buffer` with its latin1 fast paths typed. */
export interface Latin1Buffer extends Buffer {
  /** The bytes `[start, end)` as a string with one code unit per byte. No bounds clamping. */
  latin1Slice(start: number, end: number): string;
  /** Write the low byte of each code unit of `value` at `offset`; returns bytes written. */
  latin1Write(value: string, offset: number, length?: number): number;
}

/** View `buf` through its latin1 fast paths (no copy). */
export function asLatin1Buffer(buf: Buffer): Latin1Buffer {
  return buf as Latin1Buffer;
}
