/**
 * A small, pure reference model of the engine's semantics: catalog (projects, scopes, tables,
 * columns with stable ids, indexes), rows, KV entries with versions, commit seqs, atomic
 * multi-mutation commits, and the reads (queries with SQL NULL logic and total order, KV gets
 * and prefix scans). It is written from the documentation (docs/concepts.md), independently of
 * the engine's code, and predicts for every operation either its result or the error code.
 */
import type { AedbErrorCode, ColumnDef, ColumnType, DdlOperation, Value } from '../../../src/index';
import type { AssertSpec, EmitSpec, NumSpec } from './transactions';
import { canon, compare, isValid, type GenValue } from './values';

/** A failed operation of the model: the error code the engine must produce. */
export class ModelError extends Error {
  constructor(
    readonly code: AedbErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Where a table mutation applies. */
export interface Target {
  readonly p: string;
  readonly s: string;
  readonly t: string;
}

/** A row as generated: column name -> value, in this order. */
export type GenRow = readonly (readonly [column: string, value: GenValue])[];

/** A primary key as generated: positional values (`[id]` or `[id, name]`). */
export type GenPk = readonly GenValue[];

/** One mutation of the model (mirrors the engine's `Mutation`). */
export type MutSpec =
  | { readonly kind: 'insert' | 'upsert'; readonly at: Target; readonly row: GenRow }
  | {
      readonly kind: 'updateFields';
      readonly at: Target;
      readonly pk: GenPk;
      readonly fields: GenRow;
    }
  | { readonly kind: 'delete'; readonly at: Target; readonly pk: GenPk }
  | {
      readonly kind: 'kvSet';
      readonly p: string;
      readonly s: string;
      readonly key: string;
      /** A string is stored as its UTF-8 bytes. */
      readonly value: string | Uint8Array;
    }
  | { readonly kind: 'kvDel'; readonly p: string; readonly s: string; readonly key: string }
  | { readonly kind: 'ddl'; readonly op: DdlOperation }
  /** The mutations of `transactions.ts`: atomic numerics, events, postflight checks. */
  | { readonly kind: 'num'; readonly op: NumSpec }
  | { readonly kind: 'emit'; readonly event: EmitSpec }
  | { readonly kind: 'postflight'; readonly assertions: readonly AssertSpec[] };

interface MColumn {
  readonly id: number;
  name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
}

interface MIndex {
  readonly name: string;
  columns: string[];
  readonly unique: boolean;
}

/** A table of the model. */
export interface MTable {
  columns: MColumn[];
  pk: string[];
  indexes: MIndex[];
  nextColumnId: number;
  /** Canonical pk -> values by column id. */
  rows: Map<string, Map<number, Value>>;
  /** Canonical pk -> the seq of the row's last write (its version). */
  versions: Map<string, number>;
  /** The seq of the last delete of a row (0: none since the table was created). */
  rowsLastDelete: number;
}

/** A KV entry: the value's bytes as hex, and the seq of its last write. */
export interface MKvEntry {
  readonly value: string;
  readonly version: number;
}

/** A scope of the model. */
export interface MScope {
  tables: Map<string, MTable>;
  kv: Map<string, MKvEntry>;
  /** The seq of the last delete of a KV entry (0: none since the scope was created). */
  kvLastDelete: number;
}

/** An emitted event (the outbox row, without its timestamp). */
export interface ModelEvent {
  readonly commitSeq: number;
  readonly topic: string;
  readonly eventKey: string;
  readonly projectId: string;
  readonly scopeId: string;
  readonly payloadJson: string;
}

/** An idempotency record: the commit that applied the request, and the request. */
export interface IdempotencyRecord {
  readonly seq: number;
  readonly fingerprint: string;
}

/** The whole modelled database at one seq. */
export interface ModelState {
  seq: number;
  projects: Map<string, Map<string, MScope>>;
  /** Every event, in commit order (within a commit: by topic, then key, as UTF-8 bytes). */
  events: ModelEvent[];
  /** Idempotency records by caller-scoped key. */
  idempotency: Map<string, IdempotencyRecord>;
  /** The seq of the last commit that dropped a project, scope, table or index (0: none). */
  dropSeq: number;
}

/** An empty database. */
export function emptyState(): ModelState {
  return { seq: 0, projects: new Map(), events: [], idempotency: new Map(), dropSeq: 0 };
}

/** Hex of a KV value as stored (a string is its UTF-8 bytes). */
export function kvHex(value: string | Uint8Array): string {
  return typeof value === 'string'
    ? Buffer.from(value, 'utf8').toString('hex')
    : Buffer.from(value).toString('hex');
}

/** A deep copy (values are immutable and shared). */
export function cloneState(s: ModelState): ModelState {
  const projects = new Map<string, Map<string, MScope>>();
  for (const [p, scopes] of s.projects) {
    const copy = new Map<string, MScope>();
    for (const [sc, scope] of scopes) {
      const tables = new Map<string, MTable>();
      for (const [t, table] of scope.tables) {
        tables.set(t, {
          columns: table.columns.map((c) => ({ ...c })),
          pk: [...table.pk],
          indexes: table.indexes.map((i) => ({ ...i, columns: [...i.columns] })),
          nextColumnId: table.nextColumnId,
          rows: new Map([...table.rows].map(([k, r]) => [k, new Map(r)])),
          versions: new Map(table.versions),
          rowsLastDelete: table.rowsLastDelete,
        });
      }
      copy.set(sc, { tables, kv: new Map(scope.kv), kvLastDelete: scope.kvLastDelete });
    }
    projects.set(p, copy);
  }
  return {
    seq: s.seq,
    projects,
    events: [...s.events],
    idempotency: new Map(s.idempotency),
    dropSeq: s.dropSeq,
  };
}

/** Throw the model's error with the code the engine must produce. */
export function fail(code: AedbErrorCode, message: string): never {
  throw new ModelError(code, message);
}

/** The scope, or NOT_FOUND. */
export function requireScope(s: ModelState, p: string, sc: string): MScope {
  const scope = s.projects.get(p)?.get(sc);
  return scope ?? fail('NOT_FOUND', `scope ${p}.${sc}`);
}

/** The table, or NOT_FOUND. */
export function requireTable(s: ModelState, at: Target): MTable {
  return requireScope(s, at.p, at.s).tables.get(at.t) ?? fail('NOT_FOUND', `table ${at.t}`);
}

/** A column by name. */
export function column(table: MTable, name: string): MColumn | undefined {
  return table.columns.find((c) => c.name === name);
}

/** The value of `name` in a row (NULL when the row has none, or the column is unknown). */
export function valueOf(table: MTable, row: ReadonlyMap<number, Value>, name: string): Value {
  const c = column(table, name);
  return c === undefined ? null : (row.get(c.id) ?? null);
}

/** The canonical primary key of a row's values. */
export function pkKey(table: MTable, row: ReadonlyMap<number, Value>): string {
  return JSON.stringify(table.pk.map((n) => canon(valueOf(table, row, n))));
}

function normalizeRow(table: MTable, row: GenRow, full: boolean): Map<number, Value> {
  const out = new Map<number, Value>();
  for (const [name, gv] of row) {
    const c = column(table, name) ?? fail('VALIDATION', `unknown column ${name}`);
    if (!isValid(gv)) fail('VALIDATION', `bad value for ${name}`);
    if (gv.stored === null && !c.nullable) fail('VALIDATION', `null in ${name}`);
    out.set(c.id, gv.stored);
  }
  if (full) {
    for (const c of table.columns) {
      if (out.has(c.id)) continue;
      if (!c.nullable) fail('VALIDATION', `missing ${c.name}`);
      out.set(c.id, null);
    }
  }
  return out;
}

/** The canonical primary key of a generated key input; VALIDATION when it does not fit. */
export function pkOf(table: MTable, pk: GenPk): string {
  if (pk.length !== table.pk.length) fail('VALIDATION', 'primary key arity');
  return JSON.stringify(
    pk.map((gv, i) => {
      const c = column(table, table.pk[i]) as MColumn;
      if (!isValid(gv) || gv.stored === null || !fitsType(c.type, gv))
        fail('VALIDATION', `bad key ${c.name}`);
      return canon(gv.stored);
    }),
  );
}

/** Key inputs are generated for `id` (integer) and a text second column; anything else does not fit. */
function fitsType(type: ColumnType, gv: GenValue): boolean {
  if (!isValid(gv)) return false;
  const v = gv.stored;
  if (type === 'integer') return typeof v === 'number';
  if (type === 'text') return typeof v === 'string';
  return false;
}

export function checkUnique(table: MTable, values: ReadonlyMap<number, Value>, pk: string): void {
  for (const index of table.indexes) {
    if (!index.unique) continue;
    const mine = index.columns.map((n) => valueOf(table, values, n));
    if (mine.some((v) => v === null)) continue;
    const key = JSON.stringify(mine.map(canon));
    for (const [otherPk, other] of table.rows) {
      if (otherPk === pk) continue;
      if (JSON.stringify(index.columns.map((n) => canon(valueOf(table, other, n)))) === key) {
        fail('ALREADY_EXISTS', `unique ${index.name}`);
      }
    }
  }
}

/** Apply one mutation to `s` (which it changes); throws ModelError on failure. */
export function applyMutation(s: ModelState, m: MutSpec, seq: number): void {
  switch (m.kind) {
    case 'insert':
    case 'upsert': {
      const table = requireTable(s, m.at);
      const values = normalizeRow(table, m.row, true);
      const pk = pkKey(table, values);
      if (table.rows.has(pk) && m.kind === 'insert') fail('ALREADY_EXISTS', 'duplicate key');
      checkUnique(table, values, pk);
      table.rows.set(pk, values);
      table.versions.set(pk, seq);
      return;
    }
    case 'updateFields': {
      const table = requireTable(s, m.at);
      const pk = pkOf(table, m.pk);
      const old = table.rows.get(pk) ?? fail('NOT_FOUND', 'no row');
      const patch = normalizeRow(table, m.fields, false);
      const next = new Map(old);
      for (const [id, v] of patch) next.set(id, v);
      if (pkKey(table, next) !== pk) fail('VALIDATION', 'primary key change');
      checkUnique(table, next, pk);
      table.rows.set(pk, next);
      table.versions.set(pk, seq);
      return;
    }
    case 'delete': {
      const table = requireTable(s, m.at);
      const pk = pkOf(table, m.pk);
      if (table.rows.delete(pk)) {
        table.versions.delete(pk);
        table.rowsLastDelete = seq;
      }
      return;
    }
    case 'kvSet':
      requireScope(s, m.p, m.s).kv.set(m.key, { value: kvHex(m.value), version: seq });
      return;
    case 'kvDel': {
      const scope = requireScope(s, m.p, m.s);
      if (scope.kv.delete(m.key)) scope.kvLastDelete = seq;
      return;
    }
    case 'ddl': {
      const drops = dropsSomething(s, m.op);
      applyDdl(s, m.op);
      if (drops) s.dropSeq = seq;
      return;
    }
    case 'num':
    case 'emit':
    case 'postflight':
      throw new Error(`${m.kind}: applied by transactions.ts (applyTxMutation)`);
  }
}

/** Whether `op` drops a project, scope, table or index that exists. */
function dropsSomething(s: ModelState, op: DdlOperation): boolean {
  switch (op.type) {
    case 'dropProject':
      return s.projects.has(op.projectId);
    case 'dropScope':
      return s.projects.get(op.projectId)?.has(op.scopeId) === true;
    case 'dropTable':
      return s.projects.get(op.projectId)?.get(op.scopeId)?.tables.has(op.tableName) === true;
    case 'dropIndex':
      return (
        s.projects
          .get(op.projectId)
          ?.get(op.scopeId)
          ?.tables.get(op.tableName)
          ?.indexes.some((i) => i.name === op.indexName) === true
      );
    case 'createProject':
    case 'createScope':
    case 'createTable':
    case 'alterTable':
    case 'createIndex':
      return false;
  }
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const TYPES: readonly string[] = [
  'text',
  'u8',
  'u64',
  'integer',
  'float',
  'boolean',
  'u256',
  'i256',
  'blob',
  'timestamp',
  'json',
];

function columnDef(def: ColumnDef, id: number): MColumn {
  if (!NAME.test(def.name)) fail('VALIDATION', `column name ${def.name}`);
  if (!TYPES.includes(def.type)) fail('VALIDATION', `type ${def.type}`);
  return { id, name: def.name, type: def.type, nullable: def.nullable === true };
}

function keyColumns(columns: readonly MColumn[], names: readonly string[]): string[] {
  if (names.length === 0 || names.length > 16) fail('VALIDATION', 'key column count');
  const seen = new Set<string>();
  for (const n of names) {
    const c = columns.find((x) => x.name === n) ?? fail('VALIDATION', `key column ${n}`);
    if (c.type === 'json') fail('VALIDATION', `json key ${n}`);
    if (seen.has(n)) fail('VALIDATION', `key column twice ${n}`);
    seen.add(n);
  }
  return [...seen];
}

function applyDdl(s: ModelState, op: DdlOperation): void {
  switch (op.type) {
    case 'createProject':
      if (s.projects.has(op.projectId)) {
        if (op.ifNotExists === true) return;
        fail('ALREADY_EXISTS', 'project');
      }
      s.projects.set(op.projectId, new Map());
      return;
    case 'dropProject':
      if (!s.projects.has(op.projectId)) {
        if (op.ifExists === true) return;
        fail('NOT_FOUND', 'project');
      }
      s.projects.delete(op.projectId);
      return;
    case 'createScope': {
      const project = s.projects.get(op.projectId) ?? fail('NOT_FOUND', 'project');
      if (project.has(op.scopeId)) {
        if (op.ifNotExists === true) return;
        fail('ALREADY_EXISTS', 'scope');
      }
      project.set(op.scopeId, { tables: new Map(), kv: new Map(), kvLastDelete: 0 });
      return;
    }
    case 'dropScope': {
      const project = s.projects.get(op.projectId);
      if (project?.has(op.scopeId) !== true) {
        if (op.ifExists === true && project !== undefined) return;
        fail('NOT_FOUND', 'scope');
      }
      project.delete(op.scopeId);
      return;
    }
    case 'createTable': {
      const scope = requireScope(s, op.projectId, op.scopeId);
      if (scope.tables.has(op.tableName)) {
        if (op.ifNotExists === true) return;
        fail('ALREADY_EXISTS', 'table');
      }
      const columns: MColumn[] = [];
      for (const def of op.columns) {
        const c = columnDef(def, columns.length + 1);
        if (columns.some((x) => x.name === c.name)) fail('VALIDATION', 'duplicate column');
        columns.push(c);
      }
      const pk = keyColumns(columns, op.primaryKey);
      for (const n of pk)
        if (columns.find((c) => c.name === n)?.nullable === true)
          fail('VALIDATION', 'nullable key');
      scope.tables.set(op.tableName, {
        columns,
        pk,
        indexes: [],
        nextColumnId: columns.length + 1,
        rows: new Map(),
        versions: new Map(),
        rowsLastDelete: 0,
      });
      return;
    }
    case 'dropTable': {
      const scope = requireScope(s, op.projectId, op.scopeId);
      if (!scope.tables.has(op.tableName)) {
        if (op.ifExists === true) return;
        fail('NOT_FOUND', 'table');
      }
      scope.tables.delete(op.tableName);
      return;
    }
    case 'alterTable': {
      const table = requireTable(s, { p: op.projectId, s: op.scopeId, t: op.tableName });
      const a = op.alteration;
      if (a.type === 'addColumn') {
        const c = columnDef(a.column, table.nextColumnId);
        if (column(table, c.name) !== undefined) fail('ALREADY_EXISTS', 'column');
        if (!c.nullable) fail('VALIDATION', 'added column not nullable');
        table.columns.push(c);
        table.nextColumnId++;
      } else if (a.type === 'dropColumn') {
        const c = column(table, a.name) ?? fail('NOT_FOUND', 'column');
        if (table.pk.includes(c.name)) fail('VALIDATION', 'drop key column');
        if (table.indexes.some((i) => i.columns.includes(c.name)))
          fail('VALIDATION', 'drop indexed column');
        if (table.columns.length === 1) fail('VALIDATION', 'drop last column');
        table.columns = table.columns.filter((x) => x.id !== c.id);
      } else {
        const c = column(table, a.from) ?? fail('NOT_FOUND', 'column');
        if (!NAME.test(a.to)) fail('VALIDATION', 'column name');
        if (column(table, a.to) !== undefined) fail('ALREADY_EXISTS', 'column');
        const rename = (n: string): string => (n === c.name ? a.to : n);
        table.pk = table.pk.map(rename);
        for (const i of table.indexes) i.columns = i.columns.map(rename);
        c.name = a.to;
      }
      return;
    }
    case 'createIndex': {
      const table = requireTable(s, { p: op.projectId, s: op.scopeId, t: op.tableName });
      if (table.indexes.some((i) => i.name === op.indexName)) {
        if (op.ifNotExists === true) return;
        fail('ALREADY_EXISTS', 'index');
      }
      const index: MIndex = {
        name: op.indexName,
        columns: keyColumns(table.columns, op.columns),
        unique: op.unique === true,
      };
      table.indexes.push(index);
      for (const [pk, row] of table.rows) {
        try {
          checkUnique(table, row, pk);
        } catch (err) {
          table.indexes.pop();
          throw err;
        }
      }
      return;
    }
    case 'dropIndex': {
      const table = requireTable(s, { p: op.projectId, s: op.scopeId, t: op.tableName });
      if (!table.indexes.some((i) => i.name === op.indexName)) {
        if (op.ifExists === true) return;
        fail('NOT_FOUND', 'index');
      }
      table.indexes = table.indexes.filter((i) => i.name !== op.indexName);
      return;
    }
  }
}

// ------------------------------------------------------------------ reads

/** A predicate as generated (literals are valid values of the column's pooled type, or null). */
export type ExprSpec =
  | {
      readonly kind: 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte';
      readonly column: string;
      readonly value: Value;
    }
  | { readonly kind: 'in'; readonly column: string; readonly values: readonly Value[] }
  | { readonly kind: 'between'; readonly column: string; readonly low: Value; readonly high: Value }
  | { readonly kind: 'isNull' | 'isNotNull'; readonly column: string }
  | { readonly kind: 'and' | 'or'; readonly operands: readonly ExprSpec[] }
  | { readonly kind: 'not'; readonly operand: ExprSpec };

/** A query as generated. */
export interface QuerySpec {
  readonly at: Target;
  readonly select: readonly string[] | '*';
  readonly where?: ExprSpec;
  readonly order: readonly (readonly [column: string, direction: 'asc' | 'desc'])[];
  readonly limit?: number;
  readonly offset?: number;
}

type Truth = boolean | null;

/** SQL (three-valued) evaluation of a predicate on a row. */
export function evaluate(table: MTable, row: ReadonlyMap<number, Value>, e: ExprSpec): Truth {
  switch (e.kind) {
    case 'and': {
      let result: Truth = true;
      for (const o of e.operands) {
        const r = evaluate(table, row, o);
        if (r === false) return false;
        if (r === null) result = null;
      }
      return result;
    }
    case 'or': {
      let result: Truth = false;
      for (const o of e.operands) {
        const r = evaluate(table, row, o);
        if (r === true) return true;
        if (r === null) result = null;
      }
      return result;
    }
    case 'not': {
      const r = evaluate(table, row, e.operand);
      return r === null ? null : !r;
    }
    case 'isNull':
      return valueOf(table, row, e.column) === null;
    case 'isNotNull':
      return valueOf(table, row, e.column) !== null;
    case 'in': {
      if (e.values.length === 0) return false; // documented: an empty list is always FALSE
      const v = valueOf(table, row, e.column);
      if (v === null) return null;
      const type = (column(table, e.column) as MColumn).type;
      if (e.values.some((x) => x !== null && compare(type, v, x) === 0)) return true;
      return e.values.some((x) => x === null) ? null : false;
    }
    case 'between': {
      // SQL: `v >= low AND v <= high` (so one NULL bound is UNKNOWN or FALSE, Kleene's AND).
      const v = valueOf(table, row, e.column);
      if (v === null) return null;
      const type = (column(table, e.column) as MColumn).type;
      const lo: Truth = e.low === null ? null : compare(type, v, e.low) >= 0;
      const hi: Truth = e.high === null ? null : compare(type, v, e.high) <= 0;
      if (lo === false || hi === false) return false;
      return lo === null || hi === null ? null : true;
    }
    case 'eq':
    case 'ne':
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const v = valueOf(table, row, e.column);
      if (v === null || e.value === null) return null;
      const d = compare((column(table, e.column) as MColumn).type, v, e.value);
      if (e.kind === 'eq') return d === 0;
      if (e.kind === 'ne') return d !== 0;
      if (e.kind === 'lt') return d < 0;
      if (e.kind === 'lte') return d <= 0;
      if (e.kind === 'gt') return d > 0;
      return d >= 0;
    }
  }
}

/** The `Expr` validation of queries: unknown columns, order on json. */
export function checkExpr(table: MTable, e: ExprSpec): void {
  switch (e.kind) {
    case 'and':
    case 'or':
      for (const o of e.operands) checkExpr(table, o);
      return;
    case 'not':
      checkExpr(table, e.operand);
      return;
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
    case 'between': {
      const c = column(table, e.column) ?? fail('VALIDATION', `where column ${e.column}`);
      if (c.type === 'json') fail('VALIDATION', 'order on json');
      return;
    }
    case 'eq':
    case 'ne':
    case 'in':
    case 'isNull':
    case 'isNotNull':
      if (column(table, e.column) === undefined) fail('VALIDATION', `where column ${e.column}`);
  }
}

/** The rows a query returns (or throws ModelError). */
export function runQuery(s: ModelState, q: QuerySpec): Record<string, Value>[] {
  const table = requireTable(s, q.at);
  const names = q.select === '*' ? table.columns.map((c) => c.name) : [...q.select];
  for (const n of names) if (column(table, n) === undefined) fail('VALIDATION', `select ${n}`);
  for (const [n] of q.order) {
    const c = column(table, n) ?? fail('VALIDATION', `orderBy ${n}`);
    if (c.type === 'json') fail('VALIDATION', 'orderBy json');
  }
  if (q.where !== undefined) checkExpr(table, q.where);
  const where = q.where;
  const rows = [...table.rows.values()].filter(
    (r) => where === undefined || evaluate(table, r, where) === true,
  );
  const lastDesc = q.order.length > 0 && q.order[q.order.length - 1][1] === 'desc';
  rows.sort((a, b) => {
    for (const [n, dir] of q.order) {
      const c = column(table, n) as MColumn;
      const d = compare(c.type, valueOf(table, a, n), valueOf(table, b, n));
      if (d !== 0) return dir === 'desc' ? -d : d;
    }
    for (const n of table.pk) {
      const c = column(table, n) as MColumn;
      const d = compare(c.type, valueOf(table, a, n), valueOf(table, b, n));
      if (d !== 0) return lastDesc ? -d : d;
    }
    return 0;
  });
  const from = q.offset ?? 0;
  const picked = rows.slice(from, q.limit === undefined ? undefined : from + q.limit);
  return picked.map((r) => Object.fromEntries(names.map((n) => [n, valueOf(table, r, n)])));
}

/** A KV entry as the engine returns it (the key as text, the value as hex). */
export interface ModelKvEntry {
  readonly key: string;
  readonly value: string;
  readonly version: number;
}

/** UTF-8 byte order of two strings (the engine's order of text keys). */
export function utf8Order(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** `kvGet`. */
export function kvGet(s: ModelState, p: string, sc: string, key: string): ModelKvEntry | undefined {
  const e = requireScope(s, p, sc).kv.get(key);
  return e === undefined ? undefined : { key, ...e };
}

/** The first page of `kvScanPrefix` and whether there are more. */
export function kvScanPrefix(
  s: ModelState,
  p: string,
  sc: string,
  prefix: string,
  limit: number,
): { entries: ModelKvEntry[]; more: boolean } {
  const pre = Buffer.from(prefix, 'utf8');
  const all = [...requireScope(s, p, sc).kv]
    .filter(([k]) => {
      const kb = Buffer.from(k, 'utf8');
      return kb.length >= pre.length && kb.subarray(0, pre.length).equals(pre);
    })
    .sort((a, b) => utf8Order(a[0], b[0]))
    .map(([key, e]) => ({ key, ...e }));
  return { entries: all.slice(0, limit), more: all.length > limit };
}

/** Everything a reader can see, in a canonical form comparable with the engine's dump. */
export function dumpModel(s: ModelState): unknown {
  const projects = [...s.projects.keys()].sort();
  const events = s.events.map((e) => [
    e.commitSeq,
    e.topic,
    e.eventKey,
    e.projectId,
    e.scopeId,
    e.payloadJson,
  ]);
  const data = projects.map((p) => {
    const scopes = s.projects.get(p) as Map<string, MScope>;
    return [
      p,
      [...scopes.keys()].sort().map((sc) => {
        const scope = scopes.get(sc) as MScope;
        const kv = [...scope.kv]
          .sort((a, b) => utf8Order(a[0], b[0]))
          .map(([k, e]) => [k, e.value, e.version]);
        const tables = [...scope.tables.keys()].sort().map((t) => {
          const table = scope.tables.get(t) as MTable;
          return [
            t,
            table.columns.map((c) => [c.name, c.type, c.nullable]),
            table.pk,
            table.indexes.map((i) => [i.name, i.columns, i.unique]),
            runQuery(s, { at: { p, s: sc, t }, select: '*', order: [] }),
          ];
        });
        return [sc, kv, tables];
      }),
    ];
  });
  return [data, events];
}
