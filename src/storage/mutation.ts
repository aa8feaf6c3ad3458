import type { ReadAssertion } from './assertions/read-assertion';
import type { DdlOperation } from './catalog/ddl-operation';
import { NUMERIC_MUTATION_TYPES, type NumericMutation } from './numerics/numeric-mutation';
import type { Expr } from './query/expr';
import type { Row } from './schema';

/** A KV key: bytes, or a string that is stored as its UTF-8 bytes. */
export type KvKey = Uint8Array | string;

/** A KV value: bytes, or a string that is stored as its UTF-8 bytes (reads return bytes). */
export type KvValue = Uint8Array | string;

/**
 * A primary key: the key column values in primary-key order (`[1]`, `['eu', 42]`), an object
 * naming them (`{ id: 1 }`), or, for a single-column key, the bare value (`1`).
 */
export type PrimaryKeyInput =
  | readonly unknown[]
  | Readonly<Record<string, unknown>>
  | string
  | number
  | bigint
  | boolean
  | Uint8Array
  | Date;

/** Where a table mutation applies. */
export interface TableTarget {
  readonly projectId: string;
  readonly scopeId: string;
  readonly tableName: string;
}

/** Insert a new row; an existing primary key fails the commit with `ALREADY_EXISTS`. */
export interface InsertMutation extends TableTarget {
  readonly type: 'insert';
  readonly row: Row;
}

/** Insert the row, or replace the whole row when its primary key exists. */
export interface UpsertMutation extends TableTarget {
  readonly type: 'upsert';
  readonly row: Row;
}

/**
 * Change some columns of an existing row; a missing row fails the commit with `NOT_FOUND`.
 * `fields` may not change primary-key columns.
 */
export interface UpdateFieldsMutation extends TableTarget {
  readonly type: 'updateFields';
  readonly primaryKey: PrimaryKeyInput;
  readonly fields: Row;
}

/** Delete the row with this primary key (deleting a missing row is a no-op). */
export interface DeleteMutation extends TableTarget {
  readonly type: 'delete';
  readonly primaryKey: PrimaryKeyInput;
}

/** Set a KV entry in a scope's KV space. */
export interface KvSetMutation {
  readonly type: 'kvSet';
  readonly projectId: string;
  readonly scopeId: string;
  readonly key: KvKey;
  readonly value: KvValue;
}

/** Delete a KV entry (deleting a missing key is a no-op). */
export interface KvDelMutation {
  readonly type: 'kvDel';
  readonly projectId: string;
  readonly scopeId: string;
  readonly key: KvKey;
}

/**
 * Emit an event, committed atomically with the other mutations of its commit (a failing
 * commit emits nothing). Stored in `_system.app.event_outbox` keyed by
 * (commitSeq, topic, eventKey); read with `readEventStream` / `queryEvents`.
 */
export interface EmitEventMutation {
  readonly type: 'emitEvent';
  /** The scope the event belongs to (it must exist). */
  readonly projectId: string;
  readonly scopeId: string;
  /** 1-256 characters, no control characters. */
  readonly topic: string;
  /** Unique per topic within one commit; 1-1024 characters. */
  readonly eventKey: string;
  /** The payload as JSON text (validated; at most `maxEventPayloadBytes`). */
  readonly payloadJson: string;
}

/**
 * Check assertions on the transaction-local state after the mutations before it in the same
 * commit; a failure rolls the whole commit back with `ASSERTION_FAILED`. Use it when the
 * invariant is about the value after an atomic update ("balance stays above the reserve").
 */
export interface PostflightCheckMutation {
  readonly type: 'postflightCheck';
  readonly assertions: readonly ReadAssertion[];
}

/**
 * Update the rows matching `where`: set the columns in `set` (not primary-key columns).
 * At most `limit` rows (default: all), in primary-key order.
 */
export interface UpdateWhereMutation extends TableTarget {
  readonly type: 'updateWhere';
  readonly where: Expr;
  readonly set: Row;
  readonly limit?: number;
}

/** Delete the rows matching `where`, at most `limit` (default: all), in primary-key order. */
export interface DeleteWhereMutation extends TableTarget {
  readonly type: 'deleteWhere';
  readonly where: Expr;
  readonly limit?: number;
}

/** A schema change (see {@link DdlOperation}). */
export interface DdlMutation {
  readonly type: 'ddl';
  readonly op: DdlOperation;
}

/**
 * One write. A commit applies one or more mutations atomically: all of them, or none.
 *
 * @example
 * ```ts
 * await db.commitMany([
 *   { type: 'insert', projectId: 'shop', scopeId: 'eu', tableName: 'orders', row: { id: 7, total: 30n } },
 *   { type: 'kvSet', projectId: 'shop', scopeId: 'eu', key: 'orders/last', value: '7' },
 * ]);
 * ```
 */
export type Mutation =
  | InsertMutation
  | UpsertMutation
  | UpdateFieldsMutation
  | DeleteMutation
  | KvSetMutation
  | KvDelMutation
  | EmitEventMutation
  | PostflightCheckMutation
  | UpdateWhereMutation
  | DeleteWhereMutation
  | NumericMutation
  | DdlMutation;

/** Every mutation `type`. */
export const MUTATION_TYPES: readonly Mutation['type'][] = Object.freeze([
  'insert',
  'upsert',
  'updateFields',
  'delete',
  'kvSet',
  'kvDel',
  'emitEvent',
  'postflightCheck',
  'updateWhere',
  'deleteWhere',
  ...NUMERIC_MUTATION_TYPES,
  'ddl',
]);
