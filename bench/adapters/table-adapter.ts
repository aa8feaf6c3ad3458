/**
 * Typed-table workloads (W10): one table `users` with an integer primary key, typed columns and
 * two secondary indexes (on `email` and on `age`), driven through upserts.
 */
import type { EngineId } from '../harness/protocol';

/** A typed row of the `users` table. */
export interface UserRow {
  readonly id: number;
  readonly email: string;
  readonly name: string;
  readonly age: number;
  readonly score: number;
  readonly active: boolean;
}

/** An open table store. */
export interface TableStore {
  /** Upsert one row in its own commit. */
  upsert(row: UserRow): Promise<void>;
  /** Upsert all rows in one transaction. */
  upsertBatch(rows: readonly UserRow[]): Promise<void>;
  /** Rows matching `email` through the email index (a sanity check that the index works). */
  countByEmail(email: string): Promise<number>;
  close(): Promise<void>;
}

/** An engine with typed tables and secondary indexes. */
export interface TableAdapter {
  readonly engine: EngineId;
  /** Schema, settings and how an upsert is expressed, for the output. */
  readonly description: string;
  /** Open a store with the table and both indexes created (non-durable commits). */
  open(dir: string): Promise<TableStore>;
}

/** Row `id` in its `generation`-th version (email and age change, so both indexes move). */
export function userRow(id: number, generation: number): UserRow {
  return {
    id,
    email: `u${id}.g${generation}@example.com`,
    name: `user ${id}`,
    age: 18 + ((id + generation) % 80),
    score: generation * 0.5,
    active: (generation & 1) === 0,
  };
}
