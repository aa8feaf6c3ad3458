/**
 * Byte strings: JavaScript strings whose code units are all 0..255, one per byte (latin1).
 * The engine stores keys and values in this form because plain string comparison is then byte
 * order, and because V8 keeps such strings compact (one byte per character, no per-value
 * ArrayBuffer), which matters with millions of entries.
 */

import { ValidationError } from './errors';
import { asLatin1Buffer } from './latin1-buffer';

interface WellFormedString {
  isWellFormed(): boolean;
}

/** True when `s` has no lone surrogate (native `String.prototype.isWellFormed`, Node >= 20). */
export function isWellFormed(s: string): boolean {
  // The ES2024 method is missing from the ES2023 lib this project compiles against.
  return (s as unknown as WellFormedString).isWellFormed();
}

/** Whether every code unit of `s` is below 0x80 (then UTF-8, latin1 and the string agree). */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** The byte string of `bytes`. */
export function bytesToByteString(bytes: Uint8Array): string {
  const buf = asLatin1Buffer(
    Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  );
  return buf.latin1Slice(0, buf.length);
}

/** The byte string of the UTF-8 encoding of `text` (ASCII text is its own byte string). */
export function utf8ToByteString(text: string): string {
  if (isAscii(text)) return text;
  const buf = asLatin1Buffer(Buffer.from(text, 'utf8'));
  return buf.latin1Slice(0, buf.length);
}

/** A fresh `Buffer` (a `Uint8Array`) holding the bytes of a byte string. */
export function byteStringToBytes(s: string): Buffer {
  const buf = Buffer.allocUnsafe(s.length);
  asLatin1Buffer(buf).latin1Write(s, 0);
  return buf;
}

/** The UTF-8 text a byte string encodes. */
export function byteStringToUtf8(s: string): string {
  if (isAscii(s)) return s;
  return byteStringToBytes(s).toString('utf8');
}

/** Convert a KV key to its byte string; validated like writes (non-empty unless a bound). */
export function keyToByteString(key: unknown, allowEmpty = false): string {
  let s: string;
  if (typeof key === 'string') {
    if (!isWellFormed(key)) {
      throw new ValidationError(
        'kv key: string keys must be well-formed UTF-16 (lone surrogate found)',
      );
    }
    s = utf8ToByteString(key);
  } else if (key instanceof Uint8Array) s = bytesToByteString(key);
  else
    throw new ValidationError(
      `kv key: expected a string or Uint8Array, got ${key === null ? 'null' : typeof key}`,
    );
  if (s.length === 0 && !allowEmpty) throw new ValidationError('kv key: must not be empty');
  return s;
}

/** The smallest byte string greater than every string starting with `prefix` (undefined: none). */
export function prefixEnd(prefix: string): string | undefined {
  let i = prefix.length - 1;
  while (i >= 0 && prefix.charCodeAt(i) === 0xff) i--;
  if (i < 0) return undefined;
  return prefix.slice(0, i) + String.fromCharCode(prefix.charCodeAt(i) + 1);
}
