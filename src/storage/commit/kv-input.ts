import { bytesToByteString, isWellFormed, utf8ToByteString } from '../byte-string';
import type { AedbConfig } from '../config';
import { ValidationError } from '../errors';

/** Where a KV mutation applies, for error messages. */
interface KvTarget {
  readonly projectId: string;
  readonly scopeId: string;
}

/** Validate a KV key and convert it to a byte string. */
export function kvKeyToByteString(config: AedbConfig, key: unknown, at: KvTarget): string {
  let s: string;
  if (typeof key === 'string') {
    if (!isWellFormed(key)) {
      throw new ValidationError(
        `kv key ${describeKey(key)} in ${at.projectId}.${at.scopeId}: string keys must be well-formed UTF-16 (lone surrogate found)`,
        { ...at },
      );
    }
    s = utf8ToByteString(key);
  } else if (key instanceof Uint8Array) {
    s = bytesToByteString(key);
  } else {
    throw new ValidationError(
      `kv key in ${at.projectId}.${at.scopeId}: expected a string or Uint8Array, got ${key === null ? 'null' : typeof key}`,
      { ...at },
    );
  }
  if (s.length === 0 || s.length > config.maxKvKeyBytes) {
    throw new ValidationError(
      `kv key ${describeKey(key)} in ${at.projectId}.${at.scopeId}: expected 1-${config.maxKvKeyBytes} bytes, got ${s.length}`,
      { ...at, keyBytes: s.length },
    );
  }
  return s;
}

/** Validate a KV value and convert it to a byte string (`key` is the converted key). */
export function kvValueToByteString(
  config: AedbConfig,
  value: unknown,
  at: KvTarget,
  key: string,
): string {
  let s: string;
  if (value instanceof Uint8Array) s = bytesToByteString(value);
  else if (typeof value === 'string') {
    if (!isWellFormed(value)) {
      throw new ValidationError(
        `kv value of key ${describeKey(key)} in ${at.projectId}.${at.scopeId}: strings must be well-formed UTF-16 (lone surrogate found)`,
        { ...at },
      );
    }
    s = utf8ToByteString(value);
  } else {
    throw new ValidationError(
      `kv value of key ${describeKey(key)} in ${at.projectId}.${at.scopeId}: expected a Uint8Array or string, got ${value === null ? 'null' : typeof value}`,
      { ...at },
    );
  }
  if (s.length > config.maxKvValueBytes) {
    throw new ValidationError(
      `kv value of key ${describeKey(key)} in ${at.projectId}.${at.scopeId}: ${s.length} bytes is above maxKvValueBytes (${config.maxKvValueBytes})`,
      { ...at, valueBytes: s.length },
    );
  }
  return s;
}

/** A short printable form of a key for messages (JSON for text, hex for bytes; truncated). */
function describeKey(key: unknown): string {
  if (typeof key === 'string') {
    const printable = /^[\x20-\x7e]*$/.test(key);
    if (printable) return JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}...` : key);
    return `0x${Buffer.from(key, 'latin1').subarray(0, 32).toString('hex')}${key.length > 32 ? '...' : ''}`;
  }
  if (key instanceof Uint8Array) {
    return `0x${Buffer.from(key.buffer, key.byteOffset, Math.min(32, key.byteLength)).toString('hex')}${key.byteLength > 32 ? '...' : ''}`;
  }
  return String(key);
}
