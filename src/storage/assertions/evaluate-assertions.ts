/**
 * Evaluating read assertions at commit time, on the exact state the commit applies to: an
 * envelope's `assertions` before its mutations, a `postflightCheck` after the mutations before
 * it. Also usable on a published snapshot (preflight).
 *
 * Two passes: a structural validation of every assertion (types, fields, operators, nesting),
 * then evaluation in order. Evaluating a passing KV assertion allocates nothing but its key
 * string (and a bigint for a numeric `keyCompare`); the `actual` value of a failure is computed
 * only once something failed, by reading the same, unchanged state again.
 *
 * Semantics that are not obvious from the types:
 * - a missing KV key fails `keyEquals`, `keyCompare`; a missing row or a NULL cell fails
 *   `rowColumnCompare`; `not` of a failing assertion holds (two-valued at the assertion level);
 * - `all([])` holds, `any([])` does not;
 * - `countCompare` / `sumCompare` run their filter through the query planner (indexes apply);
 *   a sum is exact (a bigint) except over `float` columns.
 *
 * @module
 */
import { types as utilTypes } from 'node:util';
import { isWellFormed, keyToByteString, utf8ToByteString } from '../byte-string';
import { kvTreeId } from '../catalog/catalog';
import { encodePrimaryKeyInput, tableLayout, type TableLayout } from '../commit/table-layout';
import { AssertionFailedError, ValidationError } from '../errors';
import { validateName, validateUserProject } from '../names';
import { byteStringToUnsigned } from '../numerics/numeric-codec';
import { isExpr, type Expr } from '../query/expr';
import type { OrderedMapView } from '../btree/ordered-map';
import { executeQuery } from '../query/query-executor';
import { Query } from '../query/query';
import type { ColumnSchema, Value } from '../schema';
import type { StateView } from '../state/state-view';
import { describeValue, normalizeValue } from '../values/normalize-value';
import { decodeRowValues } from '../values/row-codec';
import { compareValues, valuesEqual } from '../values/value-order';
import {
  bytesActual,
  describeActual,
  describeAssertion,
  jsonSafeValue,
  type AssertionActual,
} from './describe-assertion';
import type { CompareOp, ReadAssertion } from './read-assertion';

export { describeAssertion } from './describe-assertion';
export type { AssertionActual } from './describe-assertion';

/** Deepest nesting of `all` / `any` / `not` (a top-level assertion is at depth 1). */
export const MAX_ASSERTION_DEPTH = 32;

/** Options of {@link evaluateAssertions}. */
export interface EvaluateAssertionsOptions {
  /** The seq of the state being read (the commit's seq - 1 inside a commit). */
  readonly snapshotSeq: number;
  /** Engine-internal callers may read the reserved `_system` project. Default `false`. */
  readonly allowSystem?: boolean;
}

/**
 * The `details` of the `ASSERTION_FAILED` error thrown by {@link evaluateAssertions}.
 */
export interface AssertionFailureDetails {
  readonly [key: string]: unknown;
  /** Position of the failing top-level assertion in the list. */
  readonly index: number;
  /** The failing top-level assertion, as passed. */
  readonly assertion: ReadAssertion;
  /** What was observed (see {@link AssertionActual}). */
  readonly actual: AssertionActual;
  /**
   * Inside nested `all`s: the indexes leading from `assertion` to the innermost failing one
   * (`[]` when `assertion` itself is the failing leaf, an `any` or a `not`).
   */
  readonly path: readonly number[];
  /** The innermost failing assertion (`assertion` itself unless nested in `all`). */
  readonly failed: ReadAssertion;
  /** The seq of the state the assertion read. */
  readonly snapshotSeq: number;
}

const COMPARE_OPS: ReadonlySet<unknown> = new Set<CompareOp>([
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
]);

const ASSERTION_TYPES: ReadonlySet<unknown> = new Set<ReadAssertion['type']>([
  'keyEquals',
  'keyCompare',
  'keyExists',
  'keyVersion',
  'rowVersion',
  'rowExists',
  'rowColumnCompare',
  'countCompare',
  'sumCompare',
  'all',
  'any',
  'not',
]);

/** Column types `sumCompare` can sum. */
const SUMMABLE: ReadonlySet<string> = new Set(['u8', 'u64', 'integer', 'float', 'u256', 'i256']);

/**
 * Evaluate `assertions` in order on `view`. Returns when all hold; the first top-level
 * assertion that does not hold throws `AssertionFailedError` whose `details` are
 * {@link AssertionFailureDetails} (`index`, `assertion`, `actual`, ...) and whose message
 * names the assertion type, the key or table and the actual value.
 *
 * Throws `ValidationError` for a malformed assertion (unknown type, missing or ill-typed field,
 * bad operator, a value that does not fit its column, nesting deeper than
 * {@link MAX_ASSERTION_DEPTH}) — every assertion is checked before any is evaluated — and
 * `NotFoundError` when a project, scope or table does not exist.
 *
 * @example
 * ```ts
 * // inside the commit pipeline, after the mutations before a postflightCheck:
 * evaluateAssertions(ctx.state, [
 *   { type: 'keyCompare', projectId: 'casino', scopeId: 'app', key: 'house/balance',
 *     op: 'gte', threshold: 10_000n },
 * ], { snapshotSeq: ctx.seq - 1 });
 * // throws AssertionFailedError:
 * // assertion #0 failed: keyCompare(kv key "house/balance" in casino.app gte 10000): actual 9500 (0x000000000000251c)
 * ```
 */
export function evaluateAssertions(
  view: StateView,
  assertions: readonly ReadAssertion[],
  options: EvaluateAssertionsOptions,
): void {
  const input: unknown = assertions;
  if (!Array.isArray(input)) {
    throw new ValidationError(
      `assertions: expected an array of read assertions, got ${input === null ? 'null' : typeof input}`,
    );
  }
  const allowSystem = options.allowSystem === true;
  for (let i = 0; i < assertions.length; i++) validate(assertions[i], i, 1, allowSystem);
  const seq = options.snapshotSeq;
  for (let i = 0; i < assertions.length; i++) {
    const a = assertions[i];
    if (!holds(view, a, seq)) throw failure(view, a, i, seq);
  }
}

// ---------------------------------------------------------------------------------------------
// Structural validation
// ---------------------------------------------------------------------------------------------

type Loose = Readonly<Record<string, unknown>>;

function validate(a: unknown, index: number, depth: number, allowSystem: boolean): void {
  if (a === null || typeof a !== 'object' || Array.isArray(a)) {
    throw invalid(index, `expected an assertion object, got ${a === null ? 'null' : typeof a}`);
  }
  const r = a as Loose;
  const type = r.type;
  if (!ASSERTION_TYPES.has(type)) {
    throw invalid(
      index,
      `unknown assertion type ${describeValue(type)}; expected one of ${[...ASSERTION_TYPES].join(', ')}`,
    );
  }
  if (depth > MAX_ASSERTION_DEPTH) {
    throw invalid(index, `assertions are nested deeper than ${MAX_ASSERTION_DEPTH} levels`);
  }
  const t = type as ReadAssertion['type'];
  switch (t) {
    case 'all':
    case 'any': {
      const inner = r.assertions;
      if (!Array.isArray(inner)) {
        throw invalid(index, `${t}: 'assertions' must be an array of assertions`);
      }
      for (const x of inner as unknown[]) validate(x, index, depth + 1, allowSystem);
      return;
    }
    case 'not':
      validate(r.assertion, index, depth + 1, allowSystem);
      return;
    case 'keyEquals':
    case 'keyCompare':
    case 'keyExists':
    case 'keyVersion':
      checkScope(r, index, t, allowSystem);
      checkKey(r.key, index, t);
      break;
    case 'rowVersion':
    case 'rowExists':
    case 'rowColumnCompare':
    case 'countCompare':
    case 'sumCompare':
      checkScope(r, index, t, allowSystem);
      checkName(index, t, 'table', r.tableName);
      break;
  }
  switch (t) {
    case 'keyEquals':
      if (typeof r.value === 'string') {
        if (!isWellFormed(r.value)) {
          throw invalid(index, `${t}: 'value' must be well-formed UTF-16 (lone surrogate found)`);
        }
      } else if (!utilTypes.isUint8Array(r.value)) {
        throw invalid(index, `${t}: 'value' must be a Uint8Array or a string`);
      }
      return;
    case 'keyCompare': {
      checkOp(r.op, index, t);
      const th = r.threshold;
      if (
        !utilTypes.isUint8Array(th) &&
        typeof th !== 'bigint' &&
        !(typeof th === 'number' && Number.isSafeInteger(th))
      ) {
        throw invalid(
          index,
          `${t}: 'threshold' must be a Uint8Array (bytewise) or a bigint / safe-integer number (numeric)`,
        );
      }
      return;
    }
    case 'keyExists':
    case 'rowExists':
      if (r.expected !== undefined && typeof r.expected !== 'boolean') {
        throw invalid(index, `${t}: 'expected' must be a boolean when present`);
      }
      if (t === 'rowExists') checkPrimaryKey(r, index, t);
      return;
    case 'keyVersion':
    case 'rowVersion':
      if (!isSeq(r.expectedSeq)) {
        throw invalid(index, `${t}: 'expectedSeq' must be a non-negative safe integer`);
      }
      if (t === 'rowVersion') checkPrimaryKey(r, index, t);
      return;
    case 'rowColumnCompare':
      checkPrimaryKey(r, index, t);
      checkColumnName(r.column, index, t);
      checkOp(r.op, index, t);
      if (r.value === undefined || r.value === null) {
        throw invalid(index, `${t}: 'value' is required (a comparison with NULL never holds)`);
      }
      return;
    case 'countCompare':
      checkOp(r.op, index, t);
      if (!isSeq(r.value)) {
        throw invalid(index, `${t}: 'value' must be a non-negative safe integer`);
      }
      checkFilter(r.filter, index, t);
      return;
    case 'sumCompare': {
      checkColumnName(r.column, index, t);
      checkOp(r.op, index, t);
      const v = r.value;
      if (typeof v !== 'bigint' && !(typeof v === 'number' && !Number.isNaN(v))) {
        throw invalid(index, `${t}: 'value' must be a bigint or a number (not NaN)`);
      }
      checkFilter(r.filter, index, t);
      return;
    }
    default:
      return;
  }
}

function checkScope(r: Loose, index: number, type: string, allowSystem: boolean): void {
  try {
    if (allowSystem) validateName('project', r.projectId);
    else validateUserProject(r.projectId);
    validateName('scope', r.scopeId);
  } catch (err) {
    if (err instanceof ValidationError) throw invalid(index, `${type}: ${err.message}`);
    throw err;
  }
}

function checkName(index: number, type: string, kind: 'table', name: unknown): void {
  try {
    validateName(kind, name);
  } catch (err) {
    if (err instanceof ValidationError) throw invalid(index, `${type}: ${err.message}`);
    throw err;
  }
}

function checkKey(key: unknown, index: number, type: string): void {
  if (typeof key === 'string') {
    if (key.length > 0 && isWellFormed(key)) return;
  } else if (utilTypes.isUint8Array(key)) {
    if (key.length > 0) return;
  }
  throw invalid(
    index,
    `${type}: 'key' must be a non-empty Uint8Array or a non-empty well-formed string`,
  );
}

function checkPrimaryKey(r: Loose, index: number, type: string): void {
  if (r.primaryKey === undefined || r.primaryKey === null) {
    throw invalid(index, `${type}: 'primaryKey' is required`);
  }
}

function checkColumnName(column: unknown, index: number, type: string): void {
  if (typeof column !== 'string' || column.length === 0) {
    throw invalid(index, `${type}: 'column' must be a column name`);
  }
}

function checkOp(op: unknown, index: number, type: string): void {
  if (!COMPARE_OPS.has(op)) {
    throw invalid(
      index,
      `${type}: 'op' must be one of eq, ne, gt, gte, lt, lte, got ${typeof op === 'string' ? `'${op}'` : typeof op}`,
    );
  }
}

function checkFilter(filter: unknown, index: number, type: string): void {
  if (filter !== undefined && !isExpr(filter)) {
    throw invalid(index, `${type}: 'filter' must be an Expr when present`);
  }
}

function isSeq(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function invalid(index: number, message: string): ValidationError {
  return new ValidationError(`assertion #${index}: ${message}`, { index });
}

// ---------------------------------------------------------------------------------------------
// Evaluation (the pass path: no result objects)
// ---------------------------------------------------------------------------------------------

function holds(view: StateView, a: ReadAssertion, seq: number): boolean {
  switch (a.type) {
    case 'keyEquals': {
      const value = kvTree(view, a).get(keyToByteString(a.key));
      if (value === undefined) return false;
      return typeof a.value === 'string'
        ? value === utf8ToByteString(a.value)
        : compareToBytes(value, a.value) === 0;
    }
    case 'keyCompare': {
      const value = kvTree(view, a).get(keyToByteString(a.key));
      if (value === undefined) return false;
      return opHolds(a.op, compareKv(value, a.threshold));
    }
    case 'keyExists':
      return (kvTree(view, a).get(keyToByteString(a.key)) !== undefined) === (a.expected ?? true);
    case 'keyVersion':
      return (kvTree(view, a).getSeq(keyToByteString(a.key)) ?? 0) === a.expectedSeq;
    case 'rowVersion': {
      const { rows, pk } = rowRef(view, a);
      return (rows.getSeq(pk) ?? 0) === a.expectedSeq;
    }
    case 'rowExists': {
      const { rows, pk } = rowRef(view, a);
      return (rows.get(pk) !== undefined) === (a.expected ?? true);
    }
    case 'rowColumnCompare': {
      const cell = readCell(view, a);
      if (cell === undefined || cell.value === null) return false;
      return opHolds(a.op, compareCell(cell.column, cell.value, cell.threshold));
    }
    case 'countCompare':
      return opHolds(a.op, compareMixed(countRows(view, a, seq), a.value));
    case 'sumCompare':
      return opHolds(a.op, compareMixed(sumRows(view, a, seq), a.value));
    case 'all':
      for (const x of a.assertions) if (!holds(view, x, seq)) return false;
      return true;
    case 'any':
      for (const x of a.assertions) if (holds(view, x, seq)) return true;
      return false;
    case 'not':
      return !holds(view, a.assertion, seq);
  }
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

/** A KV value against a threshold: bytewise for bytes, numerically for a bigint/number. */
function compareKv(value: string, threshold: Uint8Array | bigint | number): number {
  if (typeof threshold === 'bigint' || typeof threshold === 'number') {
    return compareMixed(byteStringToUnsigned(value), threshold);
  }
  return compareToBytes(value, threshold);
}

/** Bytewise order of a byte string against bytes (a prefix sorts first). */
function compareToBytes(s: string, bytes: Uint8Array): number {
  const n = Math.min(s.length, bytes.length);
  for (let i = 0; i < n; i++) {
    const d = s.charCodeAt(i) - bytes[i];
    if (d !== 0) return d;
  }
  return s.length - bytes.length;
}

function compareMixed(a: bigint | number, b: bigint | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareCell(column: ColumnSchema, cell: Value, threshold: Value): number {
  if (column.type === 'json') {
    // json has equality but no order (readCell rejects ordering operators on json).
    return valuesEqual('json', cell, threshold) ? 0 : 1;
  }
  return compareValues(column.type, cell, threshold);
}

function kvTree(view: StateView, a: { projectId: string; scopeId: string }): OrderedMapView {
  return view.readTree(kvTreeId(view.catalog.requireScope(a.projectId, a.scopeId).scopeNum));
}

function layoutOf(
  view: StateView,
  a: { projectId: string; scopeId: string; tableName: string },
): TableLayout {
  return tableLayout(view.catalog.requireTable(a.projectId, a.scopeId, a.tableName));
}

function rowRef(
  view: StateView,
  a: { projectId: string; scopeId: string; tableName: string; primaryKey: unknown },
): { layout: TableLayout; rows: OrderedMapView; pk: string } {
  const layout = layoutOf(view, a);
  return {
    layout,
    rows: view.readTree(layout.rowsTreeId),
    pk: encodePrimaryKeyInput(layout, a.primaryKey),
  };
}

type ColumnCompare = Extract<ReadAssertion, { type: 'rowColumnCompare' }>;

/** The cell a `rowColumnCompare` reads (`undefined`: no such row) and its normalized threshold. */
function readCell(
  view: StateView,
  a: ColumnCompare,
): { column: ColumnSchema; value: Value; threshold: Value } | undefined {
  const { layout, rows, pk } = rowRef(view, a);
  const position = columnPosition(layout, a.column, a.type);
  const column = layout.table.columns[position];
  if (column.type === 'json' && a.op !== 'eq' && a.op !== 'ne') {
    throw new ValidationError(
      `rowColumnCompare on table '${layout.name}' column '${column.name}': json values have no order; use 'eq' or 'ne'`,
      { ...layout.location, column: column.name },
    );
  }
  const threshold = normalizeValue(a.value, column, layout.location);
  const encoded = rows.get(pk);
  if (encoded === undefined) return undefined;
  return { column, value: decodeRowValues(layout.table, encoded)[position], threshold };
}

function columnPosition(layout: TableLayout, name: string, type: string): number {
  const columns = layout.table.columns;
  for (let i = 0; i < columns.length; i++) if (columns[i].name === name) return i;
  throw new ValidationError(
    `${type} on table '${layout.name}': no column '${name}' (columns: ${columns.map((c) => c.name).join(', ')})`,
    { ...layout.location, column: name },
  );
}

type CountAssertion = Extract<ReadAssertion, { type: 'countCompare' }>;
type SumAssertion = Extract<ReadAssertion, { type: 'sumCompare' }>;

function countRows(view: StateView, a: CountAssertion, seq: number): number {
  const layout = layoutOf(view, a);
  const rows = view.readTree(layout.rowsTreeId);
  if (a.filter === undefined) return rows.size;
  const query = cachedQuery(layout, layout.table.primaryKey[0], a.filter);
  return executeQuery(source(view, layout, rows, seq), query).rows.length;
}

function sumRows(view: StateView, a: SumAssertion, seq: number): bigint | number {
  const layout = layoutOf(view, a);
  const column = layout.table.columns[columnPosition(layout, a.column, a.type)];
  if (!SUMMABLE.has(column.type)) {
    throw new ValidationError(
      `sumCompare on table '${layout.name}' column '${column.name}': cannot sum a ${column.type} column (numeric types: u8, u64, integer, float, u256, i256)`,
      { ...layout.location, column: column.name, type: column.type },
    );
  }
  const rows = view.readTree(layout.rowsTreeId);
  const result = executeQuery(
    source(view, layout, rows, seq),
    cachedQuery(layout, column.name, a.filter),
  ).rows;
  const name = column.name;
  if (column.type === 'float') {
    let sum = 0;
    for (const row of result) {
      const v = row[name];
      if (typeof v === 'number') sum += v;
    }
    return sum;
  }
  let sum = 0n;
  for (const row of result) {
    const v = row[name];
    if (typeof v === 'bigint') sum += v;
    else if (typeof v === 'number') sum += BigInt(v);
  }
  return sum;
}

function source(view: StateView, layout: TableLayout, rows: OrderedMapView, seq: number) {
  const indexes = new Map<string, OrderedMapView>();
  for (const index of layout.indexes) indexes.set(index.schema.name, view.readTree(index.treeId));
  return { table: layout.table, rows, indexes, snapshotSeq: seq };
}

/**
 * Queries by (filter, table schema, column), so that a filter reused across commits is
 * compiled and planned once (the executor caches plans per Query object).
 */
const filteredQueries = new WeakMap<Expr, WeakMap<object, Map<string, Query>>>();
const unfilteredQueries = new WeakMap<object, Map<string, Query>>();

function cachedQuery(layout: TableLayout, column: string, filter: Expr | undefined): Query {
  let byColumn: Map<string, Query> | undefined;
  if (filter === undefined) {
    byColumn = unfilteredQueries.get(layout.table);
    if (byColumn === undefined) {
      byColumn = new Map();
      unfilteredQueries.set(layout.table, byColumn);
    }
  } else {
    let bySchema = filteredQueries.get(filter);
    if (bySchema === undefined) {
      bySchema = new WeakMap();
      filteredQueries.set(filter, bySchema);
    }
    byColumn = bySchema.get(layout.table);
    if (byColumn === undefined) {
      byColumn = new Map();
      bySchema.set(layout.table, byColumn);
    }
  }
  let query = byColumn.get(column);
  if (query === undefined) {
    query = Query.select(column).from(layout.table.tableName);
    if (filter !== undefined) query = query.where(filter);
    byColumn.set(column, query);
  }
  return query;
}

// ---------------------------------------------------------------------------------------------
// Failure reporting (error path only)
// ---------------------------------------------------------------------------------------------

interface Observation {
  readonly actual: AssertionActual;
  readonly failed: ReadAssertion;
}

function failure(
  view: StateView,
  a: ReadAssertion,
  index: number,
  seq: number,
): AssertionFailedError {
  const path: number[] = [];
  const { actual, failed } = observeFailure(view, a, seq, path);
  const where =
    failed === a
      ? ''
      : ` (inside ${a.type} #${index}${path.length > 0 ? ` at [${path.join('][')}]` : ''})`;
  const details: AssertionFailureDetails = {
    index,
    assertion: a,
    actual,
    path,
    failed,
    snapshotSeq: seq,
  };
  return new AssertionFailedError(
    `assertion #${index} failed: ${describeAssertion(failed)}${where}: actual ${describeActual(actual)}`,
    details,
  );
}

/** What made `a` (which does not hold) fail: the innermost failing assertion and its actual. */
function observeFailure(
  view: StateView,
  a: ReadAssertion,
  seq: number,
  path: number[],
): Observation {
  if (a.type === 'all') {
    const inner = a.assertions;
    for (let j = 0; j < inner.length; j++) {
      if (!holds(view, inner[j], seq)) {
        path.push(j);
        return observeFailure(view, inner[j], seq, path);
      }
    }
  }
  if (a.type === 'any') return { actual: { kind: 'bool', value: false }, failed: a };
  if (a.type === 'not') return { actual: observe(view, a.assertion, seq), failed: a };
  return { actual: observe(view, a, seq), failed: a };
}

/** The actual value an assertion reads (whether or not it holds). */
function observe(view: StateView, a: ReadAssertion, seq: number): AssertionActual {
  switch (a.type) {
    case 'keyEquals':
    case 'keyCompare': {
      const value = kvTree(view, a).get(keyToByteString(a.key));
      if (value === undefined) return { kind: 'missing' };
      const numeric =
        a.type === 'keyCompare' &&
        (typeof a.threshold === 'bigint' || typeof a.threshold === 'number');
      return bytesActual(value, numeric ? byteStringToUnsigned(value) : undefined);
    }
    case 'keyExists':
      return { kind: 'bool', value: kvTree(view, a).get(keyToByteString(a.key)) !== undefined };
    case 'keyVersion':
      return { kind: 'version', seq: kvTree(view, a).getSeq(keyToByteString(a.key)) ?? 0 };
    case 'rowVersion': {
      const { rows, pk } = rowRef(view, a);
      return { kind: 'version', seq: rows.getSeq(pk) ?? 0 };
    }
    case 'rowExists': {
      const { rows, pk } = rowRef(view, a);
      return { kind: 'bool', value: rows.get(pk) !== undefined };
    }
    case 'rowColumnCompare': {
      const cell = readCell(view, a);
      return cell === undefined
        ? { kind: 'missing' }
        : { kind: 'value', value: jsonSafeValue(cell.value) };
    }
    case 'countCompare':
      return { kind: 'count', count: countRows(view, a, seq) };
    case 'sumCompare':
      return { kind: 'value', value: jsonSafeValue(sumRows(view, a, seq)) };
    case 'all':
    case 'any':
      return { kind: 'bool', value: holds(view, a, seq) };
    case 'not':
      return observe(view, a.assertion, seq);
  }
}
