/**
 * aedb typed table: `users(id integer PK, email text, name text, age integer, score float,
 * active boolean)` with indexes `by_email(email)` and `by_age(age)`, written with `upsert`
 * mutations; `durabilityMode: 'os'` (not fsynced: the workload measures the engine's work).
 */
import { AedbInstance, Expr, Query, type UpsertMutation } from './aedb-api';
import type { TableAdapter, TableStore, UserRow } from './table-adapter';

const PROJECT = 'bench';
const SCOPE = 'tables';
const TABLE = 'users';

async function openStore(dir: string): Promise<TableStore> {
  const db = await AedbInstance.open(dir, { durabilityMode: 'os' });
  await db.createProject(PROJECT, { ifNotExists: true });
  await db.createScope(PROJECT, SCOPE, { ifNotExists: true });
  await db.createTable({
    projectId: PROJECT,
    scopeId: SCOPE,
    tableName: TABLE,
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'email', type: 'text' },
      { name: 'name', type: 'text' },
      { name: 'age', type: 'integer' },
      { name: 'score', type: 'float' },
      { name: 'active', type: 'boolean' },
    ],
    primaryKey: ['id'],
    ifNotExists: true,
  });
  for (const [indexName, column] of [
    ['by_email', 'email'],
    ['by_age', 'age'],
  ] as const) {
    await db.createIndex({
      projectId: PROJECT,
      scopeId: SCOPE,
      tableName: TABLE,
      indexName,
      columns: [column],
      ifNotExists: true,
    });
  }
  const upsert = (row: UserRow): UpsertMutation => ({
    type: 'upsert',
    projectId: PROJECT,
    scopeId: SCOPE,
    tableName: TABLE,
    row: { ...row },
  });
  return {
    async upsert(row) {
      await db.commit(upsert(row));
    },
    async upsertBatch(rows) {
      await db.commitMany(rows.map(upsert));
    },
    async countByEmail(email) {
      const res = await db.query(
        PROJECT,
        SCOPE,
        Query.select('id').from(TABLE).where(Expr.eq('email', email)),
      );
      return res.rows.length;
    },
    close: () => db.close(),
  };
}

/** The aedb table adapter. */
export const aedbTableAdapter: TableAdapter = {
  engine: 'aedb',
  description:
    "table users(id integer PK, email text, name text, age integer, score float, active boolean), indexes by_email(email), by_age(age); upsert mutations; durabilityMode 'os'",
  open: openStore,
};
