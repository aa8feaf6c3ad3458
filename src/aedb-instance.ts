import { StorageEngine } from './storage/storage-engine';

/**
 * An open aedb database: typed tables and a byte-keyed KV store under `project -> scope`,
 * with atomic commits on a write-ahead log, checkpoints, crash recovery and snapshot reads.
 *
 * Open one instance per data directory and share it; every method is safe to call
 * concurrently. Writes go through one commit pipeline (group commit); reads never wait for
 * writes. See {@link StorageEngine} for the storage API it inherits.
 *
 * @example
 * ```ts
 * import { AedbInstance, Query, Expr } from 'aedb';
 *
 * const db = await AedbInstance.open('./data', { durabilityMode: 'full' });
 * await db.createProject('demo');
 * await db.createScope('demo', 'app');
 * await db.createTable({
 *   projectId: 'demo', scopeId: 'app', tableName: 'users',
 *   columns: [{ name: 'id', type: 'integer' }, { name: 'username', type: 'text' }],
 *   primaryKey: ['id'],
 * });
 * const { commitSeq } = await db.commit({
 *   type: 'insert', projectId: 'demo', scopeId: 'app', tableName: 'users',
 *   row: { id: 1, username: 'alice' },
 * });
 * const res = await db.query('demo', 'app', Query.select('*').from('users').where(Expr.eq('id', 1)));
 * await db.close();
 * ```
 */
export class AedbInstance extends StorageEngine {}
