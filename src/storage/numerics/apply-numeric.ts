/**
 * Applying the atomic numeric mutations inside the commit pipeline: read the current value from
 * the transaction-local state, apply the policy, and `put` the resulting value. The WAL frame
 * therefore carries the final bytes (replay never re-runs the arithmetic), and callers never do
 * a read-modify-write of their own.
 *
 * Decisions:
 * - `kvMaxU64` / `kvMinU64` / `kvMaxU256` / `kvMinU256` always write their result (even when it
 *   equals the current value), like every other mutation that names a key: its version moves.
 * - `noOp` on underflow writes nothing (the key keeps its value and version).
 * - An amount of 0 still writes (a missing key with `treatAsZero` becomes 0).
 * - `counterAdd` without `shardHint` uses shard `commitSeq % shardCount`: deterministic, and
 *   consecutive commits rotate over the shards. Shard keys: see `counter-read.ts`.
 * - Stored values are checked to have exactly the type's width; anything else is a
 *   `ValidationError` naming scope and key (the value is not ours to reinterpret).
 *
 * @module
 */
import { kvTreeId } from '../catalog/catalog';
import { kvKeyToByteString } from '../commit/kv-input';
import { put, writeRow, type ApplyContext } from '../commit/apply-primitives';
import {
  describePrimaryKey,
  encodePrimaryKeyInput,
  rowNotFound,
  tableLayout,
  type TableLayout,
} from '../commit/table-layout';
import {
  ConflictError,
  NotFoundError,
  OverflowError,
  UnderflowError,
  ValidationError,
} from '../errors';
import { SYSTEM_PROJECT, validateName, validateUserProject } from '../names';
import type { Value } from '../schema';
import { decodeRowValues } from '../values/row-codec';
import { COUNTER_SHARD_SUFFIX_BYTES, checkShardCount, counterShardSuffix } from './counter-read';
import { describeKvAt } from './kv-describe';
import {
  I64_MAX,
  I64_MIN,
  U256_BYTES,
  U256_MAX,
  U64_BYTES,
  U64_MAX,
  byteStringToI64,
  byteStringToU256,
  byteStringToU64,
  describeNumericInput,
  i64ToByteString,
  signedI64From,
  u256ToByteString,
  u64ToByteString,
  unsignedAmount,
} from './numeric-codec';
import type { NumericMutation } from './numeric-mutation';

type Width = 8 | 32;

/** The KV-addressed numeric mutations. */
type KvNumeric = Exclude<NumericMutation, { type: 'tableIncU256' | 'tableDecU256' }>;
type TableNumeric = Extract<NumericMutation, { type: 'tableIncU256' | 'tableDecU256' }>;
type AddMutation = Extract<NumericMutation, { type: 'kvAddU64Ex' | 'kvAddU256Ex' }>;
type SubMutation = Extract<NumericMutation, { type: 'kvSubU64Ex' | 'kvSubU256Ex' }>;
type MaxMinMutation = Extract<
  NumericMutation,
  { type: 'kvMaxU64' | 'kvMinU64' | 'kvMaxU256' | 'kvMinU256' }
>;
type MutateMutation = Extract<NumericMutation, { type: 'kvMutateU64' | 'kvMutateU256' }>;
type I64Mutation = Extract<NumericMutation, { type: 'kvAddI64Bounded' }>;
type CounterMutation = Extract<NumericMutation, { type: 'counterAdd' }>;

/**
 * Validate a numeric mutation, apply it to the working state and log its resulting value.
 * Throws (and the pipeline rolls the whole commit back):
 * - `ValidationError`: a bad name, key, amount, policy or shard count; a stored value of the
 *   wrong width (naming scope and key); an unknown or non-`u256` column of `tableIncU256`;
 * - `NotFoundError`: a missing project, scope, table or row, or a missing key with
 *   `onMissing: 'reject'`;
 * - `UnderflowError` / `OverflowError`: the result leaves the type's range (or the bounds of
 *   `kvAddI64Bounded`) and the policy rejects;
 * - `ConflictError`: `kvMutateU64`/`kvMutateU256` with an `expectedSeq` that is not the key's
 *   version (details: `expectedSeq`, `actualSeq`).
 */
export function applyNumericMutation(ctx: ApplyContext, m: NumericMutation): void {
  switch (m.type) {
    case 'kvAddU64Ex':
      applyAdd(ctx, m, U64_BYTES);
      return;
    case 'kvAddU256Ex':
      applyAdd(ctx, m, U256_BYTES);
      return;
    case 'kvSubU64Ex':
      applySub(ctx, m, U64_BYTES);
      return;
    case 'kvSubU256Ex':
      applySub(ctx, m, U256_BYTES);
      return;
    case 'kvMaxU64':
    case 'kvMinU64':
      applyMaxMin(ctx, m, U64_BYTES, m.type === 'kvMaxU64');
      return;
    case 'kvMaxU256':
    case 'kvMinU256':
      applyMaxMin(ctx, m, U256_BYTES, m.type === 'kvMaxU256');
      return;
    case 'kvAddI64Bounded':
      applyAddI64(ctx, m);
      return;
    case 'kvMutateU64':
      applyMutate(ctx, m, U64_BYTES);
      return;
    case 'kvMutateU256':
      applyMutate(ctx, m, U256_BYTES);
      return;
    case 'counterAdd':
      applyCounterAdd(ctx, m);
      return;
    case 'tableIncU256':
    case 'tableDecU256':
      applyTableU256(ctx, m, m.type === 'tableIncU256');
      return;
    default:
      throw new ValidationError(
        `mutation: unknown numeric mutation type ${JSON.stringify((m as { type?: unknown }).type)}`,
      );
  }
}

// ---------------------------------------------------------------------------------------------
// KV numerics
// ---------------------------------------------------------------------------------------------

function applyAdd(ctx: ApplyContext, m: AddMutation, width: Width): void {
  const tree = kvTree(ctx, m);
  const key = kvKeyToByteString(ctx.config, m.key, m);
  const amount = amountOf(m, m.amount, 'amount', width, key);
  const rejectMissing = missingIsReject(m, m.onMissing, key);
  const saturate = overflowIsSaturate(m, m.onOverflow, key);
  const current = readUnsigned(ctx, m, tree, key, width, rejectMissing);
  const max = width === U64_BYTES ? U64_MAX : U256_MAX;
  let next = current + amount;
  if (next > max) {
    if (!saturate) {
      throw new OverflowError(
        `${m.type} on ${describeKvAt(m.projectId, m.scopeId, key)}: ${current} + ${amount} exceeds the ${typeName(width)} maximum (onOverflow: 'reject')`,
        kvDetails(m, key, { current: current.toString(), amount: amount.toString() }),
      );
    }
    next = max;
  }
  writeUnsigned(ctx, tree, key, next, width);
}

function applySub(ctx: ApplyContext, m: SubMutation, width: Width): void {
  const tree = kvTree(ctx, m);
  const key = kvKeyToByteString(ctx.config, m.key, m);
  const amount = amountOf(m, m.amount, 'amount', width, key);
  const rejectMissing = missingIsReject(m, m.onMissing, key);
  const noOp = underflowIsNoOp(m, m.onUnderflow, key);
  const current = readUnsigned(ctx, m, tree, key, width, rejectMissing);
  if (current < amount) {
    if (noOp) return;
    throw new UnderflowError(
      `${m.type} on ${describeKvAt(m.projectId, m.scopeId, key)}: ${current} is less than the amount ${amount} (onUnderflow: 'reject')`,
      kvDetails(m, key, { current: current.toString(), amount: amount.toString() }),
    );
  }
  writeUnsigned(ctx, tree, key, current - amount, width);
}

function applyMaxMin(ctx: ApplyContext, m: MaxMinMutation, width: Width, isMax: boolean): void {
  const tree = kvTree(ctx, m);
  const key = kvKeyToByteString(ctx.config, m.key, m);
  const value = amountOf(m, m.value, 'value', width, key);
  const stored = ctx.state.readTree(tree).get(key);
  let next = value;
  if (stored !== undefined) {
    const current = decodeStored(m, stored, key, width);
    if (isMax ? current > value : current < value) next = current;
  }
  writeUnsigned(ctx, tree, key, next, width);
}

function applyMutate(ctx: ApplyContext, m: MutateMutation, width: Width): void {
  const tree = kvTree(ctx, m);
  const key = kvKeyToByteString(ctx.config, m.key, m);
  const op = m.op;
  if (op !== 'set' && op !== 'add' && op !== 'sub') {
    throw new ValidationError(
      `${m.type} on ${describeKvAt(m.projectId, m.scopeId, key)}: op must be 'set', 'add' or 'sub', got ${describeOption(op)}`,
      kvDetails(m, key, { field: 'op' }),
    );
  }
  const operand = amountOf(m, m.operand, 'operand', width, key);
  const expectedSeq = m.expectedSeq;
  if (expectedSeq !== undefined && !(Number.isSafeInteger(expectedSeq) && expectedSeq >= 0)) {
    throw new ValidationError(
      `${m.type} on ${describeKvAt(m.projectId, m.scopeId, key)}: expectedSeq must be a non-negative safe integer, got ${describeNumericInput(expectedSeq)}`,
      kvDetails(m, key, { field: 'expectedSeq' }),
    );
  }
  const map = ctx.state.readTree(tree);
  const stored = map.get(key);
  if (expectedSeq !== undefined) {
    const actualSeq = stored === undefined ? 0 : (map.getSeq(key) ?? 0);
    if (actualSeq !== expectedSeq) {
      throw new ConflictError(
        `${m.type} on ${describeKvAt(m.projectId, m.scopeId, key)}: expected version ${expectedSeq}, found ${actualSeq}${stored === undefined ? ' (missing)' : ''}`,
        kvDetails(m, key, { expectedSeq, actualSeq }),
      );
    }
  }
  if (op === 'set') {
    writeUnsigned(ctx, tree, key, operand, width);
    return;
  }
  const current = stored === undefined ? 0n : decodeStored(m, stored, key, width);
  if (op === 'add') {
    const next = current + operand;
    if (next > (width === U64_BYTES ? U64_MAX : U256_MAX)) {
      throw new OverflowError(
        `${m.type} on ${describeKvAt(m.projectId, m.scopeId, key)}: ${current} + ${operand} exceeds the ${typeName(width)} maximum`,
        kvDetails(m, key, { current: current.toString(), amount: operand.toString() }),
      );
    }
    writeUnsigned(ctx, tree, key, next, width);
    return;
  }
  if (current < operand) {
    throw new UnderflowError(
      `${m.type} on ${describeKvAt(m.projectId, m.scopeId, key)}: ${current} is less than the operand ${operand}`,
      kvDetails(m, key, { current: current.toString(), amount: operand.toString() }),
    );
  }
  writeUnsigned(ctx, tree, key, current - operand, width);
}

function applyAddI64(ctx: ApplyContext, m: I64Mutation): void {
  const tree = kvTree(ctx, m);
  const key = kvKeyToByteString(ctx.config, m.key, m);
  const delta = i64Field(m, m.delta, 'delta', key, undefined);
  const min = i64Field(m, m.min, 'min', key, I64_MIN);
  const max = i64Field(m, m.max, 'max', key, I64_MAX);
  if (min > max) {
    throw new ValidationError(
      `${m.type} on ${describeKvAt(m.projectId, m.scopeId, key)}: min ${min} is greater than max ${max}`,
      kvDetails(m, key, { min: min.toString(), max: max.toString() }),
    );
  }
  const rejectMissing = missingIsReject(m, m.onMissing, key);
  const stored = ctx.state.readTree(tree).get(key);
  let current = 0n;
  if (stored === undefined) {
    if (rejectMissing) throw missingKey(m, key);
  } else {
    if (stored.length !== U64_BYTES) throw wrongWidth(m, key, stored.length, 'an i64', U64_BYTES);
    current = byteStringToI64(stored);
  }
  const next = current + delta;
  if (next < min) {
    throw new UnderflowError(
      `${m.type} on ${describeKvAt(m.projectId, m.scopeId, key)}: ${current} + ${delta} = ${next} is below the minimum ${min}`,
      kvDetails(m, key, {
        current: current.toString(),
        delta: delta.toString(),
        min: min.toString(),
      }),
    );
  }
  if (next > max) {
    throw new OverflowError(
      `${m.type} on ${describeKvAt(m.projectId, m.scopeId, key)}: ${current} + ${delta} = ${next} is above the maximum ${max}`,
      kvDetails(m, key, {
        current: current.toString(),
        delta: delta.toString(),
        max: max.toString(),
      }),
    );
  }
  put(ctx, tree, key, i64ToByteString(next));
}

function applyCounterAdd(ctx: ApplyContext, m: CounterMutation): void {
  const tree = kvTree(ctx, m);
  const base = kvKeyToByteString(ctx.config, m.key, m);
  const delta = amountOf(m, m.delta, 'delta', U64_BYTES, base);
  checkShardCount(m.shardCount, `counterAdd on ${describeKvAt(m.projectId, m.scopeId, base)}`);
  const hint = m.shardHint;
  if (hint !== undefined && !(Number.isSafeInteger(hint) && hint >= 0)) {
    throw new ValidationError(
      `counterAdd on ${describeKvAt(m.projectId, m.scopeId, base)}: shardHint must be a non-negative safe integer, got ${describeNumericInput(hint)}`,
      kvDetails(m, base, { field: 'shardHint' }),
    );
  }
  if (base.length + COUNTER_SHARD_SUFFIX_BYTES > ctx.config.maxKvKeyBytes) {
    throw new ValidationError(
      `counterAdd on ${describeKvAt(m.projectId, m.scopeId, base)}: a counter key may have at most ${ctx.config.maxKvKeyBytes - COUNTER_SHARD_SUFFIX_BYTES} bytes (its shard keys add ${COUNTER_SHARD_SUFFIX_BYTES}), got ${base.length}`,
      kvDetails(m, base, { keyBytes: base.length }),
    );
  }
  const shard = (hint ?? ctx.seq) % m.shardCount;
  const key = base + counterShardSuffix(shard);
  const stored = ctx.state.readTree(tree).get(key);
  const current = stored === undefined ? 0n : decodeStored(m, stored, key, U64_BYTES);
  const next = current + delta;
  if (next > U64_MAX) {
    throw new OverflowError(
      `counterAdd on ${describeKvAt(m.projectId, m.scopeId, base)}: shard ${shard} holds ${current}; adding ${delta} exceeds the u64 maximum`,
      kvDetails(m, base, { shard, current: current.toString(), amount: delta.toString() }),
    );
  }
  put(ctx, tree, key, u64ToByteString(next));
}

/** The KV tree id of the mutation's scope (project, scope names validated; scope must exist). */
function kvTree(ctx: ApplyContext, m: KvNumeric): string {
  if (!(ctx.allowSystem && m.projectId === SYSTEM_PROJECT)) validateUserProject(m.projectId);
  validateName('scope', m.scopeId);
  return kvTreeId(ctx.state.catalog.requireScope(m.projectId, m.scopeId).scopeNum);
}

/** The current unsigned value of `key`; a missing key is 0 or, when `rejectMissing`, an error. */
function readUnsigned(
  ctx: ApplyContext,
  m: KvNumeric,
  tree: string,
  key: string,
  width: Width,
  rejectMissing: boolean,
): bigint {
  const stored = ctx.state.readTree(tree).get(key);
  if (stored === undefined) {
    if (rejectMissing) throw missingKey(m, key);
    return 0n;
  }
  return decodeStored(m, stored, key, width);
}

function decodeStored(m: KvNumeric, stored: string, key: string, width: Width): bigint {
  if (stored.length !== width) {
    throw wrongWidth(m, key, stored.length, `a ${typeName(width)}`, width);
  }
  return width === U64_BYTES ? byteStringToU64(stored) : byteStringToU256(stored);
}

function writeUnsigned(
  ctx: ApplyContext,
  tree: string,
  key: string,
  value: bigint,
  width: Width,
): void {
  put(ctx, tree, key, width === U64_BYTES ? u64ToByteString(value) : u256ToByteString(value));
}

function amountOf(m: KvNumeric, value: unknown, field: string, width: Width, key: string): bigint {
  const v = unsignedAmount(value, width);
  if (v === undefined) {
    throw new ValidationError(
      `${m.type} on ${describeKvAt(m.projectId, m.scopeId, key)}: ${field} must be ${amountRule(width)}, got ${describeNumericInput(value)}`,
      kvDetails(m, key, { field }),
    );
  }
  return v;
}

function i64Field(
  m: I64Mutation,
  value: unknown,
  field: string,
  key: string,
  fallback: bigint | undefined,
): bigint {
  if (value === undefined && fallback !== undefined) return fallback;
  const v = signedI64From(value);
  if (v === undefined) {
    throw new ValidationError(
      `${m.type} on ${describeKvAt(m.projectId, m.scopeId, key)}: ${field} must be an integer -2^63..2^63-1 (a bigint or a safe-integer number), got ${describeNumericInput(value)}`,
      kvDetails(m, key, { field }),
    );
  }
  return v;
}

function missingIsReject(m: KvNumeric, policy: unknown, key: string): boolean {
  if (policy === undefined || policy === 'treatAsZero') return false;
  if (policy === 'reject') return true;
  throw badPolicy(m, 'onMissing', "'treatAsZero' or 'reject'", policy, key);
}

function underflowIsNoOp(m: KvNumeric, policy: unknown, key: string): boolean {
  if (policy === undefined || policy === 'reject') return false;
  if (policy === 'noOp') return true;
  throw badPolicy(m, 'onUnderflow', "'reject' or 'noOp'", policy, key);
}

function overflowIsSaturate(m: KvNumeric, policy: unknown, key: string): boolean {
  if (policy === undefined || policy === 'reject') return false;
  if (policy === 'saturate') return true;
  throw badPolicy(m, 'onOverflow', "'reject' or 'saturate'", policy, key);
}

function badPolicy(
  m: KvNumeric,
  field: string,
  expected: string,
  got: unknown,
  key: string,
): ValidationError {
  return new ValidationError(
    `${m.type} on ${describeKvAt(m.projectId, m.scopeId, key)}: ${field} must be ${expected}, got ${describeOption(got)}`,
    kvDetails(m, key, { field }),
  );
}

function missingKey(m: KvNumeric, key: string): NotFoundError {
  return new NotFoundError(
    `${m.type} on ${describeKvAt(m.projectId, m.scopeId, key)}: the key does not exist (onMissing: 'reject')`,
    kvDetails(m, key, {}),
  );
}

function wrongWidth(
  m: KvNumeric,
  key: string,
  bytes: number,
  what: string,
  width: number,
): ValidationError {
  return new ValidationError(
    `${m.type} on ${describeKvAt(m.projectId, m.scopeId, key)}: the stored value has ${bytes} bytes, not ${what} (${width} bytes big-endian)`,
    kvDetails(m, key, { bytes, expectedBytes: width }),
  );
}

function kvDetails(
  m: KvNumeric,
  key: string,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  return {
    projectId: m.projectId,
    scopeId: m.scopeId,
    key: Buffer.from(key, 'latin1').toString('hex'),
    mutation: m.type,
    ...extra,
  };
}

function typeName(width: Width): string {
  return width === U64_BYTES ? 'u64' : 'u256';
}

function amountRule(width: Width): string {
  return width === U64_BYTES
    ? 'an integer 0..2^64-1 (a bigint, a safe-integer number or 8 big-endian bytes)'
    : 'an integer 0..2^256-1 (a bigint, a safe-integer number or 32 big-endian bytes)';
}

function describeOption(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : describeNumericInput(v);
}

// ---------------------------------------------------------------------------------------------
// Table numerics
// ---------------------------------------------------------------------------------------------

function applyTableU256(ctx: ApplyContext, m: TableNumeric, inc: boolean): void {
  if (!(ctx.allowSystem && m.projectId === SYSTEM_PROJECT)) validateUserProject(m.projectId);
  validateName('scope', m.scopeId);
  validateName('table', m.tableName);
  const layout = tableLayout(ctx.state.catalog.requireTable(m.projectId, m.scopeId, m.tableName));
  const column = columnPosition(layout, m);
  const amount = unsignedAmount(m.amount, U256_BYTES);
  if (amount === undefined) {
    throw new ValidationError(
      `${m.type} on table '${layout.name}' column '${m.column}': amount must be ${amountRule(U256_BYTES)}, got ${describeNumericInput(m.amount)}`,
      { ...layout.location, column: m.column, field: 'amount' },
    );
  }
  const saturate = tablePolicy(layout, m, 'onOverflow', m.onOverflow, 'saturate');
  const noOp = tablePolicy(layout, m, 'onUnderflow', m.onUnderflow, 'noOp');
  const pk = encodePrimaryKeyInput(layout, m.primaryKey);
  const existing = ctx.state.readTree(layout.rowsTreeId).get(pk);
  if (existing === undefined) throw rowNotFound(layout, pk);
  const old = decodeRowValues(layout.table, existing);
  const cell = old[column];
  const current = cell === null ? 0n : (cell as bigint);
  let next: bigint;
  if (inc) {
    next = current + amount;
    if (next > U256_MAX) {
      if (!saturate) {
        throw new OverflowError(
          `${m.type} on table '${layout.name}' row ${describePrimaryKey(layout, pk)} column '${m.column}': ${current} + ${amount} exceeds the u256 maximum (onOverflow: 'reject')`,
          tableDetails(layout, m, pk, current, amount),
        );
      }
      next = U256_MAX;
    }
  } else {
    if (current < amount) {
      if (noOp) return;
      throw new UnderflowError(
        `${m.type} on table '${layout.name}' row ${describePrimaryKey(layout, pk)} column '${m.column}': ${current} is less than the amount ${amount} (onUnderflow: 'reject')`,
        tableDetails(layout, m, pk, current, amount),
      );
    }
    next = current - amount;
  }
  const values: Value[] = old.slice();
  values[column] = next;
  writeRow(ctx, layout, pk, old, values);
}

/** The position of the mutation's column: it must exist, be `u256` and not be a key column. */
function columnPosition(layout: TableLayout, m: TableNumeric): number {
  const columns = layout.table.columns;
  const name: unknown = m.column;
  let position = -1;
  for (let i = 0; i < columns.length; i++) {
    if (columns[i].name === name) {
      position = i;
      break;
    }
  }
  if (position < 0) {
    throw new ValidationError(
      `${m.type} on table '${layout.name}': no column ${typeof name === 'string' ? `'${name}'` : describeNumericInput(name)} (columns: ${columns.map((c) => c.name).join(', ')})`,
      { ...layout.location, column: typeof name === 'string' ? name : undefined },
    );
  }
  const column = columns[position];
  if (column.type !== 'u256') {
    throw new ValidationError(
      `${m.type} on table '${layout.name}' column '${column.name}': the column is ${column.type}, not u256`,
      { ...layout.location, column: column.name, type: column.type },
    );
  }
  if (layout.pkPositions.includes(position)) {
    throw new ValidationError(
      `${m.type} on table '${layout.name}' column '${column.name}': primary key columns cannot change`,
      { ...layout.location, column: column.name },
    );
  }
  return position;
}

function tablePolicy(
  layout: TableLayout,
  m: TableNumeric,
  field: 'onOverflow' | 'onUnderflow',
  policy: unknown,
  alternative: 'saturate' | 'noOp',
): boolean {
  if (policy === undefined || policy === 'reject') return false;
  if (policy === alternative) return true;
  throw new ValidationError(
    `${m.type} on table '${layout.name}' column '${m.column}': ${field} must be 'reject' or '${alternative}', got ${describeOption(policy)}`,
    { ...layout.location, column: m.column, field },
  );
}

function tableDetails(
  layout: TableLayout,
  m: TableNumeric,
  pk: string,
  current: bigint,
  amount: bigint,
): Record<string, unknown> {
  return {
    ...layout.location,
    mutation: m.type,
    primaryKey: describePrimaryKey(layout, pk),
    column: m.column,
    current: current.toString(),
    amount: amount.toString(),
  };
}
