/**
 * Human-readable forms of read assertions and of the actual values reported when one fails,
 * plus the JSON-safe shape of those values ({@link AssertionActual}).
 *
 * Only called on error paths: nothing here is on the commit hot path.
 *
 * @module
 */
import { types as utilTypes } from 'node:util';
import { bytesToByteString } from '../byte-string';
import { describeKvKey } from '../numerics/kv-describe';
import type { JsonValue, Value } from '../schema';
import type { ReadAssertion } from './read-assertion';

/**
 * What an assertion saw, as reported in the `actual` detail of an `ASSERTION_FAILED` error.
 * JSON-safe: integers beyond `number` (u64, u256, i256, timestamps, sums) are decimal strings,
 * blobs are hex strings, `±Infinity` floats are the strings `'Infinity'` / `'-Infinity'`.
 *
 * - `missing`: the KV key or row does not exist;
 * - `bytes`: the KV value: `hex` of its first 64 bytes (`length` is the full size); `uint` is
 *   the value read as an unsigned big-endian integer when the assertion compared numerically;
 * - `version`: the seq of the last write of the key or row (0 when missing);
 * - `value`: a cell (`rowColumnCompare`) or a sum (`sumCompare`; NULLs skipped, 0 when none);
 * - `count`: the number of (matching) rows;
 * - `bool`: whether the key or row exists (`keyExists`, `rowExists`), or `false` for an `any`
 *   none of whose assertions held.
 */
export type AssertionActual =
  | { readonly kind: 'missing' }
  | {
      readonly kind: 'bytes';
      readonly hex: string;
      readonly length: number;
      readonly uint?: string;
    }
  | { readonly kind: 'version'; readonly seq: number }
  | { readonly kind: 'value'; readonly value: JsonValue }
  | { readonly kind: 'count'; readonly count: number }
  | { readonly kind: 'bool'; readonly value: boolean };

/** Bytes of a KV value shown in `actual.hex` (the rest is summarized by `length`). */
export const ACTUAL_HEX_BYTES = 64;

/**
 * A one-line description of an assertion for messages and logs, such as
 * `keyCompare(kv key "house/balance" in casino.app gte 10000)`. Never throws, even on a
 * malformed assertion.
 *
 * @example
 * ```ts
 * describeAssertion({ type: 'rowExists', projectId: 'p', scopeId: 's', tableName: 'users', primaryKey: 7 });
 * // 'rowExists(row 7 of p.s.users, expected true)'
 * ```
 */
export function describeAssertion(assertion: ReadAssertion): string {
  try {
    return describe(assertion);
  } catch {
    return describeLoose(assertion);
  }
}

/** The actual value of a failure in words (for the error message). @internal */
export function describeActual(actual: AssertionActual): string {
  switch (actual.kind) {
    case 'missing':
      return 'missing';
    case 'bytes': {
      const hex = `0x${actual.hex}${actual.length > ACTUAL_HEX_BYTES ? `... (${actual.length} bytes)` : ''}`;
      return actual.uint !== undefined ? `${actual.uint} (${hex})` : hex;
    }
    case 'version':
      return `version ${actual.seq}`;
    case 'value':
      return typeof actual.value === 'string' ? actual.value : JSON.stringify(actual.value);
    case 'count':
      return `count ${actual.count}`;
    case 'bool':
      return String(actual.value);
  }
}

/** The JSON-safe form of a stored value (see {@link AssertionActual}). @internal */
export function jsonSafeValue(v: Value): JsonValue {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v;
}

/** The JSON-safe `bytes` actual of a KV value held as a byte string. @internal */
export function bytesActual(value: string, uint: bigint | undefined): AssertionActual {
  const hex = Buffer.from(value.slice(0, ACTUAL_HEX_BYTES), 'latin1').toString('hex');
  return uint === undefined
    ? { kind: 'bytes', hex, length: value.length }
    : { kind: 'bytes', hex, length: value.length, uint: uint.toString() };
}

function describe(a: ReadAssertion): string {
  switch (a.type) {
    case 'keyEquals':
      return `keyEquals(${kvAt(a)} = ${showBytes(a.value)})`;
    case 'keyCompare':
      return `keyCompare(${kvAt(a)} ${a.op} ${showThreshold(a.threshold)})`;
    case 'keyExists':
      return `keyExists(${kvAt(a)}, expected ${a.expected ?? true})`;
    case 'keyVersion':
      return `keyVersion(${kvAt(a)} = ${show(a.expectedSeq)})`;
    case 'rowVersion':
      return `rowVersion(${rowAt(a)} = ${show(a.expectedSeq)})`;
    case 'rowExists':
      return `rowExists(${rowAt(a)}, expected ${a.expected ?? true})`;
    case 'rowColumnCompare':
      return `rowColumnCompare(${rowAt(a)} column '${a.column}' ${a.op} ${show(a.value)})`;
    case 'countCompare':
      return `countCompare(rows of ${tableAt(a)}${filtered(a.filter)} ${a.op} ${show(a.value)})`;
    case 'sumCompare':
      return `sumCompare(sum of '${a.column}' over ${tableAt(a)}${filtered(a.filter)} ${a.op} ${show(a.value)})`;
    case 'all':
    case 'any':
      return `${a.type}(${Array.isArray(a.assertions) ? a.assertions.length : '?'} assertions)`;
    case 'not':
      return `not(${describeAssertion(a.assertion)})`;
    default:
      return describeLoose(a);
  }
}

function describeLoose(a: unknown): string {
  if (a === null || typeof a !== 'object') return `assertion ${show(a)}`;
  const type = (a as { type?: unknown }).type;
  return typeof type === 'string' ? `${type}(...)` : 'assertion without a type';
}

function kvAt(a: { projectId: string; scopeId: string; key: unknown }): string {
  return `kv key ${showKey(a.key)} in ${a.projectId}.${a.scopeId}`;
}

function rowAt(a: {
  projectId: string;
  scopeId: string;
  tableName: string;
  primaryKey: unknown;
}): string {
  return `row ${show(a.primaryKey)} of ${a.projectId}.${a.scopeId}.${a.tableName}`;
}

function tableAt(a: { projectId: string; scopeId: string; tableName: string }): string {
  return `${a.projectId}.${a.scopeId}.${a.tableName}`;
}

function filtered(filter: unknown): string {
  return filter === undefined ? '' : ' matching the filter';
}

function showKey(key: unknown): string {
  if (typeof key === 'string') {
    return JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}...` : key);
  }
  if (utilTypes.isUint8Array(key)) return describeKvKey(bytesToByteString(key));
  return show(key);
}

function showBytes(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 64 ? `${v.slice(0, 64)}...` : v);
  if (utilTypes.isUint8Array(v)) {
    const hex = Buffer.from(v.subarray(0, 32)).toString('hex');
    return `0x${hex}${v.length > 32 ? '...' : ''}`;
  }
  return show(v);
}

function showThreshold(t: unknown): string {
  return utilTypes.isUint8Array(t) ? showBytes(t) : show(t);
}

/** Any input value, short: bigints as digits, bytes as hex, objects as JSON (truncated). */
function show(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return JSON.stringify(v.length > 64 ? `${v.slice(0, 64)}...` : v);
  if (utilTypes.isUint8Array(v)) return showBytes(v);
  if (v instanceof Date) return v.toISOString();
  if (v !== null && typeof v === 'object') {
    let s: string;
    try {
      s = JSON.stringify(v, (_k, x: unknown) =>
        typeof x === 'bigint'
          ? x.toString()
          : utilTypes.isUint8Array(x)
            ? `0x${Buffer.from(x).toString('hex')}`
            : x,
      );
    } catch {
      s = '[object]';
    }
    return s.length > 96 ? `${s.slice(0, 93)}...` : s;
  }
  return String(v);
}
