import { SYSTEM_PROJECT } from '../names';
import type { Value } from '../schema';
import type { StateView } from '../state/state-view';
import { SYSTEM_SCOPE } from '../system/system-tables';
import { encodeKey } from '../values/key-codec';
import { normalizeRow } from '../values/normalize-value';
import { decodeRowValues } from '../values/row-codec';
import { ensureSystemTable } from './apply-event';
import { del, writeRow, type ApplyContext } from './apply-primitives';
import { rowIndexKey, tableLayout } from './table-layout';

/** A live idempotency record. */
export interface IdempotencyRecord {
  readonly commitSeq: number;
  /** The request fingerprint (a byte string). */
  readonly fingerprint: string;
}

/** Expired records deleted per recorded key: bounds the table without a separate sweeper. */
const PRUNE_PER_RECORD = 4;

/**
 * The record of `scopedKey` if it is inside both windows (`idempotencyWindowCommits` commits
 * and `idempotencyWindowSeconds` seconds before `now`); an expired record counts as absent.
 */
export function lookupIdempotency(
  view: StateView,
  scopedKey: string,
  currentSeq: number,
  nowMicros: number,
  window: { readonly commits: number; readonly seconds: number },
): IdempotencyRecord | undefined {
  const table = view.catalog.table(SYSTEM_PROJECT, SYSTEM_SCOPE, 'idempotency_records');
  if (table === undefined) return undefined;
  const layout = tableLayout(table);
  const encoded = view.readTree(layout.rowsTreeId).get(pkOf(scopedKey));
  if (encoded === undefined) return undefined;
  const row = decodeRowValues(table, encoded);
  const commitSeq = row[1] as number;
  const recordedAt = row[2] as number;
  if (expired(commitSeq, recordedAt, currentSeq, nowMicros, window)) return undefined;
  return { commitSeq, fingerprint: Buffer.from(row[3] as Uint8Array).toString('latin1') };
}

/**
 * Record `scopedKey` for the commit being applied (replacing an expired record of the same
 * key), and delete a few expired records, oldest first.
 */
export function recordIdempotency(
  ctx: ApplyContext,
  scopedKey: string,
  fingerprint: string,
  window: { readonly commits: number; readonly seconds: number },
): void {
  ensureSystemTable(ctx, 'idempotency_records');
  const layout = tableLayout(
    ctx.state.catalog.requireTable(SYSTEM_PROJECT, SYSTEM_SCOPE, 'idempotency_records'),
  );
  const rows = ctx.state.readTree(layout.rowsTreeId);
  const index = layout.indexes[0];
  let pruned = 0;
  const doomed: string[] = [];
  ctx.state.readTree(index.treeId).range(undefined, undefined, false, (_key, pk) => {
    const encoded = rows.get(pk);
    if (encoded === undefined) return true;
    const row = decodeRowValues(layout.table, encoded);
    if (!expired(row[1] as number, row[2] as number, ctx.seq, ctx.timestampMicros, window))
      return false;
    doomed.push(pk);
    return ++pruned < PRUNE_PER_RECORD;
  });
  for (const pk of doomed) {
    const old = decodeRowValues(layout.table, rows.get(pk) as string);
    del(ctx, index.treeId, rowIndexKey(index, old, pk));
    del(ctx, layout.rowsTreeId, pk);
  }
  const pk = pkOf(scopedKey);
  const existing = rows.get(pk);
  const values = normalizeRow(
    layout.table,
    {
      scoped_key: Buffer.from(scopedKey, 'latin1'),
      commit_seq: ctx.seq,
      recorded_at_micros: ctx.timestampMicros,
      fingerprint: Buffer.from(fingerprint, 'latin1'),
    },
    'full',
  ) as Value[];
  writeRow(
    ctx,
    layout,
    pk,
    existing === undefined ? undefined : decodeRowValues(layout.table, existing),
    values,
  );
}

function pkOf(scopedKey: string): string {
  return encodeKey(['blob'], [Buffer.from(scopedKey, 'latin1')]);
}

function expired(
  commitSeq: number,
  recordedAtMicros: number,
  currentSeq: number,
  nowMicros: number,
  window: { readonly commits: number; readonly seconds: number },
): boolean {
  return (
    commitSeq <= currentSeq - window.commits || recordedAtMicros < nowMicros - window.seconds * 1e6
  );
}
