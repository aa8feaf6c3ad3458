/**
 * Invariants of a recovered (or any published) database state, checked offline by the
 * verifier: the catalog is self-consistent and owns exactly the trees that exist, every tree is
 * a sound B+ tree, every entry's seq is at most the state's seq, every row decodes with its
 * table's schema under the primary key its values encode to, every secondary index holds
 * exactly one entry per row (the row's indexed values followed by its primary key, pointing at
 * the row), and no unique index holds two entries with the same non-null values.
 *
 * @module
 */
import type { PersistentBTree } from '../btree/persistent-btree';
import { kvTreeId } from '../catalog/catalog';
import {
  describeEncodedKey,
  hasNullIndexValue,
  indexValuePrefix,
  rowIndexKey,
  rowPrimaryKey,
  tableLayout,
  type IndexLayout,
  type TableLayout,
} from '../commit/table-layout';
import { describeError } from '../errors';
import type { TableSchema, Value } from '../schema';
import type { DbState } from '../state/db-state';
import { decodeRowValues } from '../values/row-codec';

/** One check of a verification report. */
export interface VerifyCheck {
  /** What was checked (stable names: see {@link VERIFY_CHECK_NAMES}). */
  readonly name: VerifyCheckName;
  /** Whether it passed. */
  readonly ok: boolean;
  /** What was checked and found, or the first problems (with a count of the rest). */
  readonly detail: string;
}

/** Every check the verifier can report, in report order. */
export const VERIFY_CHECK_NAMES = [
  'checkpoints',
  'wal',
  'replay',
  'catalog',
  'trees',
  'btree',
  'seqs',
  'rows',
  'indexes',
  'unique',
  'system',
] as const;

/** The name of a verifier check. */
export type VerifyCheckName = (typeof VERIFY_CHECK_NAMES)[number];

/** At most this many problems are spelled out per check. */
const MAX_LISTED = 10;

/**
 * A check outcome from a list of problems: ok when there are none, else the first
 * {@link MAX_LISTED} problems and how many more there are.
 */
export function checkFrom(
  name: VerifyCheckName,
  problems: readonly string[],
  okDetail: string,
): VerifyCheck {
  if (problems.length === 0) return { name, ok: true, detail: okDetail };
  const listed = problems.slice(0, MAX_LISTED).join('; ');
  const more = problems.length > MAX_LISTED ? ` (and ${problems.length - MAX_LISTED} more)` : '';
  return { name, ok: false, detail: `${problems.length} problem(s): ${listed}${more}` };
}

/**
 * Check every invariant of `state` (see the module docs). O(entries); meant for offline use.
 * @returns the checks `catalog`, `trees`, `btree`, `seqs`, `rows`, `indexes` and `unique`.
 */
export function checkStateInvariants(state: DbState): VerifyCheck[] {
  const tables = allTables(state);
  const rows = new RowsCheck();
  const indexes: string[] = [];
  const unique: string[] = [];
  let indexCount = 0;
  let indexEntries = 0;
  for (const table of tables) {
    const layout = tableLayout(table);
    const decoded = rows.check(state, layout);
    for (const index of layout.indexes) {
      indexCount++;
      indexEntries += checkIndex(state, layout, index, decoded, indexes, unique);
    }
  }
  return [
    checkCatalog(state),
    checkTrees(state, tables),
    checkBtrees(state),
    checkSeqs(state),
    checkFrom(
      'rows',
      rows.problems,
      `${rows.count} rows in ${tables.length} tables decode under their primary keys`,
    ),
    checkFrom(
      'indexes',
      indexes,
      `${indexCount} indexes: ${indexEntries} entries, exactly one per row, each pointing at its row`,
    ),
    checkFrom('unique', unique, 'no unique index holds two entries with the same non-null values'),
  ];
}

function allTables(state: DbState): TableSchema[] {
  const out: TableSchema[] = [];
  for (const project of state.catalog.projects.values()) {
    for (const scope of project.scopes.values()) out.push(...scope.tables.values());
  }
  return out;
}

/** Ids, names and references inside the catalog. */
function checkCatalog(state: DbState): VerifyCheck {
  const { catalog } = state;
  const problems: string[] = [];
  const internalIds = new Map<number, string>();
  const claim = (id: number, what: string): void => {
    const other = internalIds.get(id);
    if (other !== undefined) problems.push(`${what} reuses internal id ${id} of ${other}`);
    internalIds.set(id, what);
    if (!(Number.isSafeInteger(id) && id >= 1 && id < catalog.nextId)) {
      problems.push(`${what} has internal id ${id} outside 1..${catalog.nextId - 1}`);
    }
  };
  let scopes = 0;
  let tables = 0;
  for (const [projectId, project] of catalog.projects) {
    if (project.projectId !== projectId)
      problems.push(`project '${projectId}' is stored as '${project.projectId}'`);
    for (const [scopeId, scope] of project.scopes) {
      scopes++;
      const where = `scope '${projectId}.${scopeId}'`;
      if (scope.scopeId !== scopeId || scope.projectId !== projectId)
        problems.push(`${where} names another scope`);
      claim(scope.scopeNum, where);
      for (const [tableName, table] of scope.tables) {
        tables++;
        const label = `table '${projectId}.${scopeId}.${tableName}'`;
        if (
          table.tableName !== tableName ||
          table.scopeId !== scopeId ||
          table.projectId !== projectId
        ) {
          problems.push(`${label} names another table`);
        }
        claim(table.tableId, label);
        problems.push(...tableSchemaProblems(table, label));
      }
    }
  }
  return checkFrom(
    'catalog',
    problems,
    `${catalog.projects.size} projects, ${scopes} scopes, ${tables} tables: ids unique, references resolve`,
  );
}

function tableSchemaProblems(table: TableSchema, label: string): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  const ids = new Set<number>();
  for (const c of table.columns) {
    if (names.has(c.name)) problems.push(`${label} has two columns named '${c.name}'`);
    if (ids.has(c.id) || c.id >= table.nextColumnId)
      problems.push(`${label} column '${c.name}' has a bad id ${c.id}`);
    names.add(c.name);
    ids.add(c.id);
  }
  for (const col of table.primaryKey) {
    const column = table.columns.find((c) => c.name === col);
    if (column === undefined) problems.push(`${label} primary key column '${col}' does not exist`);
    else if (column.nullable || column.type === 'json')
      problems.push(`${label} primary key column '${col}' is nullable or json`);
  }
  const indexIds = new Set<number>();
  for (const index of table.indexes) {
    if (indexIds.has(index.id) || index.id >= table.nextIndexId) {
      problems.push(`${label} index '${index.name}' has a bad id ${index.id}`);
    }
    indexIds.add(index.id);
    for (const col of index.columns) {
      if (!names.has(col))
        problems.push(`${label} index '${index.name}' names a missing column '${col}'`);
    }
  }
  return problems;
}

/** Every existing tree is owned by the catalog; catalog trees that do not exist are empty. */
function checkTrees(state: DbState, tables: readonly TableSchema[]): VerifyCheck {
  const problems: string[] = [];
  const owned = new Set(state.catalog.allTreeIds());
  for (const id of state.trees.keys()) {
    if (!owned.has(id)) problems.push(`tree '${id}' belongs to no project, scope, table or index`);
  }
  let absent = 0;
  for (const id of owned) if (!state.trees.has(id)) absent++;
  for (const table of tables) {
    const layout = tableLayout(table);
    const rows = state.trees.get(layout.rowsTreeId)?.size ?? 0;
    for (const index of layout.indexes) {
      if (rows > 0 && !state.trees.has(index.treeId)) {
        problems.push(
          `table '${layout.name}' has ${rows} rows but index '${index.schema.name}' has no tree`,
        );
      }
    }
  }
  let kvSpaces = 0;
  for (const project of state.catalog.projects.values()) {
    for (const scope of project.scopes.values())
      if (state.trees.has(kvTreeId(scope.scopeNum))) kvSpaces++;
  }
  return checkFrom(
    'trees',
    problems,
    `${state.trees.size} trees (${kvSpaces} KV spaces), all owned by the catalog; ${absent} catalog trees not created yet (empty)`,
  );
}

function checkBtrees(state: DbState): VerifyCheck {
  const problems: string[] = [];
  let entries = 0;
  for (const [id, tree] of state.trees) {
    entries += tree.size;
    for (const p of tree.checkInvariants()) problems.push(`tree '${id}': ${p}`);
  }
  return checkFrom(
    'btree',
    problems,
    `${state.trees.size} trees, ${entries} entries: ordering, fill, separators and counts hold`,
  );
}

function checkSeqs(state: DbState): VerifyCheck {
  const problems: string[] = [];
  let max = 0;
  for (const [id, tree] of state.trees) {
    if (tree.lastModifiedSeq > state.seq) {
      problems.push(
        `tree '${id}' was modified at seq ${tree.lastModifiedSeq} > recovered seq ${state.seq}`,
      );
    }
    for (const leaf of tree.leaves()) {
      for (let i = 0; i < leaf.seqs.length; i++) {
        const seq = leaf.seqs[i];
        if (seq > max) max = seq;
        if (!(Number.isSafeInteger(seq) && seq >= 1 && seq <= state.seq)) {
          problems.push(
            `tree '${id}' entry ${hexKey(leaf.keys[i])} has seq ${seq} outside 1..${state.seq}`,
          );
        }
      }
    }
  }
  return checkFrom('seqs', problems, `every entry seq is within 1..${state.seq} (highest ${max})`);
}

/** Decodes each table's rows once, checking them, for the index checks to reuse. */
class RowsCheck {
  readonly problems: string[] = [];
  count = 0;

  /** Check the rows of one table; returns pk -> decoded values of the rows that decode. */
  check(state: DbState, layout: TableLayout): Map<string, Value[]> {
    const out = new Map<string, Value[]>();
    const tree = state.trees.get(layout.rowsTreeId);
    if (tree === undefined) return out;
    const columns = layout.table.columns;
    tree.range(undefined, undefined, false, (pk, encoded) => {
      this.count++;
      const where = `table '${layout.name}' row ${describePk(layout, pk)}`;
      let values: Value[];
      try {
        values = decodeRowValues(layout.table, encoded);
      } catch (err) {
        this.problems.push(`${where} does not decode: ${describeError(err)}`);
        return true;
      }
      for (let i = 0; i < columns.length; i++) {
        if (values[i] === null && !columns[i].nullable) {
          this.problems.push(`${where} has no value for non-nullable column '${columns[i].name}'`);
        }
      }
      let encodedPk: string | undefined;
      try {
        encodedPk = rowPrimaryKey(layout, values);
      } catch (err) {
        this.problems.push(`${where}: its primary key values do not encode: ${describeError(err)}`);
      }
      if (encodedPk !== undefined && encodedPk !== pk) {
        this.problems.push(
          `${where} is stored under another key than its primary key values encode to`,
        );
      }
      out.set(pk, values);
      return true;
    });
    return out;
  }
}

/**
 * Check one index against the decoded rows of its table; returns the number of index entries.
 * Problems go to `problems` (entries and rows) and `uniqueProblems` (duplicates).
 */
function checkIndex(
  state: DbState,
  layout: TableLayout,
  index: IndexLayout,
  rows: ReadonlyMap<string, Value[]>,
  problems: string[],
  uniqueProblems: string[],
): number {
  const label = `table '${layout.name}' index '${index.schema.name}'`;
  const expected = new Map<string, string>();
  for (const [pk, values] of rows) {
    try {
      expected.set(rowIndexKey(index, values, pk), pk);
    } catch (err) {
      problems.push(
        `${label}: row ${describePk(layout, pk)} values do not encode: ${describeError(err)}`,
      );
    }
  }
  const tree: PersistentBTree | undefined = state.trees.get(index.treeId);
  const rowTree = state.trees.get(layout.rowsTreeId);
  let seen = 0;
  let entries = 0;
  let previousPrefix: string | undefined;
  tree?.range(undefined, undefined, false, (key, value) => {
    entries++;
    const pk = expected.get(key);
    if (pk === undefined) {
      if (rowTree?.get(value) === undefined) {
        problems.push(
          `${label}: entry ${hexKey(key)} points at a missing row ${describePk(layout, value)}`,
        );
      } else {
        problems.push(
          `${label}: entry ${hexKey(key)} points at row ${describePk(layout, value)} whose indexed values encode to another key`,
        );
      }
    } else if (pk !== value) {
      problems.push(
        `${label}: entry ${hexKey(key)} holds ${describePk(layout, value)} instead of its row's key`,
      );
    } else {
      seen++;
      if (index.schema.unique) {
        const values = rows.get(pk) as Value[];
        const prefix = indexValuePrefix(index, values);
        if (!hasNullIndexValue(index, values)) {
          if (prefix === previousPrefix) {
            uniqueProblems.push(
              `${label}: two rows hold ${describeIndexValues(layout, index, prefix)}`,
            );
          }
          previousPrefix = prefix;
        }
      }
    }
    return true;
  });
  if (seen < expected.size) {
    const present = new Set<string>();
    tree?.range(undefined, undefined, false, (key) => {
      present.add(key);
      return true;
    });
    for (const [key, pk] of expected) {
      if (!present.has(key)) problems.push(`${label}: row ${describePk(layout, pk)} has no entry`);
    }
  }
  return entries;
}

function describePk(layout: TableLayout, pk: string): string {
  try {
    return describeEncodedKey(layout.pkColumns, pk);
  } catch {
    return hexKey(pk);
  }
}

function describeIndexValues(layout: TableLayout, index: IndexLayout, prefix: string): string {
  try {
    return describeEncodedKey(
      index.positions.map((p) => layout.table.columns[p]),
      prefix,
    );
  } catch {
    return hexKey(prefix);
  }
}

function hexKey(key: string): string {
  const hex = Buffer.from(key, 'latin1').toString('hex');
  return `0x${hex.length > 64 ? `${hex.slice(0, 64)}...` : hex}`;
}
