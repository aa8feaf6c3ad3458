/**
 * The reference model of the transaction layer (docs/transactions.md, docs/processors.md
 * "Events"), on top of `reference-model.ts`: atomic numerics with every policy, `emitEvent` and
 * `readEventStream`, read assertions (envelope `assertions` and `postflightCheck`), read sets
 * (points exact; ranges by comparing what the range held at `baseSeq` with what it holds now),
 * and idempotency records (caller-scoped keys, a request fingerprint, a window of commits).
 *
 * Like the base model it is written from the documentation and predicts, for every operation,
 * the result or the error code; where the documentation leaves the engine freedom (a range next
 * to a deleted key may conflict without a real change), the model says so ({@link RangeVerdict})
 * and the command accepts either outcome.
 */
import type { CompareOp } from '../../../src/index';
import {
  applyMutation,
  checkExpr,
  checkUnique,
  column,
  evaluate,
  fail,
  kvHex,
  pkOf,
  requireScope,
  requireTable,
  runQuery,
  utf8Order,
  valueOf,
  type ExprSpec,
  type GenPk,
  type MKvEntry,
  type ModelEvent,
  type ModelState,
  type MutSpec,
  type Target,
} from './reference-model';
import { canon, compare, isValid, type GenValue } from './values';

// ------------------------------------------------------------------ numerics

/** Where a KV numeric applies. */
interface KvAt {
  readonly p: string;
  readonly s: string;
  readonly key: string;
}

/** An atomic numeric mutation; inputs are passed to the engine as they are (some invalid). */
export type NumSpec =
  | (KvAt & {
      readonly op: 'kvAddU64Ex' | 'kvAddU256Ex';
      readonly amount: unknown;
      readonly onMissing?: unknown;
      readonly onOverflow?: unknown;
    })
  | (KvAt & {
      readonly op: 'kvSubU64Ex' | 'kvSubU256Ex';
      readonly amount: unknown;
      readonly onMissing?: unknown;
      readonly onUnderflow?: unknown;
    })
  | (KvAt & {
      readonly op: 'kvMaxU64' | 'kvMinU64' | 'kvMaxU256' | 'kvMinU256';
      readonly value: unknown;
    })
  | (KvAt & {
      readonly op: 'kvAddI64Bounded';
      readonly delta: unknown;
      readonly min?: unknown;
      readonly max?: unknown;
      readonly onMissing?: unknown;
    })
  | (KvAt & {
      readonly op: 'kvMutateU64' | 'kvMutateU256';
      readonly mutate: unknown;
      readonly operand: unknown;
      readonly expectedSeq?: unknown;
    })
  | (KvAt & {
      readonly op: 'counterAdd';
      readonly delta: unknown;
      readonly shardCount: unknown;
      readonly shardHint?: unknown;
    })
  | {
      readonly op: 'tableIncU256' | 'tableDecU256';
      readonly at: Target;
      readonly pk: GenPk;
      readonly column: string;
      readonly amount: unknown;
      readonly onOverflow?: unknown;
      readonly onUnderflow?: unknown;
    };

const U64_MAX = (1n << 64n) - 1n;
const U256_MAX = (1n << 256n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** An unsigned amount: a bigint in range, a non-negative safe integer, or exactly `width` bytes. */
function unsigned(v: unknown, width: 8 | 32): bigint | undefined {
  const max = width === 8 ? U64_MAX : U256_MAX;
  if (typeof v === 'bigint') return v >= 0n && v <= max ? v : undefined;
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : undefined;
  if (v instanceof Uint8Array) {
    return v.length === width ? BigInt(`0x${Buffer.from(v).toString('hex')}`) : undefined;
  }
  return undefined;
}

function signedI64(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v >= I64_MIN && v <= I64_MAX ? v : undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  return undefined;
}

function encodeUnsigned(v: bigint, width: 8 | 32): string {
  return v.toString(16).padStart(width * 2, '0');
}

function encodeI64(v: bigint): string {
  return BigInt.asUintN(64, v).toString(16).padStart(16, '0');
}

/** The unsigned value of a stored entry of exactly `width` bytes (else VALIDATION). */
function decodeStored(e: MKvEntry, width: 8 | 32): bigint {
  if (e.value.length !== width * 2) fail('VALIDATION', `stored value is not ${width} bytes`);
  return BigInt(`0x${e.value === '' ? '0' : e.value}`);
}

function policy<T extends string>(v: unknown, dflt: T, other: T, field: string): T {
  if (v === undefined || v === dflt) return dflt;
  if (v === other) return other;
  return fail('VALIDATION', `bad ${field}`);
}

function put(s: ModelState, at: KvAt, hex: string, seq: number): void {
  requireScope(s, at.p, at.s).kv.set(at.key, { value: hex, version: seq });
}

/** Apply one numeric mutation to `s` (the commit's draft) at `seq`. */
function applyNumeric(s: ModelState, spec: NumSpec, seq: number): void {
  if (!('p' in spec)) {
    applyTableNumeric(s, spec, seq);
    return;
  }
  const m = spec;
  const scope = requireScope(s, m.p, m.s);
  const stored = scope.kv.get(m.key);
  switch (m.op) {
    case 'kvAddU64Ex':
    case 'kvAddU256Ex': {
      const width = m.op === 'kvAddU64Ex' ? 8 : 32;
      const amount = unsigned(m.amount, width) ?? fail('VALIDATION', 'amount');
      const missing = policy(m.onMissing, 'treatAsZero', 'reject', 'onMissing');
      const overflow = policy(m.onOverflow, 'reject', 'saturate', 'onOverflow');
      if (stored === undefined && missing === 'reject') fail('NOT_FOUND', 'missing key');
      const current = stored === undefined ? 0n : decodeStored(stored, width);
      const max = width === 8 ? U64_MAX : U256_MAX;
      let next = current + amount;
      if (next > max) next = overflow === 'saturate' ? max : fail('OVERFLOW', 'overflow');
      put(s, m, encodeUnsigned(next, width), seq);
      return;
    }
    case 'kvSubU64Ex':
    case 'kvSubU256Ex': {
      const width = m.op === 'kvSubU64Ex' ? 8 : 32;
      const amount = unsigned(m.amount, width) ?? fail('VALIDATION', 'amount');
      const missing = policy(m.onMissing, 'treatAsZero', 'reject', 'onMissing');
      const underflow = policy(m.onUnderflow, 'reject', 'noOp', 'onUnderflow');
      if (stored === undefined && missing === 'reject') fail('NOT_FOUND', 'missing key');
      const current = stored === undefined ? 0n : decodeStored(stored, width);
      if (current < amount) {
        if (underflow === 'noOp') return; // writes nothing: value and version stay
        fail('UNDERFLOW', 'underflow');
      }
      put(s, m, encodeUnsigned(current - amount, width), seq);
      return;
    }
    case 'kvMaxU64':
    case 'kvMinU64':
    case 'kvMaxU256':
    case 'kvMinU256': {
      const width = m.op.endsWith('U64') ? 8 : 32;
      const value = unsigned(m.value, width) ?? fail('VALIDATION', 'value');
      let next = value;
      if (stored !== undefined) {
        const current = decodeStored(stored, width);
        const isMax = m.op.startsWith('kvMax');
        if (isMax ? current > value : current < value) next = current;
      }
      put(s, m, encodeUnsigned(next, width), seq); // always written: the version moves
      return;
    }
    case 'kvAddI64Bounded': {
      const delta = signedI64(m.delta) ?? fail('VALIDATION', 'delta');
      const min = m.min === undefined ? I64_MIN : (signedI64(m.min) ?? fail('VALIDATION', 'min'));
      const max = m.max === undefined ? I64_MAX : (signedI64(m.max) ?? fail('VALIDATION', 'max'));
      if (min > max) fail('VALIDATION', 'min > max');
      const missing = policy(m.onMissing, 'treatAsZero', 'reject', 'onMissing');
      let current = 0n;
      if (stored === undefined) {
        if (missing === 'reject') fail('NOT_FOUND', 'missing key');
      } else {
        if (stored.value.length !== 16) fail('VALIDATION', 'not an i64');
        current = BigInt.asIntN(64, BigInt(`0x${stored.value}`));
      }
      const next = current + delta;
      if (next < min) fail('UNDERFLOW', 'below min');
      if (next > max) fail('OVERFLOW', 'above max');
      put(s, m, encodeI64(next), seq);
      return;
    }
    case 'kvMutateU64':
    case 'kvMutateU256': {
      const width = m.op === 'kvMutateU64' ? 8 : 32;
      const op = m.mutate;
      if (op !== 'set' && op !== 'add' && op !== 'sub') fail('VALIDATION', 'op');
      const operand = unsigned(m.operand, width) ?? fail('VALIDATION', 'operand');
      const expected = m.expectedSeq;
      if (
        expected !== undefined &&
        !(Number.isSafeInteger(expected) && (expected as number) >= 0)
      ) {
        fail('VALIDATION', 'expectedSeq');
      }
      if (expected !== undefined && (stored?.version ?? 0) !== expected) fail('CONFLICT', 'seq');
      if (op === 'set') {
        put(s, m, encodeUnsigned(operand, width), seq);
        return;
      }
      const current = stored === undefined ? 0n : decodeStored(stored, width);
      if (op === 'add') {
        const next = current + operand;
        if (next > (width === 8 ? U64_MAX : U256_MAX)) fail('OVERFLOW', 'overflow');
        put(s, m, encodeUnsigned(next, width), seq);
        return;
      }
      if (current < operand) fail('UNDERFLOW', 'underflow');
      put(s, m, encodeUnsigned(current - operand, width), seq);
      return;
    }
    case 'counterAdd': {
      const delta = unsigned(m.delta, 8) ?? fail('VALIDATION', 'delta');
      const count = m.shardCount;
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 4096) {
        fail('VALIDATION', 'shardCount');
      }
      const hint = m.shardHint;
      if (
        hint !== undefined &&
        !(typeof hint === 'number' && Number.isSafeInteger(hint) && hint >= 0)
      ) {
        fail('VALIDATION', 'shardHint');
      }
      const shard = (typeof hint === 'number' ? hint : seq) % count;
      // Shard key: K, NUL, '#', u16 big-endian (shard counts here stay below 128: valid UTF-8).
      const key = `${m.key}\u0000#${String.fromCharCode(shard >>> 8, shard & 0xff)}`;
      const current = scope.kv.get(key);
      const next = (current === undefined ? 0n : decodeStored(current, 8)) + delta;
      if (next > U64_MAX) fail('OVERFLOW', 'shard overflow');
      put(s, { p: m.p, s: m.s, key }, encodeUnsigned(next, 8), seq);
      return;
    }
  }
}

function applyTableNumeric(
  s: ModelState,
  m: Extract<NumSpec, { op: 'tableIncU256' | 'tableDecU256' }>,
  seq: number,
): void {
  const table = requireTable(s, m.at);
  const c = column(table, m.column) ?? fail('VALIDATION', `no column ${m.column}`);
  if (c.type !== 'u256') fail('VALIDATION', 'not u256');
  if (table.pk.includes(c.name)) fail('VALIDATION', 'key column');
  const amount = unsigned(m.amount, 32) ?? fail('VALIDATION', 'amount');
  const overflow = policy(m.onOverflow, 'reject', 'saturate', 'onOverflow');
  const underflow = policy(m.onUnderflow, 'reject', 'noOp', 'onUnderflow');
  const pk = pkOf(table, m.pk);
  const row = table.rows.get(pk) ?? fail('NOT_FOUND', 'no row');
  const cell = row.get(c.id) ?? null;
  const current = cell === null ? 0n : (cell as bigint);
  let next: bigint;
  if (m.op === 'tableIncU256') {
    next = current + amount;
    if (next > U256_MAX) next = overflow === 'saturate' ? U256_MAX : fail('OVERFLOW', 'overflow');
  } else {
    if (current < amount) {
      if (underflow === 'noOp') return;
      fail('UNDERFLOW', 'underflow');
    }
    next = current - amount;
  }
  const values = new Map(row);
  values.set(c.id, next);
  checkUnique(table, values, pk);
  table.rows.set(pk, values);
  table.versions.set(pk, seq);
}

// ------------------------------------------------------------------ events

/** An `emitEvent` mutation as generated. */
export interface EmitSpec {
  readonly p: string;
  readonly s: string;
  readonly topic: string;
  readonly eventKey: string;
  readonly payloadJson: string;
}

/** Topics and event keys: 1-`max` characters, no control characters (C0 or DEL). */
function badText(v: string, max: number): boolean {
  if (v.length === 0 || v.length > max) return true;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function applyEmit(s: ModelState, e: EmitSpec, seq: number): void {
  requireScope(s, e.p, e.s);
  if (badText(e.topic, 256)) fail('VALIDATION', 'topic');
  if (badText(e.eventKey, 1024)) fail('VALIDATION', 'eventKey');
  try {
    JSON.parse(e.payloadJson);
  } catch {
    fail('VALIDATION', 'payload is not JSON');
  }
  if (
    s.events.some((x) => x.commitSeq === seq && x.topic === e.topic && x.eventKey === e.eventKey)
  ) {
    fail('ALREADY_EXISTS', 'emitted twice in one commit');
  }
  const event: ModelEvent = {
    commitSeq: seq,
    topic: e.topic,
    eventKey: e.eventKey,
    projectId: e.p,
    scopeId: e.s,
    payloadJson: e.payloadJson,
  };
  s.events.push(event);
  s.events.sort(eventOrder);
}

function eventOrder(a: ModelEvent, b: ModelEvent): number {
  return (
    a.commitSeq - b.commitSeq || utf8Order(a.topic, b.topic) || utf8Order(a.eventKey, b.eventKey)
  );
}

/** A page of `readEventStream(topic, fromSeqExclusive, limit)`: never splits a commit. */
export function readEvents(
  s: ModelState,
  topic: string | undefined,
  fromSeqExclusive: number,
  limit: number,
): { events: ModelEvent[]; nextCommitSeq: number | undefined; hasMore: boolean } {
  if (topic !== undefined && (topic.length === 0 || topic.length > 256))
    fail('VALIDATION', 'topic');
  if (!(Number.isSafeInteger(fromSeqExclusive) && fromSeqExclusive >= 0))
    fail('VALIDATION', 'from');
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= 10_000)) fail('VALIDATION', 'limit');
  const matching = s.events.filter(
    (e) => e.commitSeq > fromSeqExclusive && (topic === undefined || e.topic === topic),
  );
  const events: ModelEvent[] = [];
  for (const e of matching) {
    if (events.length >= limit && e.commitSeq !== events[events.length - 1].commitSeq) break;
    events.push(e);
  }
  return {
    events,
    nextCommitSeq: events.at(-1)?.commitSeq,
    hasMore: events.length < matching.length,
  };
}

// ------------------------------------------------------------------ assertions

/**
 * A version an assertion or read-set point expects, as generated: the version the target had at
 * the envelope's `baseSeq`, the one it has before the commit (`now`), or a number. Resolved to a
 * number (`resolveAssertion`, `resolvePoint`) before the engine and the model see it.
 */
export type VersionSpec = 'base' | 'now' | number;

/** A read assertion as generated (mirrors `ReadAssertion`; some deliberately invalid). */
export type AssertSpec =
  | (KvAt & { readonly type: 'keyEquals'; readonly value: string | Uint8Array })
  | (KvAt & {
      readonly type: 'keyCompare';
      readonly op: CompareOp | 'bogus';
      readonly threshold: Uint8Array | bigint | number;
    })
  | (KvAt & { readonly type: 'keyExists'; readonly expected?: boolean })
  | (KvAt & { readonly type: 'keyVersion'; readonly expectedSeq: VersionSpec })
  | {
      readonly type: 'rowExists';
      readonly at: Target;
      readonly pk: GenPk;
      readonly expected?: boolean;
    }
  | {
      readonly type: 'rowVersion';
      readonly at: Target;
      readonly pk: GenPk;
      readonly expectedSeq: VersionSpec;
    }
  | {
      readonly type: 'rowColumnCompare';
      readonly at: Target;
      readonly pk: GenPk;
      readonly column: string;
      readonly op: CompareOp;
      readonly value: GenValue;
    }
  | {
      readonly type: 'countCompare';
      readonly at: Target;
      readonly op: CompareOp;
      readonly value: number;
      readonly filter?: ExprSpec;
    }
  | {
      readonly type: 'sumCompare';
      readonly at: Target;
      readonly column: string;
      readonly op: CompareOp;
      readonly value: bigint;
      readonly filter?: ExprSpec;
    }
  | { readonly type: 'all' | 'any'; readonly assertions: readonly AssertSpec[] }
  | { readonly type: 'not'; readonly assertion: AssertSpec };

/** Seqs the symbolic versions resolve against. */
export interface VersionContext {
  /** The state at the envelope's `baseSeq`. */
  readonly base: ModelState;
  /** The state the envelope applies to (before its mutations). */
  readonly now: ModelState;
}

/** The KV version of `key` in `s` (0 when missing or the scope does not exist). */
export function kvVersion(s: ModelState, at: KvAt): number {
  return s.projects.get(at.p)?.get(at.s)?.kv.get(at.key)?.version ?? 0;
}

/** The version of a row in `s` (0 when missing, or when the key does not fit the table). */
export function rowVersion(s: ModelState, at: Target, pk: GenPk): number {
  const table = s.projects.get(at.p)?.get(at.s)?.tables.get(at.t);
  if (table === undefined) return 0;
  try {
    return table.versions.get(pkOf(table, pk)) ?? 0;
  } catch {
    return 0;
  }
}

/** A symbolic version as a number. */
export function resolveVersion(
  v: VersionSpec,
  read: (s: ModelState) => number,
  ctx: VersionContext,
): number {
  if (v === 'base') return read(ctx.base);
  if (v === 'now') return read(ctx.now);
  return v;
}

function opHolds(op: CompareOp, cmp: number): boolean {
  switch (op) {
    case 'eq':
      return cmp === 0;
    case 'ne':
      return cmp !== 0;
    case 'gt':
      return cmp > 0;
    case 'gte':
      return cmp >= 0;
    case 'lt':
      return cmp < 0;
    case 'lte':
      return cmp <= 0;
  }
}

function cmpMixed(a: bigint | number, b: bigint | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Structural validation (every assertion, before any is evaluated): operators, a NULL value. */
function validateAssertion(a: AssertSpec, depth: number): void {
  if (depth > 32) fail('VALIDATION', 'nested too deeply');
  if (a.type === 'all' || a.type === 'any') {
    for (const x of a.assertions) validateAssertion(x, depth + 1);
  } else if (a.type === 'not') {
    validateAssertion(a.assertion, depth + 1);
  } else if (a.type === 'keyCompare' && a.op === 'bogus') {
    fail('VALIDATION', 'op');
  } else if (
    a.type === 'rowColumnCompare' &&
    (a.value.input === null || a.value.input === undefined)
  ) {
    fail('VALIDATION', 'a comparison with NULL');
  }
}

function holds(s: ModelState, a: AssertSpec, ctx: VersionContext): boolean {
  switch (a.type) {
    case 'keyEquals': {
      const e = requireScope(s, a.p, a.s).kv.get(a.key);
      return e !== undefined && e.value === kvHex(a.value);
    }
    case 'keyCompare': {
      const e = requireScope(s, a.p, a.s).kv.get(a.key);
      if (e === undefined) return false;
      const t = a.threshold;
      if (t instanceof Uint8Array) {
        return opHolds(
          a.op as CompareOp,
          Math.sign(Buffer.compare(Buffer.from(e.value, 'hex'), Buffer.from(t))),
        );
      }
      return opHolds(a.op as CompareOp, cmpMixed(BigInt(`0x${e.value === '' ? '0' : e.value}`), t));
    }
    case 'keyExists':
      return requireScope(s, a.p, a.s).kv.has(a.key) === (a.expected ?? true);
    case 'keyVersion':
      requireScope(s, a.p, a.s);
      return kvVersion(s, a) === concrete(a.expectedSeq);
    case 'rowExists': {
      const table = requireTable(s, a.at);
      return table.rows.has(pkOf(table, a.pk)) === (a.expected ?? true);
    }
    case 'rowVersion': {
      const table = requireTable(s, a.at);
      return (table.versions.get(pkOf(table, a.pk)) ?? 0) === concrete(a.expectedSeq);
    }
    case 'rowColumnCompare': {
      const table = requireTable(s, a.at);
      const pk = pkOf(table, a.pk);
      const c = column(table, a.column) ?? fail('VALIDATION', `no column ${a.column}`);
      if (c.type === 'json') throw new Error('the model does not compare json cells');
      if (!isValid(a.value) || a.value.stored === null) fail('VALIDATION', 'threshold');
      const threshold = a.value.stored;
      const row = table.rows.get(pk);
      if (row === undefined) return false;
      const cell = row.get(c.id) ?? null;
      if (cell === null) return false;
      return opHolds(a.op, Math.sign(compare(c.type, cell, threshold)));
    }
    case 'countCompare': {
      const table = requireTable(s, a.at);
      const n =
        a.filter === undefined
          ? table.rows.size
          : runQuery(s, { at: a.at, select: [table.pk[0]], where: a.filter, order: [] }).length;
      return opHolds(a.op, cmpMixed(n, a.value));
    }
    case 'sumCompare': {
      const table = requireTable(s, a.at);
      const c = column(table, a.column) ?? fail('VALIDATION', `no column ${a.column}`);
      if (c.type === 'float') throw new Error('the model does not sum floats');
      if (!['u8', 'u64', 'integer', 'u256', 'i256'].includes(c.type)) {
        fail('VALIDATION', 'not summable');
      }
      const filter = a.filter;
      if (filter !== undefined) checkExpr(table, filter);
      let total = 0n;
      for (const row of table.rows.values()) {
        if (filter !== undefined && evaluate(table, row, filter) !== true) continue;
        const v = valueOf(table, row, c.name);
        if (typeof v === 'bigint') total += v;
        else if (typeof v === 'number') total += BigInt(v);
      }
      return opHolds(a.op, cmpMixed(total, a.value));
    }
    case 'all':
      return a.assertions.every((x) => holds(s, x, ctx));
    case 'any':
      return a.assertions.some((x) => holds(s, x, ctx));
    case 'not':
      return !holds(s, a.assertion, ctx);
  }
}

function concrete(v: VersionSpec): number {
  if (typeof v !== 'number') throw new Error(`unresolved version '${v}'`);
  return v;
}

/** The assertion with its symbolic versions resolved (see {@link VersionSpec}). */
export function resolveAssertion(a: AssertSpec, ctx: VersionContext): AssertSpec {
  switch (a.type) {
    case 'keyVersion':
      return { ...a, expectedSeq: resolveVersion(a.expectedSeq, (x) => kvVersion(x, a), ctx) };
    case 'rowVersion':
      return {
        ...a,
        expectedSeq: resolveVersion(a.expectedSeq, (x) => rowVersion(x, a.at, a.pk), ctx),
      };
    case 'all':
    case 'any':
      return { ...a, assertions: a.assertions.map((x) => resolveAssertion(x, ctx)) };
    case 'not':
      return { ...a, assertion: resolveAssertion(a.assertion, ctx) };
    case 'keyEquals':
    case 'keyCompare':
    case 'keyExists':
    case 'rowExists':
    case 'rowColumnCompare':
    case 'countCompare':
    case 'sumCompare':
      return a;
  }
}

/** The point with its version resolved. */
export function resolvePoint(p: PointSpec, ctx: VersionContext): PointSpec {
  return p.type === 'kv'
    ? { ...p, version: resolveVersion(p.version, (x) => kvVersion(x, p), ctx) }
    : { ...p, version: resolveVersion(p.version, (x) => rowVersion(x, p.at, p.pk), ctx) };
}

/**
 * Evaluate assertions in order on `s` (validated first); the first that does not hold fails
 * with ASSERTION_FAILED; errors while reading (a missing scope) surface as they come.
 */
export function evaluateAssertions(
  s: ModelState,
  assertions: readonly AssertSpec[],
  ctx: VersionContext,
): void {
  for (const a of assertions) validateAssertion(a, 1);
  for (const a of assertions) if (!holds(s, a, ctx)) fail('ASSERTION_FAILED', a.type);
}

// ------------------------------------------------------------------ mutations

/** Apply any mutation of the model (base kinds via `reference-model.ts`). */
export function applyTxMutation(s: ModelState, m: MutSpec, seq: number, ctx: VersionContext): void {
  switch (m.kind) {
    case 'num':
      applyNumeric(s, m.op, seq);
      return;
    case 'emit':
      applyEmit(s, m.event, seq);
      return;
    case 'postflight':
      evaluateAssertions(s, m.assertions, { base: ctx.base, now: s });
      return;
    case 'insert':
    case 'upsert':
    case 'updateFields':
    case 'delete':
    case 'kvSet':
    case 'kvDel':
    case 'ddl':
      applyMutation(s, m, seq);
  }
}

// ------------------------------------------------------------------ read sets

/** A read-set point as generated. */
export type PointSpec =
  | (KvAt & { readonly type: 'kv'; readonly version: VersionSpec })
  | {
      readonly type: 'row';
      readonly at: Target;
      readonly pk: GenPk;
      readonly version: VersionSpec;
    };

/** A read-set range as generated. */
export type RangeSpec =
  | { readonly type: 'kvPrefix'; readonly p: string; readonly s: string; readonly prefix: string }
  | {
      readonly type: 'kvRange';
      readonly p: string;
      readonly s: string;
      readonly start?: string;
      readonly end?: string;
    }
  | { readonly type: 'tablePrefix'; readonly at: Target; readonly prefix: readonly GenValue[] };

/** What the model says about a range: it changed, it did not, or the engine may go either way. */
export type RangeVerdict = 'changed' | 'unchanged' | 'either';

/** Whether a point is stale (CONFLICT), after resolving it (NOT_FOUND, VALIDATION). */
export function pointIsStale(s: ModelState, p: PointSpec): boolean {
  if (p.type === 'kv') {
    requireScope(s, p.p, p.s);
    return kvVersion(s, p) !== concrete(p.version);
  }
  const table = requireTable(s, p.at);
  return (table.versions.get(pkOf(table, p.pk)) ?? 0) !== concrete(p.version);
}

function inKvRange(key: string, r: Extract<RangeSpec, { p: string }>): boolean {
  const k = Buffer.from(key, 'utf8');
  if (r.type === 'kvPrefix') {
    const pre = Buffer.from(r.prefix, 'utf8');
    return k.length >= pre.length && k.subarray(0, pre.length).equals(pre);
  }
  if (r.start !== undefined && Buffer.compare(k, Buffer.from(r.start, 'utf8')) < 0) return false;
  if (r.end !== undefined && Buffer.compare(k, Buffer.from(r.end, 'utf8')) >= 0) return false;
  return true;
}

/** What a range held in `s`: its entries and their versions, canonically. */
function rangeContent(s: ModelState, r: RangeSpec): string {
  if (r.type === 'tablePrefix') {
    const table = s.projects.get(r.at.p)?.get(r.at.s)?.tables.get(r.at.t);
    if (table === undefined) return '';
    const prefix = r.prefix.map((v) => canon(isValid(v) ? v.stored : null));
    const out: string[] = [];
    for (const [pk, version] of [...table.versions].sort()) {
      const values = JSON.parse(pk) as string[];
      if (prefix.every((p, i) => values[i] === p)) out.push(`${pk}@${version}`);
    }
    return out.join('|');
  }
  const scope = s.projects.get(r.p)?.get(r.s);
  if (scope === undefined) return '';
  return [...scope.kv]
    .filter(([k]) => inKvRange(k, r))
    .sort((a, b) => utf8Order(a[0], b[0]))
    .map(([k, e]) => `${k}@${e.version}`)
    .join('|');
}

/**
 * Resolve a range (NOT_FOUND for a missing scope or table, VALIDATION for a prefix that does
 * not fit the key) and judge it: `changed` when its content (keys and versions) at `baseSeq`
 * differs from now — the engine must conflict; `either` when it is the same but the engine may
 * not be able to tell (a delete in the same tree after `baseSeq`, or a history it no longer has:
 * `floorSeq`, the last reopen or drop); else `unchanged` — the engine must not conflict.
 */
export function judgeRange(
  s: ModelState,
  r: RangeSpec,
  baseSeq: number,
  base: ModelState,
  floorSeq: number,
): RangeVerdict {
  let lastDelete: number;
  if (r.type === 'tablePrefix') {
    const table = requireTable(s, r.at);
    if (r.prefix.length > table.pk.length) fail('VALIDATION', 'prefix longer than the key');
    r.prefix.forEach((v, i) => {
      const c = column(table, table.pk[i]);
      if (c === undefined || !isValid(v) || v.stored === null) fail('VALIDATION', 'prefix value');
      const stored = v.stored;
      if (c.type === 'integer' ? typeof stored !== 'number' : typeof stored !== 'string') {
        fail('VALIDATION', 'prefix type');
      }
    });
    lastDelete = table.rowsLastDelete;
  } else {
    lastDelete = requireScope(s, r.p, r.s).kvLastDelete;
  }
  if (rangeContent(base, r) !== rangeContent(s, r)) return 'changed';
  return lastDelete > baseSeq || floorSeq > baseSeq ? 'either' : 'unchanged';
}

// ------------------------------------------------------------------ idempotency

/**
 * A canonical form of a request (write class, assertions, mutations as passed to the engine):
 * two requests are the same when their forms are equal. Type-tagged, object keys sorted, -0 as
 * 0; a function or symbol cannot be compared (VALIDATION).
 */
export function requestFingerprint(value: unknown): string {
  if (value === null) return 'n';
  if (value === undefined) return 'u';
  switch (typeof value) {
    case 'string':
      return `s${JSON.stringify(value)}`;
    case 'number':
      return `d${Object.is(value, -0) ? 0 : value}`;
    case 'bigint':
      return `b${value}`;
    case 'boolean':
      return value ? 't' : 'f';
    case 'object':
      break;
    case 'function':
    case 'symbol':
    case 'undefined':
      return fail('VALIDATION', `cannot fingerprint a ${typeof value}`);
  }
  if (value instanceof Uint8Array) return `y${Buffer.from(value).toString('hex')}`;
  if (value instanceof Date) return `D${value.getTime()}`;
  if (Array.isArray(value)) return `[${value.map(requestFingerprint).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${requestFingerprint((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** The caller-scoped key of an idempotency key. */
export function scopedKey(callerId: string | undefined, key: string): string {
  return `${callerId ?? ''}\u0000${key}`;
}

// ------------------------------------------------------------------ rolled-back commits

/**
 * After a commit failed part way, mark in `state` every tree the failed part had written
 * (`draft`: the commit's state when it failed): the engine undoes those writes by deleting the
 * entries it had added (and re-putting the ones it had deleted), which leaves deletion marks,
 * so a later range over such a tree may conflict without a real change (`either`). Only these
 * markers change: they are read from the current state alone.
 */
export function markRolledBack(state: ModelState, draft: ModelState, seq: number): void {
  for (const [p, scopes] of state.projects) {
    for (const [sc, scope] of scopes) {
      // A scope or table the failed draft dropped may have been written before the drop (the
      // engine rolls those writes back, but its trees may still carry their seq): uncertain.
      const d = draft.projects.get(p)?.get(sc);
      if (
        d === undefined ||
        !sameEntries(scope.kv, d.kv, (a, b) => a.value === b.value && a.version === b.version)
      ) {
        scope.kvLastDelete = Math.max(scope.kvLastDelete, seq);
      }
      for (const [t, table] of scope.tables) {
        const dt = d?.tables.get(t);
        if (dt === undefined || !sameEntries(table.versions, dt.versions, (a, b) => a === b)) {
          table.rowsLastDelete = Math.max(table.rowsLastDelete, seq);
        }
      }
    }
  }
}

function sameEntries<V>(
  a: ReadonlyMap<string, V>,
  b: ReadonlyMap<string, V>,
  same: (x: V, y: V) => boolean,
): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined || !same(v, w)) return false;
  }
  return true;
}
