import type { ColumnDef } from '../schema';

/**
 * A schema change, committed like any other mutation (`{ type: 'ddl', op }`) so it is atomic
 * with the rest of its commit, logged in the WAL and replayed on recovery.
 *
 * @example
 * ```ts
 * await db.commit({
 *   type: 'ddl',
 *   op: {
 *     type: 'createTable', projectId: 'demo', scopeId: 'app', tableName: 'users',
 *     columns: [
 *       { name: 'id', type: 'integer' },
 *       { name: 'username', type: 'text' },
 *     ],
 *     primaryKey: ['id'],
 *   },
 * });
 * ```
 */
export type DdlOperation =
  | CreateProjectOp
  | DropProjectOp
  | CreateScopeOp
  | DropScopeOp
  | CreateTableOp
  | AlterTableOp
  | DropTableOp
  | CreateIndexOp
  | DropIndexOp;

/** Create a project. With `ifNotExists`, an existing project is not an error. */
export interface CreateProjectOp {
  readonly type: 'createProject';
  readonly projectId: string;
  readonly ifNotExists?: boolean;
}

/** Drop a project with all its scopes, tables and KV data. */
export interface DropProjectOp {
  readonly type: 'dropProject';
  readonly projectId: string;
  readonly ifExists?: boolean;
}

/** Create a scope (a namespace for tables and one KV space) in a project. */
export interface CreateScopeOp {
  readonly type: 'createScope';
  readonly projectId: string;
  readonly scopeId: string;
  readonly ifNotExists?: boolean;
}

/** Drop a scope with all its tables and KV data. */
export interface DropScopeOp {
  readonly type: 'dropScope';
  readonly projectId: string;
  readonly scopeId: string;
  readonly ifExists?: boolean;
}

/** Create a table. Primary key columns must be non-nullable and not `json`. */
export interface CreateTableOp {
  readonly type: 'createTable';
  readonly projectId: string;
  readonly scopeId: string;
  readonly tableName: string;
  readonly columns: readonly ColumnDef[];
  readonly primaryKey: readonly string[];
  readonly ifNotExists?: boolean;
}

/** Change a table's columns without rewriting its rows (rows refer to columns by stable id). */
export interface AlterTableOp {
  readonly type: 'alterTable';
  readonly projectId: string;
  readonly scopeId: string;
  readonly tableName: string;
  readonly alteration: TableAlteration;
}

/**
 * One column change. An added column must be nullable (existing rows read it as `null`).
 * A dropped column may not be part of the primary key or of an index.
 */
export type TableAlteration =
  | { readonly type: 'addColumn'; readonly column: ColumnDef }
  | { readonly type: 'dropColumn'; readonly name: string }
  | { readonly type: 'renameColumn'; readonly from: string; readonly to: string };

/** Drop a table and its indexes. */
export interface DropTableOp {
  readonly type: 'dropTable';
  readonly projectId: string;
  readonly scopeId: string;
  readonly tableName: string;
  readonly ifExists?: boolean;
}

/**
 * Create a secondary index over existing and future rows. The index is built inside the
 * commit, so a unique index over duplicate values fails the commit and changes nothing.
 */
export interface CreateIndexOp {
  readonly type: 'createIndex';
  readonly projectId: string;
  readonly scopeId: string;
  readonly tableName: string;
  readonly indexName: string;
  readonly columns: readonly string[];
  readonly unique?: boolean;
  readonly ifNotExists?: boolean;
}

/** Drop a secondary index. */
export interface DropIndexOp {
  readonly type: 'dropIndex';
  readonly projectId: string;
  readonly scopeId: string;
  readonly tableName: string;
  readonly indexName: string;
  readonly ifExists?: boolean;
}
