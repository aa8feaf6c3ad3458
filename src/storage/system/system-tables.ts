import type { CreateIndexOp, CreateTableOp } from '../catalog/ddl-operation';
import { SYSTEM_PROJECT } from '../names';

/** The scope of the reserved `_system` project that holds the engine's tables. */
export const SYSTEM_SCOPE = 'app';

/** A system table: its creation and its indexes. */
export interface SystemTableDefinition {
  readonly table: CreateTableOp;
  readonly indexes: readonly CreateIndexOp[];
}

function table(
  tableName: string,
  columns: CreateTableOp['columns'],
  primaryKey: readonly string[],
  indexes: { name: string; columns: string[] }[] = [],
): SystemTableDefinition {
  return {
    table: {
      type: 'createTable',
      projectId: SYSTEM_PROJECT,
      scopeId: SYSTEM_SCOPE,
      tableName,
      columns,
      primaryKey,
    },
    indexes: indexes.map((i) => ({
      type: 'createIndex',
      projectId: SYSTEM_PROJECT,
      scopeId: SYSTEM_SCOPE,
      tableName,
      indexName: i.name,
      columns: i.columns,
    })),
  };
}

/**
 * The engine's own tables in `_system.app` (names and columns follow aedb). They are created
 * inside the first commit that writes to them, so a database that never uses events has none,
 * and recovery replays their creation like any other DDL.
 */
export const SYSTEM_TABLES = {
  /** The canonical event log: one row per emitted event, committed with the state it describes. */
  event_outbox: table(
    'event_outbox',
    [
      { name: 'commit_seq', type: 'integer' },
      { name: 'topic', type: 'text' },
      { name: 'event_key', type: 'text' },
      { name: 'ts_micros', type: 'integer' },
      { name: 'project_id', type: 'text' },
      { name: 'scope_id', type: 'text' },
      { name: 'payload_json', type: 'text' },
    ],
    ['commit_seq', 'topic', 'event_key'],
    // Reading one topic walks this index (topic, then commit seq) instead of every event.
    [{ name: 'by_topic', columns: ['topic'] }],
  ),
  /** Durable processor positions. */
  reactive_processor_checkpoints: table(
    'reactive_processor_checkpoints',
    [
      { name: 'processor_name', type: 'text' },
      { name: 'checkpoint_seq', type: 'integer' },
      { name: 'updated_at_micros', type: 'integer' },
    ],
    ['processor_name'],
  ),
  /** Durable processor registrations (options and enabled state). */
  reactive_processor_registry: table(
    'reactive_processor_registry',
    [
      { name: 'processor_name', type: 'text' },
      { name: 'options_json', type: 'text' },
      { name: 'enabled', type: 'boolean' },
      { name: 'updated_at_micros', type: 'integer' },
    ],
    ['processor_name'],
  ),
  /** Events a processor gave up on after its retries. */
  reactive_processor_dead_letters: table(
    'reactive_processor_dead_letters',
    [
      { name: 'processor_name', type: 'text' },
      { name: 'commit_seq', type: 'integer' },
      { name: 'event_key', type: 'text' },
      { name: 'topic', type: 'text' },
      { name: 'payload_json', type: 'text' },
      { name: 'error', type: 'text' },
      { name: 'attempts', type: 'integer' },
      { name: 'failed_at_micros', type: 'integer' },
    ],
    ['processor_name', 'commit_seq', 'event_key'],
  ),
  /**
   * Idempotency keys of recent envelopes (caller-scoped key digest -> the commit that applied
   * the request, and the request's fingerprint). Written in the commit it records, so it is
   * exactly as durable as that commit.
   */
  idempotency_records: table(
    'idempotency_records',
    [
      { name: 'scoped_key', type: 'blob' },
      { name: 'commit_seq', type: 'integer' },
      { name: 'recorded_at_micros', type: 'integer' },
      { name: 'fingerprint', type: 'blob' },
    ],
    ['scoped_key'],
    // Pruning walks records oldest first.
    [{ name: 'by_commit_seq', columns: ['commit_seq'] }],
  ),
} as const satisfies Record<string, SystemTableDefinition>;

/** The name of a system table. */
export type SystemTableName = keyof typeof SYSTEM_TABLES;

/** Whether `tableName` in `_system.app` is one of the engine's tables. */
export function isSystemTableName(tableName: string): tableName is SystemTableName {
  return Object.prototype.hasOwnProperty.call(SYSTEM_TABLES, tableName);
}
