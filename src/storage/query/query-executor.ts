/**
 * Running a {@link Query} against one table of a snapshot: compile (cached), plan (cached),
 * read the chosen key points/ranges, filter, sort, offset, limit, project.
 *
 * Everything is synchronous and allocation-light per row: no Promise, no JSON, one decode of
 * each row examined, and closures built once per query (compiled plans are cached per
 * (table schema, query) pair, so a reused `Query` object is compiled and planned once).
 *
 * @module
 */
import { CorruptionError, NotFoundError } from '../errors';
import type { Row, TableSchema } from '../schema';
import type { OrderedMapView } from '../btree/ordered-map';
import { tableLabel } from './bound-expr';
import { type CompiledQuery, compileQuery } from './compiled-query';
import type { KeyRange } from './key-scan';
import type { Query } from './query';
import { type QueryPlan, type QueryPlanDescription, planQuery } from './query-planner';
import { RowCollector } from './row-collector';

/** What a query reads: one table of one snapshot. */
export interface QuerySource {
  readonly table: TableSchema;
  /** The table's rows: encoded primary key to encoded row. */
  readonly rows: OrderedMapView;
  /** The table's secondary indexes by index name: index key + primary key to primary key. */
  readonly indexes: ReadonlyMap<string, OrderedMapView>;
  /** The commit seq of the snapshot the maps belong to. */
  readonly snapshotSeq: number;
}

/** The result of a query. */
export interface QueryResult {
  /** Selected rows: the selected columns, in select order. */
  readonly rows: Row[];
  /** The snapshot the rows were read from. */
  readonly snapshotSeq: number;
  /** Rows decoded and checked against the filter. */
  readonly rowsExamined: number;
  /** How the table was read. */
  readonly plan: QueryPlanDescription;
}

/** A map a query read from: the table's rows, or one of its indexes. */
export type QueryReadMap = 'rows' | { readonly index: string };

/**
 * One read of a query: a key range `lo <= key < hi` of a map (open when a bound is absent),
 * or a point get of a primary key in the rows (present or not). Together they cover every key
 * whose insertion, change or deletion could change the result.
 */
export type QueryRead =
  | { readonly map: QueryReadMap; readonly lo?: string; readonly hi?: string }
  | { readonly map: 'rows'; readonly point: string };

/** A {@link QueryResult} with the reads it depended on (for optimistic read sets). */
export interface CapturedQueryResult extends QueryResult {
  readonly reads: readonly QueryRead[];
}

interface Prepared {
  readonly compiled: CompiledQuery;
  readonly plan: QueryPlan;
}

/** Compiled plans by schema object, then query object (both immutable). */
const cache = new WeakMap<TableSchema, WeakMap<Query, Prepared>>();

function prepare(table: TableSchema, query: Query): Prepared {
  let byQuery = cache.get(table);
  if (byQuery === undefined) {
    byQuery = new WeakMap();
    cache.set(table, byQuery);
  }
  let prepared = byQuery.get(query);
  if (prepared === undefined) {
    const compiled = compileQuery(table, query);
    prepared = { compiled, plan: planQuery(compiled) };
    byQuery.set(query, prepared);
  }
  return prepared;
}

/**
 * Run `query` against `source`.
 *
 * Throws (before reading anything) {@link NotFoundError} when the query names another table,
 * and `ValidationError` for an unknown column, a literal that does not fit its column, `like`
 * on a non-text column or ordering on a `json` column.
 *
 * @example
 * ```ts
 * const res = executeQuery(
 *   { table: users, rows, indexes, snapshotSeq: 42 },
 *   Query.select('id', 'username').from('users').where(Expr.eq('id', 1)),
 * );
 * res.rows; // [{ id: 1, username: 'alice' }]
 * res.plan.kind; // 'pkPoint'
 * ```
 */
export function executeQuery(source: QuerySource, query: Query): QueryResult {
  return run(source, query, undefined);
}

/**
 * {@link executeQuery}, also returning every key range and point it read. When the scan stops
 * early (a limit served in key order) the recorded range ends at the last key it visited.
 */
export function executeQueryCapturing(source: QuerySource, query: Query): CapturedQueryResult {
  const reads: QueryRead[] = [];
  const result = run(source, query, reads);
  return { ...result, reads };
}

/** The plan {@link executeQuery} would use, without reading any data. */
export function explainQuery(source: QuerySource, query: Query): QueryPlanDescription {
  return prepare(source.table, query).plan.description;
}

function run(source: QuerySource, query: Query, reads: QueryRead[] | undefined): QueryResult {
  const { compiled, plan } = prepare(source.table, query);
  const collector = new RowCollector(compiled, plan.sort, plan.stopAfter);
  if (compiled.limit !== 0) {
    if (plan.kind === 'pkPoint') readPoints(source, plan, collector, reads);
    else if (plan.index === undefined) readRowRanges(source, plan, collector, reads);
    else readIndexRanges(source, plan, plan.index.name, collector, reads);
  }
  return {
    rows: collector.finish(),
    snapshotSeq: source.snapshotSeq,
    rowsExamined: collector.examined,
    plan: plan.description,
  };
}

function readPoints(
  source: QuerySource,
  plan: QueryPlan,
  collector: RowCollector,
  reads: QueryRead[] | undefined,
): void {
  const points = plan.points;
  const n = points.length;
  for (let k = 0; k < n; k++) {
    const point = points[plan.reverse ? n - 1 - k : k];
    reads?.push({ map: 'rows', point });
    const encoded = source.rows.get(point);
    if (encoded !== undefined && !collector.accept(point, encoded)) return;
  }
}

function readRowRanges(
  source: QuerySource,
  plan: QueryPlan,
  collector: RowCollector,
  reads: QueryRead[] | undefined,
): void {
  let last = '';
  let stopped = false;
  const visit = (key: string, encoded: string): boolean => {
    last = key;
    if (collector.accept(key, encoded)) return true;
    stopped = true;
    return false;
  };
  const ranges = plan.ranges;
  for (let k = 0; k < ranges.length && !stopped; k++) {
    const range = ranges[plan.reverse ? ranges.length - 1 - k : k];
    source.rows.range(range.lo, range.hi, plan.reverse, visit);
    reads?.push(rangeRead('rows', range, stopped, plan.reverse, last));
  }
}

function readIndexRanges(
  source: QuerySource,
  plan: QueryPlan,
  indexName: string,
  collector: RowCollector,
  reads: QueryRead[] | undefined,
): void {
  const index = source.indexes.get(indexName);
  if (index === undefined) {
    throw new NotFoundError(
      `index '${indexName}' of table ${tableLabel(source.table)} is missing from the query source`,
      { ...location(source.table), index: indexName },
    );
  }
  const rows = source.rows;
  let last = '';
  let stopped = false;
  const visit = (key: string, pk: string): boolean => {
    last = key;
    reads?.push({ map: 'rows', point: pk });
    const encoded = rows.get(pk);
    if (encoded === undefined) {
      throw new CorruptionError(
        `index '${indexName}' of table ${tableLabel(source.table)} points to a missing row`,
        {
          ...location(source.table),
          index: indexName,
          key: Buffer.from(pk, 'latin1').toString('hex'),
        },
      );
    }
    if (collector.accept(pk, encoded)) return true;
    stopped = true;
    return false;
  };
  const map: QueryReadMap = { index: indexName };
  const ranges = plan.ranges;
  for (let k = 0; k < ranges.length && !stopped; k++) {
    const range = ranges[plan.reverse ? ranges.length - 1 - k : k];
    index.range(range.lo, range.hi, plan.reverse, visit);
    reads?.push(rangeRead(map, range, stopped, plan.reverse, last));
  }
}

/**
 * The part of `range` actually read: all of it, or up to and including the key where the scan
 * stopped (`last + '\0'` is the successor of `last`, the exclusive bound that includes it).
 */
function rangeRead(
  map: QueryReadMap,
  range: KeyRange,
  stopped: boolean,
  reverse: boolean,
  last: string,
): QueryRead {
  let lo = range.lo;
  let hi = range.hi;
  if (stopped) {
    if (reverse) lo = last;
    else hi = last + '\x00';
  }
  return { map, ...(lo !== undefined ? { lo } : {}), ...(hi !== undefined ? { hi } : {}) };
}

function location(table: TableSchema): { projectId: string; scopeId: string; tableName: string } {
  return { projectId: table.projectId, scopeId: table.scopeId, tableName: table.tableName };
}
