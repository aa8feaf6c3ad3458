import type { OrderedMapView } from '../btree/ordered-map';
import { kvTreeId } from '../catalog/catalog';
import { ConflictError, ValidationError } from '../errors';
import type { KvKey, PrimaryKeyInput } from '../mutation';
import { SYSTEM_PROJECT, validateName, validateUserProject } from '../names';
import { keyToByteString, prefixEnd } from '../byte-string';
import type { StateView } from '../state/state-view';
import type { Value } from '../schema';
import { KEY_UPPER_BOUND_SUFFIX, encodeKey } from '../values/key-codec';
import { normalizeValue } from '../values/normalize-value';
import { encodePrimaryKeyInput, tableLayout } from './table-layout';

/** A point read: the version (seq of the last write; 0 when missing) the caller saw. */
export type ReadSetPoint =
  | {
      readonly type: 'kv';
      readonly projectId: string;
      readonly scopeId: string;
      readonly key: KvKey;
      readonly version: number;
    }
  | {
      readonly type: 'row';
      readonly projectId: string;
      readonly scopeId: string;
      readonly tableName: string;
      readonly primaryKey: PrimaryKeyInput;
      readonly version: number;
    };

/**
 * A range read: the commit conflicts if anything in the range was put or deleted after the
 * envelope's `baseSeq` (conservatively, at B+ tree leaf granularity).
 */
export type ReadSetRange =
  /** KV keys with `start <= key < end` (open bounds when omitted). */
  | {
      readonly type: 'kvRange';
      readonly projectId: string;
      readonly scopeId: string;
      readonly start?: KvKey;
      readonly end?: KvKey;
    }
  /** KV keys starting with `prefix`. */
  | {
      readonly type: 'kvPrefix';
      readonly projectId: string;
      readonly scopeId: string;
      readonly prefix: KvKey;
    }
  /** Rows whose primary key starts with the given leading key values (all rows when empty). */
  | {
      readonly type: 'tablePrefix';
      readonly projectId: string;
      readonly scopeId: string;
      readonly tableName: string;
      readonly prefix: readonly unknown[];
    }
  /**
   * A range of a table's rows or of one of its indexes, in encoded key form, as captured by
   * `queryCapturingReadSet` (bounds are opaque base64url strings; not meant to be written by hand).
   */
  | {
      readonly type: 'tableKeyRange';
      readonly projectId: string;
      readonly scopeId: string;
      readonly tableName: string;
      readonly index?: string;
      readonly lo?: string;
      readonly hi?: string;
    };

/** What an optimistic transaction read: checked at commit time against `baseSeq`. */
export interface ReadSet {
  readonly points?: readonly ReadSetPoint[];
  readonly ranges?: readonly ReadSetRange[];
}

/** Encode an internal byte-string bound as the opaque form of `tableKeyRange`. */
export function encodeBound(bound: string | undefined): string | undefined {
  return bound === undefined ? undefined : Buffer.from(bound, 'latin1').toString('base64url');
}

function decodeBound(bound: unknown, what: string): string | undefined {
  if (bound === undefined) return undefined;
  if (typeof bound !== 'string' || !/^[A-Za-z0-9_-]*$/.test(bound)) {
    throw new ValidationError(
      `readSet ${what}: expected a base64url bound from queryCapturingReadSet`,
    );
  }
  return Buffer.from(bound, 'base64url').toString('latin1');
}

/** Check the shape of a read set (at submit time; resolution happens at commit time). */
export function checkReadSetShape(readSet: unknown): ReadSet {
  if (readSet === null || typeof readSet !== 'object') {
    throw new ValidationError('readSet: expected an object { points?, ranges? }');
  }
  const rs = readSet as ReadSet;
  for (const [name, list] of [
    ['points', rs.points],
    ['ranges', rs.ranges],
  ] as const) {
    if (list !== undefined && !Array.isArray(list)) {
      throw new ValidationError(`readSet.${name}: expected an array`);
    }
  }
  for (const [i, p] of (rs.points ?? []).entries()) {
    if (p === null || typeof p !== 'object' || (p.type !== 'kv' && p.type !== 'row')) {
      throw new ValidationError(`readSet.points[${i}]: expected { type: 'kv' | 'row', ... }`);
    }
    if (!Number.isSafeInteger(p.version) || p.version < 0) {
      throw new ValidationError(
        `readSet.points[${i}].version: expected a non-negative integer seq`,
      );
    }
  }
  for (const [i, r] of (rs.ranges ?? []).entries()) {
    const t = (r as { type?: unknown } | null)?.type;
    if (t !== 'kvRange' && t !== 'kvPrefix' && t !== 'tablePrefix' && t !== 'tableKeyRange') {
      throw new ValidationError(
        `readSet.ranges[${i}]: expected type kvRange, kvPrefix, tablePrefix or tableKeyRange`,
      );
    }
  }
  return rs;
}

/**
 * Validate a read set against the transaction-local state: every point must still have the
 * version the caller saw, and nothing in any range may have changed after `baseSeq`.
 * Throws `ConflictError` naming the first stale entry.
 *
 * A range read before the view's `rangeFloorSeq` conflicts whatever it covers: what was deleted
 * before that seq is not known (the trees were loaded from a checkpoint, or a scope, table or
 * index was dropped and may have been recreated since), so "unchanged" cannot be proven.
 */
export function validateReadSet(
  view: StateView,
  readSet: ReadSet,
  baseSeq: number,
  allowSystem: boolean,
): void {
  const points = readSet.points ?? [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    const { tree, key } = resolvePoint(view, p, allowSystem);
    const current = tree.get(key) === undefined ? 0 : (tree.getSeq(key) as number);
    if (current !== p.version) {
      throw new ConflictError(
        `read set is stale: ${describePoint(p)} was read at version ${p.version} but is now at version ${current}; re-read and retry`,
        { index: i, expectedVersion: p.version, actualVersion: current },
      );
    }
  }
  const ranges = readSet.ranges ?? [];
  for (let i = 0; i < ranges.length; i++) {
    const { tree, lo, hi, what } = resolveRange(view, ranges[i], allowSystem);
    if (baseSeq < view.rangeFloorSeq) {
      throw new ConflictError(
        `read set is stale: ${what} was read at seq ${baseSeq}, before seq ${view.rangeFloorSeq} (a restart from a checkpoint or a drop) after which deletions are not traceable; re-read and retry`,
        { index: i, baseSeq, floorSeq: view.rangeFloorSeq },
      );
    }
    if (tree.rangeModifiedAfter(lo, hi, baseSeq)) {
      throw new ConflictError(
        `read set is stale: ${what} changed after seq ${baseSeq}; re-read and retry`,
        { index: i, baseSeq },
      );
    }
  }
}

function checkNames(projectId: string, scopeId: string, allowSystem: boolean): void {
  if (!(allowSystem && projectId === SYSTEM_PROJECT)) validateUserProject(projectId);
  validateName('scope', scopeId);
}

function resolvePoint(
  view: StateView,
  p: ReadSetPoint,
  allowSystem: boolean,
): { tree: OrderedMapView; key: string } {
  // Names that resolve in the catalog are valid by construction: validate only on a miss
  // (this runs for every point of every envelope).
  if (p.projectId === SYSTEM_PROJECT && !allowSystem) checkNames(p.projectId, p.scopeId, false);
  if (p.type === 'kv') {
    let scope = view.catalog.scope(p.projectId, p.scopeId);
    if (scope === undefined) {
      checkNames(p.projectId, p.scopeId, allowSystem);
      scope = view.catalog.requireScope(p.projectId, p.scopeId);
    }
    return { tree: view.readTree(kvTreeId(scope.scopeNum)), key: keyToByteString(p.key) };
  }
  let table = view.catalog.table(p.projectId, p.scopeId, p.tableName);
  if (table === undefined) {
    checkNames(p.projectId, p.scopeId, allowSystem);
    validateName('table', p.tableName);
    table = view.catalog.requireTable(p.projectId, p.scopeId, p.tableName);
  }
  const layout = tableLayout(table);
  return {
    tree: view.readTree(layout.rowsTreeId),
    key: encodePrimaryKeyInput(layout, p.primaryKey),
  };
}

/** What a stale point refers to, for the error message (built only on failure). */
function describePoint(p: ReadSetPoint): string {
  return p.type === 'kv'
    ? `kv key in ${p.projectId}.${p.scopeId}`
    : `a row of table '${p.projectId}.${p.scopeId}.${p.tableName}'`;
}

function resolveRange(
  view: StateView,
  r: ReadSetRange,
  allowSystem: boolean,
): { tree: OrderedMapView; lo: string | undefined; hi: string | undefined; what: string } {
  checkNames(r.projectId, r.scopeId, allowSystem);
  if (r.type === 'kvRange' || r.type === 'kvPrefix') {
    const scope = view.catalog.requireScope(r.projectId, r.scopeId);
    const tree = view.readTree(kvTreeId(scope.scopeNum));
    const where = `${r.projectId}.${r.scopeId}`;
    if (r.type === 'kvPrefix') {
      const p = keyToByteString(r.prefix, true);
      return {
        tree,
        lo: p === '' ? undefined : p,
        hi: prefixEnd(p),
        what: `the kv prefix range in ${where}`,
      };
    }
    return {
      tree,
      lo: r.start === undefined ? undefined : keyToByteString(r.start, true),
      hi: r.end === undefined ? undefined : keyToByteString(r.end, true),
      what: `the kv range in ${where}`,
    };
  }
  validateName('table', r.tableName);
  const layout = tableLayout(view.catalog.requireTable(r.projectId, r.scopeId, r.tableName));
  if (r.type === 'tablePrefix') {
    if (!Array.isArray(r.prefix) || r.prefix.length > layout.pkColumns.length) {
      throw new ValidationError(
        `readSet tablePrefix on '${layout.name}': prefix must list at most ${layout.pkColumns.length} key value(s)`,
      );
    }
    const values: Value[] = r.prefix.map((v, i) =>
      normalizeValue(v, layout.pkColumns[i], layout.location),
    );
    const p = encodeKey(layout.pkTypes.slice(0, values.length), values);
    return {
      tree: view.readTree(layout.rowsTreeId),
      lo: p === '' ? undefined : p,
      hi: p === '' ? undefined : p + KEY_UPPER_BOUND_SUFFIX,
      what: `a key range of table '${layout.name}'`,
    };
  }
  let treeId = layout.rowsTreeId;
  if (r.index !== undefined) {
    const index = layout.indexes.find((i) => i.schema.name === r.index);
    if (index === undefined) {
      throw new ValidationError(
        `readSet: table '${layout.name}' has no index '${String(r.index)}'`,
      );
    }
    treeId = index.treeId;
  }
  return {
    tree: view.readTree(treeId),
    lo: decodeBound(r.lo, 'lo'),
    hi: decodeBound(r.hi, 'hi'),
    what: `a key range of ${r.index === undefined ? '' : `index '${r.index}' of `}table '${layout.name}'`,
  };
}
