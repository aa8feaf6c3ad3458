import { kvTreeId } from '../catalog/catalog';
import type { AedbConfig } from '../config';
import { ByteWriter } from '../effects/byte-writer';
import { readEffects } from '../effects/effect-codec';
import { AedbError, describeError, type AedbErrorCode } from '../errors';
import type { Mutation } from '../mutation';
import type { QueryRead } from '../query/query-executor';
import type { DbState } from '../state/db-state';
import { WorkingState } from '../state/working-state';
import { keyToByteString } from '../byte-string';
import { applyMutation } from './apply-mutation';
import type { ApplyContext } from './apply-primitives';
import { matchPredicate } from './apply-predicate-write';
import { encodeBound, type ReadSet, type ReadSetPoint, type ReadSetRange } from './read-set';
import { encodePrimaryKeyInput, tableLayout, type TableLayout } from './table-layout';

/** What `preflightPlan` found: advisory, since the state may change before a commit. */
export interface PreflightPlan {
  /** Whether the mutations would apply on the state at `baseSeq`. */
  readonly valid: boolean;
  /** The reads the mutations depend on, for `commitEnvelope` (what `commitWithPreflight` uses). */
  readonly readSet: ReadSet;
  readonly writeIntent: { readonly mutations: readonly Mutation[] };
  /** The seq the plan was made at. */
  readonly baseSeq: number;
  /** Rows and KV entries the mutations would write or delete. */
  readonly estimatedAffectedRows: number;
  /** Why the mutations would fail (empty when valid). */
  readonly errors: readonly string[];
}

/** The outcome of `preflight`. */
export type PreflightResult =
  | { readonly ok: true; readonly affectedRows: number }
  | { readonly ok: false; readonly reason: string; readonly code: AedbErrorCode | 'INTERNAL' };

/**
 * Dry-run `mutations` on a throwaway fork of `state` (O(1) to take, discarded afterwards) and
 * collect the reads they depend on. Nothing is written and nothing is logged.
 * @returns the plan, and the first error as thrown (so a commit can reject with it unchanged).
 */
export function planMutations(
  state: DbState,
  mutations: readonly Mutation[],
  config: AedbConfig,
): { plan: PreflightPlan; error: unknown } {
  const working = new WorkingState(state);
  const ctx: ApplyContext = {
    state: working,
    seq: state.seq + 1,
    timestampMicros: Date.now() * 1000,
    topics: null,
    out: new ByteWriter(),
    config,
    allowSystem: false,
  };
  const points: ReadSetPoint[] = [];
  const ranges: ReadSetRange[] = [];
  let affected = 0;
  let error: unknown;
  working.begin();
  try {
    for (const m of mutations) {
      collectReads(state, m, points, ranges);
      const before = ctx.out.length;
      applyMutation(ctx, m);
      affected += countEffects(ctx.out, before);
    }
  } catch (err) {
    error = err;
  }
  working.rollback();
  return {
    plan: {
      valid: error === undefined,
      readSet: { points, ranges },
      writeIntent: { mutations },
      baseSeq: state.seq,
      estimatedAffectedRows: error === undefined ? affected : 0,
      errors: error === undefined ? [] : [describeError(error)],
    },
    error,
  };
}

/** The `preflight` form of a plan. */
export function preflightResult(plan: PreflightPlan, error: unknown): PreflightResult {
  if (plan.valid) return { ok: true, affectedRows: plan.estimatedAffectedRows };
  return {
    ok: false,
    reason: plan.errors[0] ?? 'unknown',
    code: error instanceof AedbError ? error.code : 'INTERNAL',
  };
}

/** Read-set ranges covering what a query read (from `executeQueryCapturing`). */
export function readsToRanges(layout: TableLayout, reads: readonly QueryRead[]): ReadSetRange[] {
  const base = {
    type: 'tableKeyRange' as const,
    projectId: layout.table.projectId,
    scopeId: layout.table.scopeId,
    tableName: layout.table.tableName,
  };
  return reads.map((r) => {
    const index = r.map === 'rows' ? undefined : r.map.index;
    if ('point' in r)
      return { ...base, lo: encodeBound(r.point), hi: encodeBound(r.point + '\x00') };
    return { ...base, index, lo: encodeBound(r.lo), hi: encodeBound(r.hi) };
  });
}

/** Add the reads a mutation depends on, with their versions in `state`. Best effort: errors are the apply's job. */
function collectReads(
  state: DbState,
  m: Mutation,
  points: ReadSetPoint[],
  ranges: ReadSetRange[],
): void {
  if (m === null || typeof m !== 'object') return;
  try {
    switch (m.type) {
      case 'insert':
      case 'upsert':
      case 'updateFields':
      case 'delete':
      case 'tableIncU256':
      case 'tableDecU256': {
        const layout = tableLayout(state.catalog.requireTable(m.projectId, m.scopeId, m.tableName));
        const primaryKey =
          m.type === 'insert' || m.type === 'upsert'
            ? Object.fromEntries(layout.pkColumns.map((c) => [c.name, m.row[c.name]]))
            : m.primaryKey;
        const pk = encodePrimaryKeyInput(layout, primaryKey);
        const tree = state.tree(layout.rowsTreeId);
        const version = tree.get(pk) === undefined ? 0 : (tree.getSeq(pk) as number);
        points.push({
          type: 'row',
          projectId: m.projectId,
          scopeId: m.scopeId,
          tableName: m.tableName,
          primaryKey,
          version,
        });
        return;
      }
      case 'updateWhere':
      case 'deleteWhere': {
        const layout = tableLayout(state.catalog.requireTable(m.projectId, m.scopeId, m.tableName));
        ranges.push(...readsToRanges(layout, matchPredicate(state, layout, m, state.seq).reads));
        return;
      }
      case 'kvSet':
      case 'kvDel':
      case 'kvAddU64Ex':
      case 'kvSubU64Ex':
      case 'kvMaxU64':
      case 'kvMinU64':
      case 'kvAddI64Bounded':
      case 'kvAddU256Ex':
      case 'kvSubU256Ex':
      case 'kvMaxU256':
      case 'kvMinU256':
      case 'kvMutateU64':
      case 'kvMutateU256': {
        const scope = state.catalog.requireScope(m.projectId, m.scopeId);
        const key = keyToByteString(m.key);
        const tree = state.tree(kvTreeId(scope.scopeNum));
        const version = tree.get(key) === undefined ? 0 : (tree.getSeq(key) as number);
        points.push({
          type: 'kv',
          projectId: m.projectId,
          scopeId: m.scopeId,
          key: m.key,
          version,
        });
        return;
      }
      case 'counterAdd':
      case 'emitEvent':
      case 'postflightCheck':
      case 'ddl':
        // Sharded counters and events commute; checks and DDL carry no point read.
        return;
    }
  } catch {
    // The dry run reports the error; a read that cannot be resolved adds nothing.
  }
}

/** Rows and KV entries written or deleted since `from` (index entries and DDL excluded). */
function countEffects(out: ByteWriter, from: number): number {
  let n = 0;
  const count = (treeId: string): void => {
    if (!treeId.includes(':i:')) n++;
  };
  readEffects(out.buf, from, out.length, { put: count, del: count, catalog: () => undefined });
  return n;
}
