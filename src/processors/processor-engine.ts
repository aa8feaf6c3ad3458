import type { Observable } from 'rxjs';
import type { CommitFinality, CommitResult } from '../storage/commit/commit-request';
import type { CommitBatchEvent } from '../storage/engine-events';
import { ValidationError } from '../storage/errors';
import type { Mutation } from '../storage/mutation';
import { SYSTEM_PROJECT } from '../storage/names';
import { Expr } from '../storage/query/expr';
import { Query } from '../storage/query/query';
import type { Row } from '../storage/schema';
import type { Snapshot } from '../storage/snapshot';
import type { ConsistencyMode } from '../storage/storage-engine';
import { SYSTEM_SCOPE, type SystemTableName } from '../storage/system/system-tables';
import { describeValue } from '../storage/values/normalize-value';

/**
 * What the processor layer needs from the engine: the protected hooks of `StorageEngine`,
 * handed over by `AedbInstance` (the layer never sees the engine's internals).
 * @internal
 */
export interface ProcessorEngine {
  /** A commit that may write `_system` and keeps working while `beforeClose` drains. */
  commitInternal(mutations: readonly Mutation[], finality?: CommitFinality): Promise<CommitResult>;
  /** A read view that can read `_system`. */
  systemSnapshot(consistency?: ConsistencyMode): Snapshot;
  /** One event per visible group-commit batch. */
  readonly commits$: Observable<CommitBatchEvent>;
}

/** Epoch microseconds now (the unit of the `_system` timestamp columns). */
export function nowMicros(): number {
  return Date.now() * 1000;
}

/** Rows of a `_system.app` table matching `where` (none when the table does not exist yet). */
export function systemRows(
  snap: Snapshot,
  table: SystemTableName,
  where?: Expr,
  configure?: (q: Query) => Query,
): Row[] {
  if (!snap.tableExists(SYSTEM_PROJECT, SYSTEM_SCOPE, table)) return [];
  let q = Query.select('*').from(table);
  if (where !== undefined) q = q.where(where);
  if (configure !== undefined) q = configure(q);
  return snap.query(SYSTEM_PROJECT, SYSTEM_SCOPE, q).rows;
}

/** The one row of a `_system.app` table whose single-column key `column` equals `value`. */
export function systemRow(
  snap: Snapshot,
  table: SystemTableName,
  column: string,
  value: string,
): Row | undefined {
  return systemRows(snap, table, Expr.eq(column, value))[0];
}

/** An upsert of a row into a `_system.app` table. */
export function systemUpsert(table: SystemTableName, row: Row): Mutation {
  return {
    type: 'upsert',
    projectId: SYSTEM_PROJECT,
    scopeId: SYSTEM_SCOPE,
    tableName: table,
    row,
  };
}

/** A delete of a row of a `_system.app` table. */
export function systemDelete(table: SystemTableName, primaryKey: Row): Mutation {
  return {
    type: 'delete',
    projectId: SYSTEM_PROJECT,
    scopeId: SYSTEM_SCOPE,
    tableName: table,
    primaryKey,
  };
}

/** Throw a `ValidationError` unless `seq` is a non-negative safe integer. */
export function checkSeq(what: string, seq: unknown): asserts seq is number {
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
    throw new ValidationError(
      `${what}: expected a non-negative integer commit seq, got ${describeValue(seq)}`,
    );
  }
}

/**
 * Reject mutations that target the reserved `_system` project: processor APIs write user
 * state next to the engine's own rows, never instead of them.
 */
export function checkUserMutations(
  what: string,
  mutations: unknown,
): asserts mutations is Mutation[] {
  if (!Array.isArray(mutations)) {
    throw new ValidationError(`${what}: expected an array of mutations`);
  }
  for (let i = 0; i < mutations.length; i++) {
    const m = mutations[i] as { projectId?: unknown; op?: { projectId?: unknown } } | null;
    if (m === null || typeof m !== 'object') {
      throw new ValidationError(`${what}: mutation ${i} is not an object`);
    }
    if (m.projectId === SYSTEM_PROJECT || m.op?.projectId === SYSTEM_PROJECT) {
      throw new ValidationError(
        `${what}: mutation ${i} targets the reserved project '${SYSTEM_PROJECT}'`,
        { index: i },
      );
    }
  }
}

/** Run a synchronous function as a Promise (a throw becomes a rejection). */
export function attempt<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

/**
 * One-at-a-time execution per key: `run(key, fn)` starts `fn` once every earlier `fn` of the
 * same key has settled. Keeps per-processor writes (checkpoints, lifecycle) in order.
 */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
    const prev = this.tails.get(key);
    const next = prev === undefined ? attempt(fn) : prev.then(() => fn());
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
