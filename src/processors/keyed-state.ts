import type { CommitResult } from '../storage/commit/commit-request';
import { NotFoundError, ValidationError } from '../storage/errors';
import type { Mutation, PrimaryKeyInput } from '../storage/mutation';
import { Expr } from '../storage/query/expr';
import { Query } from '../storage/query/query';
import type { Row, TableSchema, Value } from '../storage/schema';
import type { Snapshot } from '../storage/snapshot';
import type { ConsistencyMode } from '../storage/storage-engine';
import { KeyedSerializer } from './processor-engine';
import { describeValue } from '../storage/values/normalize-value';

/** A single-column primary key value. */
export type KeyedStateKey = string | number | bigint | boolean | Uint8Array | Date;

/** What keyed-state helpers need from the database (its public API). @internal */
export interface KeyedStateDb {
  snapshot(consistency?: ConsistencyMode): Snapshot;
  commit(mutation: Mutation): Promise<CommitResult>;
}

/** A page request of `keyedStateQueryIndex`. */
export interface KeyedStateIndexQuery {
  readonly indexName: string;
  /** Values of the index's leading columns that rows must equal. */
  readonly prefix?: readonly unknown[];
  /** `'asc'` (default) or `'desc'` index order. */
  readonly order?: 'asc' | 'desc';
  readonly offset?: number;
  /** Default 100, at most 10,000. */
  readonly limit?: number;
  readonly consistency?: ConsistencyMode;
}

/** A page of `keyedStateQueryIndex`. */
export interface KeyedStateIndexPage {
  readonly rows: Row[];
  readonly snapshotSeq: number;
}

/** What `keyedStateUpdate` did. */
export interface KeyedStateUpdateResult {
  /** `'written'` (upserted), `'deleted'`, or `'unchanged'` (no row and the updater returned none). */
  readonly outcome: 'written' | 'deleted' | 'unchanged';
  /** The row after the update (`undefined` when deleted or absent). */
  readonly row: Row | undefined;
  /** The commit's seq (`undefined` when unchanged). */
  readonly commitSeq: number | undefined;
}

/** The updater of `keyedStateUpdate`: the next row, or `undefined` to delete it. */
export type KeyedStateUpdater = (
  current: Row | undefined,
) => Row | undefined | Promise<Row | undefined>;

/**
 * Keyed state: rows of tables with a single-column primary key, read and written by key.
 * `update` is a read-modify-write; updates of one key through these helpers run one at a time
 * in this process (writes to the same row by other means are not ordered with them).
 */
export class KeyedState {
  private readonly serial = new KeyedSerializer();

  constructor(private readonly db: KeyedStateDb) {}

  /** The row with key `key`, or `undefined`. */
  read(
    projectId: string,
    scopeId: string,
    tableName: string,
    key: KeyedStateKey,
    consistency: ConsistencyMode = 'atLatest',
  ): Row | undefined {
    const snap = this.db.snapshot(consistency);
    const pk = keyColumn(snap.describeTable(projectId, scopeId, tableName));
    return snap.query(projectId, scopeId, Query.select('*').from(tableName).where(Expr.eq(pk, key)))
      .rows[0];
  }

  /** One column of the row with key `key` (`undefined` when the row is missing). */
  readField(
    projectId: string,
    scopeId: string,
    tableName: string,
    key: KeyedStateKey,
    field: string,
    consistency: ConsistencyMode = 'atLatest',
  ): Value | undefined {
    const snap = this.db.snapshot(consistency);
    const schema = snap.describeTable(projectId, scopeId, tableName);
    const pk = keyColumn(schema);
    if (!schema.columns.some((c) => c.name === field)) {
      throw new NotFoundError(
        `table '${projectId}.${scopeId}.${tableName}' has no column '${field}'`,
        {
          projectId,
          scopeId,
          tableName,
          column: field,
        },
      );
    }
    const row = snap.query(
      projectId,
      scopeId,
      Query.select(field).from(tableName).where(Expr.eq(pk, key)),
    ).rows[0];
    return row === undefined ? undefined : (row[field] as Value);
  }

  /** Upsert `row`. */
  write(projectId: string, scopeId: string, tableName: string, row: Row): Promise<CommitResult> {
    keyColumn(this.db.snapshot().describeTable(projectId, scopeId, tableName));
    return this.db.commit({ type: 'upsert', projectId, scopeId, tableName, row });
  }

  /** Delete the row with key `key` (a missing row is a no-op). */
  delete(
    projectId: string,
    scopeId: string,
    tableName: string,
    key: KeyedStateKey,
  ): Promise<CommitResult> {
    keyColumn(this.db.snapshot().describeTable(projectId, scopeId, tableName));
    return this.db.commit({
      type: 'delete',
      projectId,
      scopeId,
      tableName,
      primaryKey: key as PrimaryKeyInput,
    });
  }

  /** Read-modify-write the row with key `key`, one update of a key at a time. */
  update(
    projectId: string,
    scopeId: string,
    tableName: string,
    key: KeyedStateKey,
    updater: KeyedStateUpdater,
  ): Promise<KeyedStateUpdateResult> {
    if (typeof updater !== 'function') {
      throw new ValidationError('keyedStateUpdate: expected an updater function (current) => row');
    }
    const lockKey = `${projectId}\u0000${scopeId}\u0000${tableName}\u0000${typeof key}:${String(key)}`;
    return this.serial.run(lockKey, async () => {
      const snap = this.db.snapshot();
      const pk = keyColumn(snap.describeTable(projectId, scopeId, tableName));
      const current = this.read(projectId, scopeId, tableName, key);
      const next = await updater(current === undefined ? undefined : { ...current });
      if (next === undefined) {
        if (current === undefined)
          return { outcome: 'unchanged', row: undefined, commitSeq: undefined };
        const r = await this.db.commit({
          type: 'delete',
          projectId,
          scopeId,
          tableName,
          primaryKey: key as PrimaryKeyInput,
        });
        return { outcome: 'deleted', row: undefined, commitSeq: r.commitSeq };
      }
      if (next === null || typeof next !== 'object') {
        throw new ValidationError(
          'keyedStateUpdate: the updater must return a row object or undefined',
        );
      }
      const given = next[pk];
      if (given !== undefined && !sameKey(given, key) && !sameKey(given, current?.[pk])) {
        throw new ValidationError(
          `keyedStateUpdate: the updater may not change the key column '${pk}' of table '${tableName}'`,
          { projectId, scopeId, tableName, column: pk },
        );
      }
      const row = { ...next, [pk]: current?.[pk] ?? key };
      const r = await this.db.commit({ type: 'upsert', projectId, scopeId, tableName, row });
      const written = this.read(projectId, scopeId, tableName, key, { atSeq: r.commitSeq });
      return { outcome: 'written', row: written, commitSeq: r.commitSeq };
    });
  }

  /** Rows in the order of an index, optionally equal to a prefix of its columns. */
  queryIndex(
    projectId: string,
    scopeId: string,
    tableName: string,
    request: KeyedStateIndexQuery,
  ): KeyedStateIndexPage {
    if (request === null || typeof request !== 'object') {
      throw new ValidationError(
        'keyedStateQueryIndex: expected a request { indexName, prefix?, ... }',
      );
    }
    const snap = this.db.snapshot(request.consistency ?? 'atLatest');
    const schema = snap.describeTable(projectId, scopeId, tableName);
    keyColumn(schema);
    const q = indexQuery(schema, request)
      .offset(request.offset ?? 0)
      .limit(request.limit ?? 100);
    if ((request.limit ?? 100) > 10_000) {
      throw new ValidationError(`keyedStateQueryIndex limit: at most 10000, got ${request.limit}`);
    }
    const res = snap.query(projectId, scopeId, q);
    return { rows: res.rows, snapshotSeq: res.snapshotSeq };
  }

  /**
   * The 0-based position of the row with `key` in the order of index `indexName` (ties by
   * primary key, in the same direction), or `undefined` when there is no such row. Reads the
   * whole index order: O(rows).
   */
  indexRank(
    projectId: string,
    scopeId: string,
    tableName: string,
    indexName: string,
    key: KeyedStateKey,
    order: 'asc' | 'desc' = 'asc',
  ): number | undefined {
    const snap = this.db.snapshot();
    const schema = snap.describeTable(projectId, scopeId, tableName);
    const pk = keyColumn(schema);
    const target = snap.query(
      projectId,
      scopeId,
      Query.select(pk).from(tableName).where(Expr.eq(pk, key)),
    ).rows[0];
    if (target === undefined) return undefined;
    const q = indexQuery(schema, { indexName, order });
    const ordered = snap.query(projectId, scopeId, q).rows;
    const want = target[pk];
    const i = ordered.findIndex((r) => sameValue(r[pk], want));
    return i < 0 ? undefined : i;
  }
}

/** The primary-key column of a keyed-state table (it must have exactly one). */
function keyColumn(schema: TableSchema): string {
  if (schema.primaryKey.length !== 1) {
    throw new ValidationError(
      `keyed state: table '${schema.projectId}.${schema.scopeId}.${schema.tableName}' has a composite primary key (${schema.primaryKey.join(', ')}); keyed state needs a single-column key`,
      { projectId: schema.projectId, scopeId: schema.scopeId, tableName: schema.tableName },
    );
  }
  return schema.primaryKey[0];
}

function indexQuery(
  schema: TableSchema,
  request: { indexName: string; prefix?: readonly unknown[]; order?: 'asc' | 'desc' },
): Query {
  const index = schema.indexes.find((i) => i.name === request.indexName);
  if (index === undefined) {
    throw new NotFoundError(
      `index '${String(request.indexName)}' not found on table '${schema.projectId}.${schema.scopeId}.${schema.tableName}'`,
      { tableName: schema.tableName, indexName: request.indexName },
    );
  }
  const prefix = request.prefix ?? [];
  if (!Array.isArray(prefix) || prefix.length > index.columns.length) {
    throw new ValidationError(
      `keyed state index '${index.name}' prefix: expected an array of at most ${index.columns.length} values`,
    );
  }
  const order = request.order ?? 'asc';
  if (order !== 'asc' && order !== 'desc') {
    throw new ValidationError(
      `keyed state index order: expected 'asc' or 'desc', got ${describeValue(order)}`,
    );
  }
  let q = Query.select('*').from(schema.tableName);
  if (prefix.length > 0) {
    const terms = prefix.map((v, i) => Expr.eq(index.columns[i], v));
    q = q.where(terms.length === 1 ? terms[0] : Expr.and(...terms));
  }
  for (const column of index.columns) q = q.orderBy(column, order);
  return q;
}

/** Key equality across input forms: numbers and bigints compare by value. */
function sameKey(a: unknown, b: unknown): boolean {
  const numeric = (v: unknown): v is number | bigint =>
    (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint';
  if (numeric(a) && numeric(b)) return BigInt(a) === BigInt(b);
  return sameValue(a, b);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(b);
  return a === b;
}
