/**
 * The fast-check commands of the model-based test: each runs one operation against the engine
 * and against the reference model and compares the outcomes (result or error code); every
 * command that may change state is followed by a comparison of the complete visible state.
 * `toString()` prints each command readably, so a shrunk failure reads as a script.
 */
import fc from 'fast-check';
import {
  AedbError,
  AedbInstance,
  Expr,
  Query,
  type AedbConfigInput,
  type ColumnDef,
  type DdlOperation,
  type Mutation,
  type Snapshot,
  type Value,
} from '../../../src/index';
import {
  ModelError,
  applyMutation,
  cloneState,
  dumpModel,
  emptyState,
  kvGet,
  kvScanPrefix,
  runQuery,
  type ExprSpec,
  type GenRow,
  type ModelState,
  type MutSpec,
  type QuerySpec,
  type Target,
} from './reference-model';
import {
  COLUMN_POOL,
  POOL_NAMES,
  RENAMES,
  canonDeep,
  isValid,
  show,
  validValueArb,
  valueArb,
  type GenValue,
  type PoolColumn,
} from './values';

/** Snapshots the engine keeps for `atSeq` (the engine default). */
const RING = 128;

/** The model side of a run. */
export interface Model {
  state: ModelState;
  /** Seqs an `atSeq` read can be served at from the history ring (since the last open). */
  ring: number[];
  /** The state after each seq (for `atSeq` and checkpoints). */
  history: Map<number, ModelState>;
  /** The state of the newest checkpoint (seq 0: none yet). */
  checkpoint: ModelState;
  checkpointOnClose: boolean;
}

/** The engine side of a run. */
export interface Real {
  db: AedbInstance;
  readonly dir: string;
}

/** The configuration of every instance: no background checkpoints, so the model knows them all. */
export function engineConfig(checkpointOnClose: boolean): AedbConfigInput {
  return {
    durabilityMode: 'os',
    checkpointOnClose,
    checkpointCommits: 0,
    checkpointWalBytes: 0,
    checkpointIntervalMs: 0,
  };
}

/** A fresh model. */
export function newModel(): Model {
  const state = emptyState();
  return {
    state,
    ring: [0],
    history: new Map([[0, state]]),
    checkpoint: state,
    checkpointOnClose: true,
  };
}

type Cmd = fc.AsyncCommand<Model, Real>;

function outcomeOf(fn: () => unknown): { ok: true; value: unknown } | { ok: false; code: string } {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    if (err instanceof ModelError) return { ok: false, code: err.code };
    throw err;
  }
}

async function engineOutcome<T>(
  fn: () => Promise<T> | T,
): Promise<{ ok: true; value: T } | { ok: false; code: string }> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (err instanceof AedbError) return { ok: false, code: err.code };
    throw new Error(
      `the engine threw a non-AedbError: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
  }
}

function expectSame(what: string, engine: unknown, model: unknown): void {
  const e = canonDeep(engine);
  const m = canonDeep(model);
  if (e !== m) throw new Error(`${what}:\n  engine ${e}\n  model  ${m}`);
}

/** Every table, KV entry and schema the engine shows at a snapshot, canonical like `dumpModel`. */
export function dumpEngine(snap: Snapshot): unknown {
  return snap.listProjects().map((p) => [
    p,
    snap.listScopes(p).map((s) => {
      const kv: unknown[] = [];
      let cursor: string | undefined;
      do {
        const page = snap.kvScanPrefix(p, s, '', { limit: 1000, cursor });
        for (const e of page.entries)
          kv.push([Buffer.from(e.key).toString(), Buffer.from(e.value).toString(), e.version]);
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      const tables = snap.listTables(p, s).map((t) => {
        const schema = snap.describeTable(p, s, t);
        return [
          t,
          schema.columns.map((c) => [c.name, c.type, c.nullable]),
          schema.primaryKey,
          schema.indexes.map((i) => [i.name, i.columns, i.unique]),
          snap.query(p, s, Query.select('*').from(t)).rows,
        ];
      });
      return [s, kv, tables];
    }),
  ]);
}

function checkLatest(m: Model, r: Real): void {
  expectSame('state after the command', dumpEngine(r.db.snapshot()), dumpModel(m.state));
  const head = r.db.headState().visibleHeadSeq;
  if (head !== m.state.seq) throw new Error(`head seq: engine ${head}, model ${m.state.seq}`);
}

// ------------------------------------------------------------------ printing

function showTarget(at: Target): string {
  return `${at.p}.${at.s}.${at.t}`;
}

function showRow(row: GenRow): string {
  return `{${row.map(([k, v]) => `${k}: ${show(v.input)}`).join(', ')}}`;
}

function showMutation(m: MutSpec): string {
  switch (m.kind) {
    case 'insert':
    case 'upsert':
      return `${m.kind} ${showTarget(m.at)} ${showRow(m.row)}`;
    case 'updateFields':
      return `updateFields ${showTarget(m.at)} [${m.pk.map((v) => show(v.input)).join(', ')}] ${showRow(m.fields)}`;
    case 'delete':
      return `delete ${showTarget(m.at)} [${m.pk.map((v) => show(v.input)).join(', ')}]`;
    case 'kvSet':
      return `kvSet ${m.p}.${m.s} ${show(m.key)}=${show(m.value)}`;
    case 'kvDel':
      return `kvDel ${m.p}.${m.s} ${show(m.key)}`;
    case 'ddl':
      return `ddl ${show(m.op)}`;
  }
}

function showExpr(e: ExprSpec): string {
  switch (e.kind) {
    case 'and':
    case 'or':
      return `${e.kind}(${e.operands.map(showExpr).join(', ')})`;
    case 'not':
      return `not(${showExpr(e.operand)})`;
    case 'isNull':
    case 'isNotNull':
      return `${e.kind}(${e.column})`;
    case 'in':
      return `in(${e.column}, [${e.values.map(show).join(', ')}])`;
    case 'between':
      return `between(${e.column}, ${show(e.low)}, ${show(e.high)})`;
    case 'eq':
    case 'ne':
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      return `${e.kind}(${e.column}, ${show(e.value)})`;
  }
}

// ------------------------------------------------------------------ engine inputs

function toMutation(m: MutSpec): Mutation {
  const row = (r: GenRow): Record<string, unknown> =>
    Object.fromEntries(r.map(([k, v]) => [k, v.input]));
  switch (m.kind) {
    case 'insert':
    case 'upsert':
      return {
        type: m.kind,
        projectId: m.at.p,
        scopeId: m.at.s,
        tableName: m.at.t,
        row: row(m.row),
      };
    case 'updateFields':
      return {
        type: 'updateFields',
        projectId: m.at.p,
        scopeId: m.at.s,
        tableName: m.at.t,
        primaryKey: m.pk.map((v) => v.input),
        fields: row(m.fields),
      };
    case 'delete':
      return {
        type: 'delete',
        projectId: m.at.p,
        scopeId: m.at.s,
        tableName: m.at.t,
        primaryKey: m.pk.map((v) => v.input),
      };
    case 'kvSet':
      return { type: 'kvSet', projectId: m.p, scopeId: m.s, key: m.key, value: m.value };
    case 'kvDel':
      return { type: 'kvDel', projectId: m.p, scopeId: m.s, key: m.key };
    case 'ddl':
      return { type: 'ddl', op: m.op };
  }
}

function toExpr(e: ExprSpec): Expr {
  switch (e.kind) {
    case 'and':
      return Expr.and(...e.operands.map(toExpr));
    case 'or':
      return Expr.or(...e.operands.map(toExpr));
    case 'not':
      return Expr.not(toExpr(e.operand));
    case 'isNull':
      return Expr.isNull(e.column);
    case 'isNotNull':
      return Expr.isNotNull(e.column);
    case 'in':
      return Expr.in(e.column, e.values);
    case 'between':
      return Expr.between(e.column, e.low, e.high);
    case 'eq':
    case 'ne':
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      return Expr[e.kind](e.column, e.value);
  }
}

function toQuery(q: QuerySpec): Query {
  let query = (q.select === '*' ? Query.select('*') : Query.select([...q.select])).from(q.at.t);
  if (q.where !== undefined) query = query.where(toExpr(q.where));
  for (const [c, d] of q.order) query = query.orderBy(c, d);
  if (q.limit !== undefined) query = query.limit(q.limit);
  if (q.offset !== undefined) query = query.offset(q.offset);
  return query;
}

// ------------------------------------------------------------------ commands

/** Commit one mutation (`commit`) or several (`commitMany`): same outcome, same seq, same state. */
export class CommitCmd implements Cmd {
  constructor(readonly mutations: readonly MutSpec[]) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    const draft = cloneState(m.state);
    const seq = m.state.seq + 1;
    const expected = outcomeOf(() => {
      for (const mut of this.mutations) applyMutation(draft, mut, seq);
    });
    const muts = this.mutations.map(toMutation);
    const actual = await engineOutcome(() =>
      muts.length === 1 ? r.db.commit(muts[0]) : r.db.commitMany(muts),
    );
    const got = actual.ok ? `ok seq ${actual.value.commitSeq}` : actual.code;
    const want = expected.ok ? `ok seq ${seq}` : expected.code;
    if (got !== want) throw new Error(`${this.toString()}: engine ${got}, model ${want}`);
    if (expected.ok) {
      draft.seq = seq;
      m.state = draft;
      m.history.set(seq, draft);
      m.ring.push(seq);
      if (m.ring.length > RING) m.ring.shift();
    }
    checkLatest(m, r);
  }
  toString(): string {
    return this.mutations.length === 1
      ? `commit(${showMutation(this.mutations[0])})`
      : `commitMany([${this.mutations.map(showMutation).join('; ')}])`;
  }
}

/** `checkpointNow()`: a checkpoint at the head, or `undefined` when nothing changed. */
export class CheckpointCmd implements Cmd {
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    const event = await r.db.checkpointNow();
    const expected = m.state.seq === m.checkpoint.seq ? undefined : m.state.seq;
    if (event?.seq !== expected)
      throw new Error(`checkpointNow: engine ${event?.seq}, model ${expected}`);
    m.checkpoint = m.state;
  }
  toString(): string {
    return 'checkpointNow()';
  }
}

/** Close (with or without the final checkpoint, per the instance's config) and reopen. */
export class ReopenCmd implements Cmd {
  constructor(readonly nextCheckpointOnClose: boolean) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    await r.db.close();
    if (m.checkpointOnClose) m.checkpoint = m.state;
    r.db = await AedbInstance.open(r.dir, engineConfig(this.nextCheckpointOnClose));
    m.checkpointOnClose = this.nextCheckpointOnClose;
    m.ring = [m.state.seq];
    const report = r.db.recoveryReport;
    if (report.recoveredSeq !== m.state.seq)
      throw new Error(`reopen: recovered ${report.recoveredSeq}, model ${m.state.seq}`);
    if ((report.checkpoint?.seq ?? 0) !== m.checkpoint.seq) {
      throw new Error(
        `reopen: recovered from checkpoint ${report.checkpoint?.seq}, model ${m.checkpoint.seq}`,
      );
    }
    checkLatest(m, r);
  }
  toString(): string {
    return `reopen(next checkpointOnClose: ${this.nextCheckpointOnClose})`;
  }
}

/** A query at the latest state. */
export class QueryCmd implements Cmd {
  constructor(readonly q: QuerySpec) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    const expected = outcomeOf(() => runQuery(m.state, this.q));
    const actual = await engineOutcome(
      async () => (await r.db.query(this.q.at.p, this.q.at.s, toQuery(this.q))).rows,
    );
    if (
      expected.ok !== actual.ok ||
      (!expected.ok && !actual.ok && expected.code !== actual.code)
    ) {
      throw new Error(
        `${this.toString()}: engine ${actual.ok ? 'ok' : actual.code}, model ${expected.ok ? 'ok' : expected.code}`,
      );
    }
    if (expected.ok && actual.ok) expectSame(this.toString(), actual.value, expected.value);
  }
  toString(): string {
    const q = this.q;
    const parts = [
      `select(${q.select === '*' ? '*' : q.select.join(', ')}).from(${showTarget(q.at)})`,
    ];
    if (q.where !== undefined) parts.push(`where(${showExpr(q.where)})`);
    for (const [c, d] of q.order) parts.push(`orderBy(${c}, ${d})`);
    if (q.limit !== undefined) parts.push(`limit(${q.limit})`);
    if (q.offset !== undefined) parts.push(`offset(${q.offset})`);
    return `query ${parts.join('.')}`;
  }
}

/** `kvGet` and a first page of `kvScanPrefix`. */
export class KvReadCmd implements Cmd {
  constructor(
    readonly p: string,
    readonly s: string,
    readonly key: string,
    readonly prefix: string,
    readonly limit: number,
  ) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    const get = outcomeOf(() => kvGet(m.state, this.p, this.s, this.key));
    const got = await engineOutcome(async () => {
      const e = await r.db.kvGet(this.p, this.s, this.key);
      return e === undefined
        ? undefined
        : {
            key: Buffer.from(e.key).toString(),
            value: Buffer.from(e.value).toString(),
            version: e.version,
          };
    });
    expectSame(
      `${this.toString()} get`,
      got.ok ? got.value : got.code,
      get.ok ? get.value : get.code,
    );
    const scan = outcomeOf(() => kvScanPrefix(m.state, this.p, this.s, this.prefix, this.limit));
    const page = await engineOutcome(async () => {
      const res = await r.db.kvScanPrefix(this.p, this.s, this.prefix, { limit: this.limit });
      return {
        entries: res.entries.map((e) => ({
          key: Buffer.from(e.key).toString(),
          value: Buffer.from(e.value).toString(),
          version: e.version,
        })),
        more: res.nextCursor !== undefined,
      };
    });
    expectSame(
      `${this.toString()} scan`,
      page.ok ? page.value : page.code,
      scan.ok ? scan.value : scan.code,
    );
  }
  toString(): string {
    return `kvGet(${this.p}.${this.s}, ${show(this.key)}) + kvScanPrefix(${show(this.prefix)}, limit ${this.limit})`;
  }
}

/** A whole-state read `back` seqs before the head (`atSeq`), or at the last checkpoint. */
export class SnapshotCmd implements Cmd {
  constructor(readonly back: number | 'checkpoint') {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    if (this.back === 'checkpoint') {
      expectSame(
        'atCheckpoint',
        dumpEngine(r.db.snapshot('atCheckpoint')),
        dumpModel(m.checkpoint),
      );
      return;
    }
    const seq = m.state.seq - this.back;
    const served = seq === m.state.seq || seq === m.checkpoint.seq || m.ring.includes(seq);
    const expected = served
      ? dumpModel(seq === m.checkpoint.seq ? m.checkpoint : (m.history.get(seq) as ModelState))
      : seq < 0
        ? 'VALIDATION'
        : 'SNAPSHOT_TOO_OLD';
    const actual = await engineOutcome(() => dumpEngine(r.db.snapshot({ atSeq: seq })));
    expectSame(this.toString(), actual.ok ? actual.value : actual.code, expected);
  }
  toString(): string {
    return this.back === 'checkpoint'
      ? 'snapshot(atCheckpoint)'
      : `snapshot({ atSeq: head - ${this.back} })`;
  }
}

// ------------------------------------------------------------------ generators

const projectArb = fc.constantFrom('p1', 'p1', 'p1', 'p2');
const scopeArb = fc.constantFrom('s1', 's1', 's2');
const tableArb = fc.constantFrom('t1', 't1', 't2');
/** Mostly the bootstrapped table, so that most data commands have somewhere to go. */
const targetArb: fc.Arbitrary<Target> = fc.oneof(
  { arbitrary: fc.constant<Target>({ p: 'p1', s: 's1', t: 't1' }), weight: 3 },
  { arbitrary: fc.record({ p: projectArb, s: scopeArb, t: tableArb }), weight: 1 },
);
/** Row columns: those of the bootstrapped table, and now and then the two only renames bring. */
const ROW_COLUMNS: readonly PoolColumn[] = [
  ...(['name', 'n', 'f', 'ok', 'data', 'doc', 'at', 'big'] as const).flatMap((c) => [c, c, c]),
  'title',
  'm',
];
/** An `id` value: valid (rarely null or invalid). */
const idArb = fc.oneof(
  { arbitrary: validValueArb('integer'), weight: 20 },
  { arbitrary: valueArb('integer'), weight: 1 },
);
const KV_KEYS = ['k1', 'k2', 'a/1', 'a/2', 'a/é', 'ｚ', '😀'];
const ORDERABLE = POOL_NAMES.filter((n) => COLUMN_POOL[n] !== 'json');

/** `arb` once in `n` times, else `undefined`. */
function rarely<T>(arb: fc.Arbitrary<T>, n: number): fc.Arbitrary<T | undefined> {
  return fc.oneof(
    { arbitrary: fc.constant(undefined), weight: n - 1 },
    { arbitrary: arb, weight: 1 },
  );
}

function rowArb(withId: boolean): fc.Arbitrary<GenRow> {
  return fc
    .tuple(
      withId ? fc.option(idArb, { freq: 10, nil: undefined }) : fc.constant(undefined),
      fc
        .uniqueArray(fc.constantFrom(...ROW_COLUMNS), { maxLength: 4 })
        .chain((cols) =>
          fc.tuple(
            ...cols.map((c) => valueArb(COLUMN_POOL[c]).map((v): [PoolColumn, GenValue] => [c, v])),
          ),
        ),
      rarely(fc.constant<[string, GenValue]>(['nope', { input: 1, stored: 1 }]), 30),
    )
    .map(([id, rest, extra]) => {
      const row: [string, GenValue][] = [];
      if (id !== undefined) row.push(['id', id]);
      row.push(...rest);
      if (extra !== undefined) row.push(extra);
      return row;
    });
}

const pkArb: fc.Arbitrary<GenValue[]> = fc.oneof(
  { arbitrary: idArb.map((v) => [v]), weight: 8 },
  { arbitrary: fc.tuple(idArb, valueArb('text')).map(([a, b]) => [a, b]), weight: 2 },
);

const columnDefArb: fc.Arbitrary<ColumnDef> = fc.oneof(
  {
    arbitrary: fc
      .tuple(fc.constantFrom(...POOL_NAMES), fc.boolean())
      .map(([n, nullable]) => ({ name: n, type: COLUMN_POOL[n], nullable })),
    weight: 20,
  },
  {
    arbitrary: fc.constantFrom<ColumnDef>(
      { name: 'bad name', type: 'text' },
      { name: 'x', type: 'varchar' as ColumnDef['type'] },
    ),
    weight: 1,
  },
);

const createTableArb: fc.Arbitrary<DdlOperation> = fc
  .record({
    at: targetArb,
    cols: fc.uniqueArray(
      fc.tuple(fc.constantFrom(...POOL_NAMES.filter((n) => n !== 'id')), fc.boolean()),
      {
        selector: (t) => t[0],
        maxLength: 6,
      },
    ),
    extra: rarely(columnDefArb, 12),
    pk: fc.constantFrom<string[]>(
      ['id'],
      ['id'],
      ['id'],
      ['id', 'name'],
      ['id', 'title'],
      ['doc'],
      ['nope'],
    ),
    ifNotExists: fc.boolean(),
  })
  .map(({ at, cols, extra, pk, ifNotExists }) => {
    const columns: ColumnDef[] = [{ name: 'id', type: 'integer' }];
    for (const [n, nullable] of cols)
      columns.push({ name: n, type: COLUMN_POOL[n], nullable: nullable && !pk.includes(n) });
    if (extra !== undefined) columns.push(extra);
    return {
      type: 'createTable',
      projectId: at.p,
      scopeId: at.s,
      tableName: at.t,
      columns,
      primaryKey: pk,
      ifNotExists,
    };
  });

const ddlArb: fc.Arbitrary<DdlOperation> = fc.oneof(
  {
    arbitrary: fc
      .record({ p: projectArb, i: fc.boolean() })
      .map(({ p, i }): DdlOperation => ({ type: 'createProject', projectId: p, ifNotExists: i })),
    weight: 3,
  },
  {
    arbitrary: fc
      .record({ p: projectArb, i: fc.boolean() })
      .map(({ p, i }): DdlOperation => ({ type: 'dropProject', projectId: p, ifExists: i })),
    weight: 1,
  },
  {
    arbitrary: fc
      .record({ p: projectArb, s: scopeArb, i: fc.boolean() })
      .map(({ p, s, i }): DdlOperation => ({
        type: 'createScope',
        projectId: p,
        scopeId: s,
        ifNotExists: i,
      })),
    weight: 3,
  },
  {
    arbitrary: fc
      .record({ p: projectArb, s: scopeArb, i: fc.boolean() })
      .map(({ p, s, i }): DdlOperation => ({
        type: 'dropScope',
        projectId: p,
        scopeId: s,
        ifExists: i,
      })),
    weight: 1,
  },
  { arbitrary: createTableArb, weight: 4 },
  {
    arbitrary: fc.record({ at: targetArb, i: fc.boolean() }).map(({ at, i }): DdlOperation => ({
      type: 'dropTable',
      projectId: at.p,
      scopeId: at.s,
      tableName: at.t,
      ifExists: i,
    })),
    weight: 1,
  },
  {
    arbitrary: fc
      .record({
        at: targetArb,
        alteration: fc.oneof(
          fc.tuple(fc.constantFrom(...POOL_NAMES), fc.boolean(), fc.boolean()).map(([n, a, b]) => ({
            type: 'addColumn' as const,
            column: { name: n, type: COLUMN_POOL[n], nullable: a || b },
          })),
          fc.constantFrom(...POOL_NAMES).map((n) => ({ type: 'dropColumn' as const, name: n })),
          fc
            .oneof(fc.constantFrom(...RENAMES), fc.constant<[string, string]>(['name', 'bad name']))
            .map(([from, to]) => ({ type: 'renameColumn' as const, from, to })),
        ),
      })
      .map(({ at, alteration }): DdlOperation => ({
        type: 'alterTable',
        projectId: at.p,
        scopeId: at.s,
        tableName: at.t,
        alteration,
      })),
    weight: 3,
  },
  {
    arbitrary: fc
      .record({
        at: targetArb,
        name: fc.constantFrom('ix1', 'ix2'),
        columns: fc.oneof(
          {
            arbitrary: fc.subarray(
              ORDERABLE.filter((n) => n !== 'id'),
              { minLength: 1, maxLength: 2 },
            ),
            weight: 9,
          },
          { arbitrary: fc.constantFrom(['doc'], ['nope'], []), weight: 1 },
        ),
        unique: fc.boolean(),
        i: fc.boolean(),
      })
      .map(({ at, name, columns, unique, i }): DdlOperation => ({
        type: 'createIndex',
        projectId: at.p,
        scopeId: at.s,
        tableName: at.t,
        indexName: name,
        columns,
        unique,
        ifNotExists: i,
      })),
    weight: 3,
  },
  {
    arbitrary: fc
      .record({ at: targetArb, name: fc.constantFrom('ix1', 'ix2'), i: fc.boolean() })
      .map(({ at, name, i }): DdlOperation => ({
        type: 'dropIndex',
        projectId: at.p,
        scopeId: at.s,
        tableName: at.t,
        indexName: name,
        ifExists: i,
      })),
    weight: 1,
  },
);

const mutationArb: fc.Arbitrary<MutSpec> = fc.oneof(
  {
    arbitrary: fc
      .record({ at: targetArb, row: rowArb(true) })
      .map(({ at, row }): MutSpec => ({ kind: 'insert', at, row })),
    weight: 6,
  },
  {
    arbitrary: fc
      .record({ at: targetArb, row: rowArb(true) })
      .map(({ at, row }): MutSpec => ({ kind: 'upsert', at, row })),
    weight: 5,
  },
  {
    arbitrary: fc
      .record({ at: targetArb, pk: pkArb, fields: rowArb(false) })
      .map(({ at, pk, fields }): MutSpec => ({ kind: 'updateFields', at, pk, fields })),
    weight: 4,
  },
  {
    arbitrary: fc
      .record({ at: targetArb, pk: pkArb })
      .map(({ at, pk }): MutSpec => ({ kind: 'delete', at, pk })),
    weight: 3,
  },
  {
    arbitrary: fc
      .record({
        p: projectArb,
        s: scopeArb,
        key: fc.constantFrom(...KV_KEYS),
        value: fc.string({ maxLength: 4 }),
      })
      .map((x): MutSpec => ({ kind: 'kvSet', ...x })),
    weight: 4,
  },
  {
    arbitrary: fc
      .record({ p: projectArb, s: scopeArb, key: fc.constantFrom(...KV_KEYS) })
      .map((x): MutSpec => ({ kind: 'kvDel', ...x })),
    weight: 2,
  },
  { arbitrary: ddlArb.map((op): MutSpec => ({ kind: 'ddl', op })), weight: 4 },
);

function literalArb(column: PoolColumn): fc.Arbitrary<Value> {
  return fc.oneof(
    {
      arbitrary: validValueArb(COLUMN_POOL[column]).map((v): Value =>
        isValid(v) ? v.stored : null,
      ),
      weight: 9,
    },
    { arbitrary: fc.constant<Value>(null), weight: 1 },
  );
}

const leafArb: fc.Arbitrary<ExprSpec> = fc
  .constantFrom(...ORDERABLE)
  .chain((column): fc.Arbitrary<ExprSpec> =>
    fc.oneof(
      fc
        .record({
          kind: fc.constantFrom('eq', 'ne', 'lt', 'lte', 'gt', 'gte'),
          value: literalArb(column),
        })
        .map((x): ExprSpec => ({ kind: x.kind, column, value: x.value })),
      fc
        .array(literalArb(column), { maxLength: 3 })
        .map((values): ExprSpec => ({ kind: 'in', column, values })),
      fc
        .tuple(literalArb(column), literalArb(column))
        .map(([low, high]): ExprSpec => ({ kind: 'between', column, low, high })),
      fc
        .constantFrom('isNull' as const, 'isNotNull' as const)
        .map((kind): ExprSpec => ({ kind, column })),
    ),
  );

const exprArb: fc.Arbitrary<ExprSpec> = fc.letrec<{ e: ExprSpec }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc
      .array(tie('e'), { minLength: 0, maxLength: 3 })
      .map((operands): ExprSpec => ({ kind: 'and', operands })),
    fc
      .array(tie('e'), { minLength: 0, maxLength: 3 })
      .map((operands): ExprSpec => ({ kind: 'or', operands })),
    tie('e').map((operand): ExprSpec => ({ kind: 'not', operand })),
  ),
})).e;

const queryArb: fc.Arbitrary<QuerySpec> = fc.record(
  {
    at: targetArb,
    select: fc.oneof(
      fc.constant<'*'>('*'),
      fc.subarray(POOL_NAMES, { minLength: 1, maxLength: 4 }),
    ),
    where: fc.oneof(
      exprArb,
      valueArb('integer').map((v): ExprSpec => ({
        kind: 'eq',
        column: 'id',
        value: isValid(v) ? v.stored : null,
      })),
      fc
        .tuple(fc.integer({ min: -2, max: 6 }), fc.integer({ min: -2, max: 6 }))
        .map(([a, b]): ExprSpec => ({ kind: 'between', column: 'id', low: a, high: b })),
      literalArb('name').map((value): ExprSpec => ({ kind: 'eq', column: 'name', value })),
    ),
    order: fc.uniqueArray(
      fc.tuple(fc.constantFrom(...POOL_NAMES), fc.constantFrom('asc' as const, 'desc' as const)),
      { selector: (t) => t[0], maxLength: 2 },
    ),
    limit: fc.integer({ min: 0, max: 5 }),
    offset: fc.integer({ min: 0, max: 2 }),
  },
  { requiredKeys: ['at', 'select', 'order'] },
);

/** Every command, weighted. */
export function commandArbs(): fc.Arbitrary<Cmd>[] {
  return [
    mutationArb.map((mu) => new CommitCmd([mu])),
    mutationArb.map((mu) => new CommitCmd([mu])),
    mutationArb.map((mu) => new CommitCmd([mu])),
    fc.array(mutationArb, { minLength: 2, maxLength: 4 }).map((ms) => new CommitCmd(ms)),
    fc.constant(new CheckpointCmd()),
    fc.boolean().map((b) => new ReopenCmd(b)),
    queryArb.map((q) => new QueryCmd(q)),
    queryArb.map((q) => new QueryCmd(q)),
    fc
      .tuple(
        projectArb,
        scopeArb,
        fc.constantFrom(...KV_KEYS),
        fc.constantFrom('', 'a/', 'k', '😀', 'a'),
        fc.integer({ min: 1, max: 4 }),
      )
      .map(([p, s, k, pre, l]) => new KvReadCmd(p, s, k, pre, l)),
    fc
      .oneof(fc.integer({ min: 0, max: 6 }), fc.constant<'checkpoint'>('checkpoint'))
      .map((b) => new SnapshotCmd(b)),
  ];
}

/** The schema every run starts from (committed through both sides): p1.s1.t1 with an index. */
export const BOOTSTRAP: readonly MutSpec[] = [
  { kind: 'ddl', op: { type: 'createProject', projectId: 'p1' } },
  { kind: 'ddl', op: { type: 'createScope', projectId: 'p1', scopeId: 's1' } },
  {
    kind: 'ddl',
    op: {
      type: 'createTable',
      projectId: 'p1',
      scopeId: 's1',
      tableName: 't1',
      columns: [
        { name: 'id', type: 'integer' },
        ...POOL_NAMES.filter((n) => n !== 'id' && n !== 'title' && n !== 'm').map((n) => ({
          name: n,
          type: COLUMN_POOL[n],
          nullable: true,
        })),
      ],
      primaryKey: ['id'],
    },
  },
  {
    kind: 'ddl',
    op: {
      type: 'createIndex',
      projectId: 'p1',
      scopeId: 's1',
      tableName: 't1',
      indexName: 'ix1',
      columns: ['name'],
      unique: true,
    },
  },
];
