/**
 * Invariants of the engine's own tables in `_system.app` (see `system-tables.ts`), checked
 * offline by the verifier as the `system` check:
 *
 * - every table in `_system.app` is one of the engine's, with exactly its columns, primary key
 *   and indexes (the generic `indexes` check then covers `event_outbox.by_topic` and
 *   `idempotency_records.by_commit_seq` entry by entry);
 * - `event_outbox`: every event's commit seq is within 1..head, its timestamp is not negative,
 *   the events of one commit share its timestamp, and the payload is JSON;
 * - `idempotency_records`: the commit seq is within 1..head, the scoped key and the request
 *   fingerprint are 32-byte SHA-256 digests;
 * - `reactive_processor_checkpoints`: every checkpoint is within 0..head;
 * - `reactive_processor_registry`: the options are a JSON object;
 * - `reactive_processor_dead_letters`: every dead letter names a commit seq within 1..head and
 *   at least one attempt.
 *
 * Rows that do not decode are left to the `rows` check.
 *
 * @module
 */
import { tableLayout } from '../commit/table-layout';
import { SYSTEM_PROJECT } from '../names';
import type { TableSchema, Value } from '../schema';
import type { DbState } from '../state/db-state';
import { SYSTEM_SCOPE, SYSTEM_TABLES, isSystemTableName } from '../system/system-tables';
import { decodeRowValues } from '../values/row-codec';
import { checkFrom, type VerifyCheck } from './verify-state';

/** SHA-256 digests (idempotency scoped keys and request fingerprints) are this long. */
const DIGEST_BYTES = 32;

/** Check the system tables of `state` (see the module docs). */
export function checkSystemTables(state: DbState): VerifyCheck {
  const scope = state.catalog.projects.get(SYSTEM_PROJECT)?.scopes.get(SYSTEM_SCOPE);
  if (scope === undefined) return { name: 'system', ok: true, detail: 'no system tables yet' };
  const problems: string[] = [];
  const counts: string[] = [];
  const head = state.seq;
  for (const [name, table] of scope.tables) {
    if (!isSystemTableName(name)) {
      problems.push(`table '${SYSTEM_PROJECT}.${SYSTEM_SCOPE}.${name}' is not an engine table`);
      continue;
    }
    const schema = schemaProblems(name, table);
    if (schema !== undefined) {
      problems.push(schema);
      continue;
    }
    const where = (pk: readonly Value[]): string =>
      `${name} row (${pk.map((v) => describe(v)).join(', ')})`;
    let rows = 0;
    const commitTimes = new Map<number, number>();
    forEachRow(state, table, (v) => {
      rows++;
      switch (name) {
        case 'event_outbox': {
          const [seq, , , ts, , , payload] = v as [number, string, string, number, ...unknown[]];
          const at = where(v.slice(0, 3));
          if (!inSeqRange(seq, 1, head)) problems.push(`${at}: commit seq outside 1..${head}`);
          if (!(Number.isSafeInteger(ts) && ts >= 0)) problems.push(`${at}: timestamp ${ts}`);
          const first = commitTimes.get(seq);
          if (first === undefined) commitTimes.set(seq, ts);
          else if (first !== ts) problems.push(`${at}: events of commit ${seq} differ in time`);
          if (!isJson(payload)) problems.push(`${at}: the payload is not JSON`);
          return;
        }
        case 'idempotency_records': {
          const [key, seq, recordedAt, fingerprint] = v as [Uint8Array, number, number, Uint8Array];
          const at = `idempotency record ${Buffer.from(key).toString('hex').slice(0, 16)}`;
          if (!inSeqRange(seq, 1, head)) {
            problems.push(`${at}: commit seq ${seq} outside 1..${head}`);
          }
          if (key.length !== DIGEST_BYTES)
            problems.push(`${at}: scoped key of ${key.length} bytes`);
          if (fingerprint.length !== DIGEST_BYTES) {
            problems.push(`${at}: fingerprint of ${fingerprint.length} bytes, not ${DIGEST_BYTES}`);
          }
          if (!(Number.isSafeInteger(recordedAt) && recordedAt >= 0)) {
            problems.push(`${at}: recorded at ${recordedAt}`);
          }
          return;
        }
        case 'reactive_processor_checkpoints': {
          const [processor, seq] = v as [string, number];
          if (!inSeqRange(seq, 0, head)) {
            problems.push(`processor '${processor}': checkpoint ${seq} outside 0..${head}`);
          }
          return;
        }
        case 'reactive_processor_registry': {
          const [processor, options] = v as [string, unknown];
          if (!isJsonObject(options)) {
            problems.push(`processor '${processor}': the registered options are not a JSON object`);
          }
          return;
        }
        case 'reactive_processor_dead_letters': {
          const [processor, seq, eventKey, , , , attempts] = v as [
            string,
            number,
            string,
            ...unknown[],
          ];
          const at = `dead letter of '${processor}' (commit ${seq}, event ${describe(eventKey)})`;
          if (!inSeqRange(seq, 1, head)) problems.push(`${at}: commit seq outside 1..${head}`);
          if (!(typeof attempts === 'number' && Number.isSafeInteger(attempts) && attempts >= 1)) {
            problems.push(`${at}: ${String(attempts)} attempts`);
          }
          return;
        }
      }
    });
    counts.push(`${name} ${rows}`);
  }
  return checkFrom(
    'system',
    problems,
    `${counts.join(', ')}: seqs within the head ${head}, digests ${DIGEST_BYTES} bytes, JSON decodes`,
  );
}

/** A difference between a stored system table and its definition, if any. */
function schemaProblems(name: keyof typeof SYSTEM_TABLES, table: TableSchema): string | undefined {
  const def = SYSTEM_TABLES[name];
  const expectedColumns = def.table.columns.map((c) => `${c.name}:${c.type}`).join(',');
  const columns = table.columns.map((c) => `${c.name}:${c.type}${c.nullable ? '?' : ''}`).join(',');
  const expectedIndexes = def.indexes
    .map((i) => `${i.indexName}(${i.columns.join(',')})`)
    .join(',');
  const indexes = table.indexes
    .map((i) => `${i.name}(${i.columns.join(',')})${i.unique ? '!' : ''}`)
    .join(',');
  if (columns !== expectedColumns)
    return `${name}: columns ${columns}, expected ${expectedColumns}`;
  if (table.primaryKey.join(',') !== def.table.primaryKey.join(',')) {
    return `${name}: primary key (${table.primaryKey.join(', ')}), expected (${def.table.primaryKey.join(', ')})`;
  }
  if (indexes !== expectedIndexes)
    return `${name}: indexes ${indexes}, expected ${expectedIndexes}`;
  return undefined;
}

function forEachRow(state: DbState, table: TableSchema, visit: (values: Value[]) => void): void {
  const tree = state.trees.get(tableLayout(table).rowsTreeId);
  tree?.range(undefined, undefined, false, (_pk, encoded) => {
    let values: Value[];
    try {
      values = decodeRowValues(table, encoded);
    } catch {
      return true; // reported by the `rows` check
    }
    visit(values);
    return true;
  });
}

function inSeqRange(seq: unknown, lo: number, hi: number): boolean {
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= lo && seq <= hi;
}

function isJson(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function isJsonObject(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  } catch {
    return false;
  }
}

function describe(v: unknown): string {
  return typeof v === 'string'
    ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)
    : String(v);
}
