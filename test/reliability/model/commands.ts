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
  encodeI64,
  encodeU256,
  encodeU64,
  type AedbConfigInput,
  type ColumnDef,
  type CommitResult,
  type CompareOp,
  type DdlOperation,
  type Mutation,
  type ReadAssertion,
  type ReadSetPoint,
  type ReadSetRange,
  type Snapshot,
  type TransactionEnvelope,
  type Value,
} from '../../../src/index';
import {
  ModelError,
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
  applyTxMutation,
  evaluateAssertions,
  judgeRange,
  kvVersion,
  markRolledBack,
  pointIsStale,
  readEvents,
  requestFingerprint,
  resolveAssertion,
  resolvePoint,
  resolveVersion,
  scopedKey,
  type AssertSpec,
  type EmitSpec,
  type NumSpec,
  type PointSpec,
  type RangeSpec,
  type VersionContext,
  type VersionSpec,
} from './transactions';
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
/** `idempotencyWindowCommits` of every instance: small, so records expire within a run. */
export const IDEMPOTENCY_WINDOW = 10;

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
  /** The checkpoint seq the engine last recovered from (its trees know no earlier deletes). */
  openFloor: number;
  /** Recent envelopes with an idempotency key, as sent (for retries), newest last. */
  sent: Resolved[];
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
    idempotencyWindowCommits: IDEMPOTENCY_WINDOW,
    idempotencyWindowSeconds: 365 * 24 * 3600,
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
    openFloor: 0,
    sent: [],
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

/** Every table, KV entry, schema and event the engine shows at a snapshot, like `dumpModel`. */
export function dumpEngine(snap: Snapshot): unknown {
  const events: unknown[] = [];
  for (let from = 0; ;) {
    const page = snap.readEventStream(undefined, from, 10_000);
    for (const e of page.events) {
      events.push([e.commitSeq, e.topic, e.eventKey, e.projectId, e.scopeId, e.payloadJson]);
    }
    if (!page.hasMore || page.nextCommitSeq === undefined) break;
    from = page.nextCommitSeq;
  }
  const data = snap.listProjects().map((p) => [
    p,
    snap.listScopes(p).map((s) => {
      const kv: unknown[] = [];
      let cursor: string | undefined;
      do {
        const page = snap.kvScanPrefix(p, s, '', { limit: 1000, cursor });
        for (const e of page.entries)
          kv.push([Buffer.from(e.key).toString(), Buffer.from(e.value).toString('hex'), e.version]);
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
  return [data, events];
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
    case 'num': {
      const { op, ...rest } = m.op;
      return `${op} ${show(rest)}`;
    }
    case 'emit':
      return `emitEvent ${show(m.event)}`;
    case 'postflight':
      return `postflightCheck [${m.assertions.map(showAssertion).join(', ')}]`;
  }
}

function showAssertion(a: AssertSpec): string {
  switch (a.type) {
    case 'all':
    case 'any':
      return `${a.type}(${a.assertions.map(showAssertion).join(', ')})`;
    case 'not':
      return `not(${showAssertion(a.assertion)})`;
    case 'rowColumnCompare':
      return `rowColumnCompare ${showTarget(a.at)} [${a.pk.map((v) => show(v.input)).join(', ')}] ${a.column} ${a.op} ${show(a.value.input)}`;
    case 'countCompare':
    case 'sumCompare': {
      const { type, at, filter, ...rest } = a;
      return `${type} ${showTarget(at)} ${show(rest)}${filter === undefined ? '' : ` where ${showExpr(filter)}`}`;
    }
    case 'rowExists':
    case 'rowVersion': {
      const { type, at, pk, ...rest } = a;
      return `${type} ${showTarget(at)} [${pk.map((v) => show(v.input)).join(', ')}] ${show(rest)}`;
    }
    case 'keyEquals':
    case 'keyCompare':
    case 'keyExists':
    case 'keyVersion': {
      const { type, ...rest } = a;
      return `${type} ${show(rest)}`;
    }
  }
}

function showPoint(p: PointSpec): string {
  return p.type === 'kv'
    ? `kv ${p.p}.${p.s} ${show(p.key)}@${show(p.version)}`
    : `row ${showTarget(p.at)} [${p.pk.map((v) => show(v.input)).join(', ')}]@${show(p.version)}`;
}

function showRange(r: RangeSpec): string {
  if (r.type === 'tablePrefix') {
    return `tablePrefix ${showTarget(r.at)} [${r.prefix.map((v) => show(v.input)).join(', ')}]`;
  }
  const { type, p, s, ...rest } = r;
  return `${type} ${p}.${s} ${show(rest)}`;
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
    case 'num':
      return toNumeric(m.op);
    case 'emit':
      return {
        type: 'emitEvent',
        projectId: m.event.p,
        scopeId: m.event.s,
        topic: m.event.topic,
        eventKey: m.event.eventKey,
        payloadJson: m.event.payloadJson,
      };
    case 'postflight':
      return { type: 'postflightCheck', assertions: m.assertions.map(toAssertion) };
  }
}

/**
 * A numeric spec as the engine's mutation. Its inputs are passed exactly as generated — some of
 * them invalid on purpose — so the object is built untyped and handed over as a `Mutation`.
 */
function toNumeric(n: NumSpec): Mutation {
  const fields: Record<string, unknown> = {};
  if (!('p' in n)) {
    const { op, at, pk, ...rest } = n;
    Object.assign(fields, { type: op, projectId: at.p, scopeId: at.s, tableName: at.t });
    fields.primaryKey = pk.map((v) => v.input);
    Object.assign(fields, rest);
  } else if (n.op === 'kvMutateU64' || n.op === 'kvMutateU256') {
    const { op, p, s, mutate, ...rest } = n;
    Object.assign(fields, { type: op, projectId: p, scopeId: s, op: mutate }, rest);
  } else {
    const { op, p, s, ...rest } = n;
    Object.assign(fields, { type: op, projectId: p, scopeId: s }, rest);
  }
  for (const [k, v] of Object.entries(fields)) if (v === undefined) delete fields[k];
  return fields as unknown as Mutation;
}

/** An assertion spec (versions resolved) as the engine's assertion. */
function toAssertion(a: AssertSpec): ReadAssertion {
  const kv = (x: { p: string; s: string; key: string }) => ({
    projectId: x.p,
    scopeId: x.s,
    key: x.key,
  });
  const row = (x: { at: Target; pk: readonly GenValue[] }) => ({
    projectId: x.at.p,
    scopeId: x.at.s,
    tableName: x.at.t,
    primaryKey: x.pk.map((v) => v.input),
  });
  const version = (v: VersionSpec): number => {
    if (typeof v !== 'number') throw new Error(`unresolved version ${v}`);
    return v;
  };
  switch (a.type) {
    case 'keyEquals':
      return { type: a.type, ...kv(a), value: a.value };
    case 'keyCompare':
      return { type: a.type, ...kv(a), op: a.op as CompareOp, threshold: a.threshold };
    case 'keyExists':
      return a.expected === undefined
        ? { type: a.type, ...kv(a) }
        : { type: a.type, ...kv(a), expected: a.expected };
    case 'keyVersion':
      return { type: a.type, ...kv(a), expectedSeq: version(a.expectedSeq) };
    case 'rowExists':
      return a.expected === undefined
        ? { type: a.type, ...row(a) }
        : { type: a.type, ...row(a), expected: a.expected };
    case 'rowVersion':
      return { type: a.type, ...row(a), expectedSeq: version(a.expectedSeq) };
    case 'rowColumnCompare':
      return { type: a.type, ...row(a), column: a.column, op: a.op, value: a.value.input };
    case 'countCompare':
    case 'sumCompare': {
      const base = { projectId: a.at.p, scopeId: a.at.s, tableName: a.at.t };
      const filter = a.filter === undefined ? {} : { filter: toExpr(a.filter) };
      return a.type === 'countCompare'
        ? { type: a.type, ...base, op: a.op, value: a.value, ...filter }
        : { type: a.type, ...base, column: a.column, op: a.op, value: a.value, ...filter };
    }
    case 'all':
    case 'any':
      return { type: a.type, assertions: a.assertions.map(toAssertion) };
    case 'not':
      return { type: 'not', assertion: toAssertion(a.assertion) };
  }
}

function toPoint(p: PointSpec): ReadSetPoint {
  if (typeof p.version !== 'number') throw new Error('unresolved version');
  return p.type === 'kv'
    ? { type: 'kv', projectId: p.p, scopeId: p.s, key: p.key, version: p.version }
    : {
        type: 'row',
        projectId: p.at.p,
        scopeId: p.at.s,
        tableName: p.at.t,
        primaryKey: p.pk.map((v) => v.input),
        version: p.version,
      };
}

function toRange(r: RangeSpec): ReadSetRange {
  switch (r.type) {
    case 'kvPrefix':
      return { type: 'kvPrefix', projectId: r.p, scopeId: r.s, prefix: r.prefix };
    case 'kvRange':
      return {
        type: 'kvRange',
        projectId: r.p,
        scopeId: r.s,
        ...(r.start === undefined ? {} : { start: r.start }),
        ...(r.end === undefined ? {} : { end: r.end }),
      };
    case 'tablePrefix':
      return {
        type: 'tablePrefix',
        projectId: r.at.p,
        scopeId: r.at.s,
        tableName: r.at.t,
        prefix: r.prefix.map((v) => v.input),
      };
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

/** Outcomes of the commits and envelopes run (`envelope CONFLICT` -> count), for the log. */
export const OUTCOMES = new Map<string, number>();

/** An envelope as generated: symbolic versions, a base seq relative to the head. */
export interface EnvSpec {
  readonly writeClass?: 'standard' | 'economic';
  readonly callerId?: string;
  readonly idempotencyKey?: string;
  readonly assertions: readonly AssertSpec[];
  readonly points: readonly PointSpec[];
  readonly ranges: readonly RangeSpec[];
  /** `baseSeq` = head - `back` (at least 0). */
  readonly back: number;
  /** Sent through `commitActionEnvelope` (an `outcome`) instead of `commitEnvelope`. */
  readonly action: boolean;
}

/** A request resolved against the model when it runs: exactly what the engine is sent. */
export interface Resolved {
  readonly mutations: readonly MutSpec[];
  readonly env?: {
    readonly spec: EnvSpec;
    readonly assertions: readonly AssertSpec[];
    readonly points: readonly PointSpec[];
    readonly baseSeq: number;
  };
}

/** Resolve the symbolic versions of mutations (postflight checks) against `ctx`. */
function resolveMutations(mutations: readonly MutSpec[], ctx: VersionContext): MutSpec[] {
  return mutations.map((mu): MutSpec => {
    if (mu.kind === 'postflight') {
      return { kind: 'postflight', assertions: mu.assertions.map((a) => resolveAssertion(a, ctx)) };
    }
    if (mu.kind === 'num' && (mu.op.op === 'kvMutateU64' || mu.op.op === 'kvMutateU256')) {
      const { expectedSeq } = mu.op;
      if (expectedSeq === 'base' || expectedSeq === 'now') {
        const at = mu.op;
        const seq = resolveVersion(expectedSeq, (x) => kvVersion(x, at), ctx);
        return { kind: 'num', op: { ...mu.op, expectedSeq: seq } };
      }
    }
    return mu;
  });
}

/** Resolve a whole request against the model's current state and history. */
function resolveRequest(m: Model, mutations: readonly MutSpec[], env?: EnvSpec): Resolved {
  const baseSeq = Math.max(0, m.state.seq - (env?.back ?? 0));
  const ctx: VersionContext = { base: m.history.get(baseSeq) as ModelState, now: m.state };
  if (env === undefined) return { mutations: resolveMutations(mutations, ctx) };
  return {
    mutations: resolveMutations(mutations, ctx),
    env: {
      spec: env,
      assertions: env.assertions.map((a) => resolveAssertion(a, ctx)),
      points: env.points.map((p) => resolvePoint(p, ctx)),
      baseSeq,
    },
  };
}

type EngineResult =
  | { ok: true; seq: number; idempotency?: string }
  | { ok: false; code: string; details: Record<string, unknown> };

/** Send a resolved request to the engine. */
async function sendToEngine(r: Real, req: Resolved): Promise<EngineResult> {
  const muts = req.mutations.map(toMutation);
  try {
    const env = req.env;
    if (env === undefined) {
      const res = await (muts.length === 1 ? r.db.commit(muts[0]) : r.db.commitMany(muts));
      return { ok: true, seq: res.commitSeq, idempotency: res.idempotency };
    }
    const envelope: TransactionEnvelope = {
      ...(env.spec.callerId === undefined ? {} : { caller: { callerId: env.spec.callerId } }),
      ...(env.spec.idempotencyKey === undefined ? {} : { idempotencyKey: env.spec.idempotencyKey }),
      ...(env.spec.writeClass === undefined ? {} : { writeClass: env.spec.writeClass }),
      assertions: env.assertions.map(toAssertion),
      readSet: { points: env.points.map(toPoint), ranges: env.spec.ranges.map(toRange) },
      baseSeq: env.baseSeq,
      writeIntent: { mutations: muts },
    };
    if (env.spec.action) {
      const res = await r.db.commitActionEnvelope(envelope);
      return { ok: true, seq: res.commitSeq, idempotency: res.outcome };
    }
    const res: CommitResult = await r.db.commitEnvelope(envelope);
    return { ok: true, seq: res.commitSeq, idempotency: res.idempotency };
  } catch (err) {
    if (err instanceof AedbError) {
      return { ok: false, code: err.code, details: { ...(err.details ?? {}) } };
    }
    throw new Error(
      `the engine threw a non-AedbError: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
  }
}

/**
 * What the model predicts for a request: the new state (`draft`), an idempotent duplicate of
 * `duplicateOf`, or a ModelError. `engineRangeConflict(i)` decides a range the model judged
 * `either` (the engine may or may not see that nothing changed): whether the engine reported
 * range `i` as the conflict.
 */
function predict(
  m: Model,
  req: Resolved,
  engineRangeConflict: (i: number) => boolean,
): { draft: ModelState } | { duplicateOf: number } {
  const head = m.state.seq;
  const seq = head + 1;
  const env = req.env;
  let record: { key: string; fingerprint: string } | undefined;
  const ctx: VersionContext = {
    base: m.history.get(env?.baseSeq ?? head) as ModelState,
    now: m.state,
  };
  if (env !== undefined) {
    if (env.assertions.length === 0 && req.mutations.length === 0) {
      throw new ModelError('VALIDATION', 'an envelope needs a mutation or an assertion');
    }
    if (env.spec.idempotencyKey !== undefined) {
      const fingerprint = requestFingerprint([
        env.spec.writeClass ?? 'standard',
        env.assertions.map(toAssertion),
        req.mutations.map(toMutation),
      ]);
      const key = scopedKey(env.spec.callerId, env.spec.idempotencyKey);
      const existing = m.state.idempotency.get(key);
      if (existing !== undefined && existing.seq > head - IDEMPOTENCY_WINDOW) {
        if (existing.fingerprint !== fingerprint) {
          throw new ModelError('VALIDATION', 'the key was used for another request');
        }
        return { duplicateOf: existing.seq };
      }
      record = { key, fingerprint };
    }
    for (const p of env.points) {
      if (pointIsStale(m.state, p)) throw new ModelError('CONFLICT', 'stale point');
    }
    const floor = Math.max(m.openFloor, m.state.dropSeq);
    env.spec.ranges.forEach((r, i) => {
      const verdict = judgeRange(m.state, r, env.baseSeq, ctx.base, floor);
      if (verdict === 'changed' || (verdict === 'either' && engineRangeConflict(i))) {
        throw new ModelError('CONFLICT', `range ${i} ${verdict}`);
      }
    });
    evaluateAssertions(m.state, env.assertions, ctx);
  }
  const draft = cloneState(m.state);
  try {
    for (const mu of req.mutations) applyTxMutation(draft, mu, seq, ctx);
  } catch (err) {
    if (err instanceof ModelError) markRolledBack(m.state, draft, seq);
    throw err;
  }
  if (record !== undefined) {
    draft.idempotency.set(record.key, { seq, fingerprint: record.fingerprint });
  }
  draft.seq = seq;
  return { draft };
}

/** Run a resolved request on both sides and compare outcome, seq and the whole state. */
async function runRequest(m: Model, r: Real, req: Resolved, label: string): Promise<void> {
  const actual = await sendToEngine(r, req);
  const engineRangeConflict = (i: number): boolean =>
    !actual.ok &&
    actual.code === 'CONFLICT' &&
    actual.details.index === i &&
    actual.details.baseSeq !== undefined;
  let expected: { draft: ModelState } | { duplicateOf: number } | { code: string };
  try {
    expected = predict(m, req, engineRangeConflict);
  } catch (err) {
    if (!(err instanceof ModelError)) throw err;
    expected = { code: err.code };
  }
  const env = req.env;
  const keyed = env?.spec.idempotencyKey !== undefined;
  const outcome = (idem: string): string =>
    keyed ? ` ${idem}` : env?.spec.action === true ? ' applied' : '';
  const want =
    'code' in expected
      ? expected.code
      : 'duplicateOf' in expected
        ? `ok seq ${expected.duplicateOf} duplicate`
        : `ok seq ${expected.draft.seq}${outcome('applied')}`;
  const got = actual.ok
    ? `ok seq ${actual.seq}${actual.idempotency === undefined ? '' : ` ${actual.idempotency}`}`
    : actual.code;
  if (got !== want) throw new Error(`${label}: engine ${got}, model ${want}`);
  const kind = env === undefined ? 'commit' : 'envelope';
  const seen = actual.ok ? (actual.idempotency === 'duplicate' ? 'duplicate' : 'ok') : actual.code;
  OUTCOMES.set(`${kind} ${seen}`, (OUTCOMES.get(`${kind} ${seen}`) ?? 0) + 1);
  if ('draft' in expected) {
    m.state = expected.draft;
    m.history.set(expected.draft.seq, expected.draft);
    m.ring.push(expected.draft.seq);
    if (m.ring.length > RING) m.ring.shift();
  }
  if (keyed) {
    m.sent.push(req);
    if (m.sent.length > 6) m.sent.shift();
  }
  checkLatest(m, r);
}

/** Commit one mutation (`commit`) or several (`commitMany`): same outcome, same seq, same state. */
export class CommitCmd implements Cmd {
  constructor(readonly mutations: readonly MutSpec[]) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    await runRequest(m, r, resolveRequest(m, this.mutations), this.toString());
  }
  toString(): string {
    return this.mutations.length === 1
      ? `commit(${showMutation(this.mutations[0])})`
      : `commitMany([${this.mutations.map(showMutation).join('; ')}])`;
  }
}

/** `commitEnvelope` / `commitActionEnvelope`: idempotency, read set, assertions, mutations. */
export class EnvelopeCmd implements Cmd {
  constructor(
    readonly env: EnvSpec,
    readonly mutations: readonly MutSpec[],
  ) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    await runRequest(m, r, resolveRequest(m, this.mutations, this.env), this.toString());
  }
  toString(): string {
    const e = this.env;
    const parts = [
      e.action ? 'commitActionEnvelope' : 'commitEnvelope',
      e.writeClass === undefined ? '' : `class ${e.writeClass}`,
      e.idempotencyKey === undefined ? '' : `key ${e.callerId ?? ''}/${e.idempotencyKey}`,
      `baseSeq head-${e.back}`,
      e.points.length === 0 ? '' : `points [${e.points.map(showPoint).join(', ')}]`,
      e.ranges.length === 0 ? '' : `ranges [${e.ranges.map(showRange).join(', ')}]`,
      e.assertions.length === 0 ? '' : `assert [${e.assertions.map(showAssertion).join(', ')}]`,
      `[${this.mutations.map(showMutation).join('; ')}]`,
    ];
    return parts.filter((x) => x !== '').join(' ');
  }
}

/** Send again, exactly, one of the recent envelopes with an idempotency key. */
export class RetryCmd implements Cmd {
  constructor(readonly back: number) {}
  check(m: Readonly<Model>): boolean {
    return m.sent.length > 0;
  }
  async run(m: Model, r: Real): Promise<void> {
    const req = m.sent[Math.max(0, m.sent.length - 1 - (this.back % m.sent.length))];
    await runRequest(m, r, req, `${this.toString()} of ${req.env?.spec.idempotencyKey}`);
  }
  toString(): string {
    return `retry(the ${this.back}th most recent keyed envelope)`;
  }
}

/** `readEventStream(topic, fromSeqExclusive, limit)` at the latest state. */
export class ReadEventsCmd implements Cmd {
  constructor(
    readonly topic: string | undefined,
    readonly back: number,
    readonly limit: number,
  ) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    const from = Math.max(0, m.state.seq - this.back);
    const expected = outcomeOf(() => readEvents(m.state, this.topic, from, this.limit));
    const actual = await engineOutcome(async () => {
      const page = await r.db.readEventStream(this.topic, from, this.limit);
      return {
        events: page.events.map((e) => ({
          commitSeq: e.commitSeq,
          topic: e.topic,
          eventKey: e.eventKey,
          projectId: e.projectId,
          scopeId: e.scopeId,
          payloadJson: e.payloadJson,
        })),
        nextCommitSeq: page.nextCommitSeq,
        hasMore: page.hasMore,
      };
    });
    expectSame(
      this.toString(),
      actual.ok ? actual.value : actual.code,
      expected.ok ? expected.value : expected.code,
    );
  }
  toString(): string {
    return `readEventStream(${show(this.topic)}, head-${this.back}, ${this.limit})`;
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
    m.openFloor = m.checkpoint.seq;
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
            value: Buffer.from(e.value).toString('hex'),
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
          value: Buffer.from(e.value).toString('hex'),
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
  ...(['name', 'n', 'f', 'ok', 'data', 'doc', 'at', 'big', 'amt'] as const).flatMap((c) => [
    c,
    c,
    c,
  ]),
  'title',
  'm',
];
/** An `id` value: valid (rarely null or invalid). */
const idArb = fc.oneof(
  { arbitrary: validValueArb('integer'), weight: 20 },
  { arbitrary: valueArb('integer'), weight: 1 },
);
const KV_KEYS = ['k1', 'k2', 'a/1', 'a/2', 'a/é', 'ｚ', '😀'];
/** Keys the numerics use (`k1` is shared with text values: wrong widths happen). */
const NUM_KEYS = ['n1', 'n1', 'n2', 'k1'];
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
        key: fc.constantFrom(...KV_KEYS, ...NUM_KEYS),
        value: fc.oneof(
          { arbitrary: fc.string({ maxLength: 4 }), weight: 6 },
          { arbitrary: fc.bigInt(0n, 12n).map((n) => encodeU64(n)), weight: 3 },
          { arbitrary: fc.bigInt(0n, 5n).map((n) => encodeU256(n)), weight: 1 },
          { arbitrary: fc.constant(encodeI64(-3n)), weight: 1 },
        ),
      })
      .map((x): MutSpec => ({ kind: 'kvSet', ...x })),
    weight: 4,
  },
  {
    arbitrary: fc
      .record({ p: projectArb, s: scopeArb, key: fc.constantFrom(...KV_KEYS, ...NUM_KEYS) })
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

// ------------------------------------------------------------------ transaction generators

const U64_MAX = (1n << 64n) - 1n;
const U256_MAX = (1n << 256n) - 1n;

/** Amounts: small (so balances meet), near the maximum (overflow), bytes, rarely invalid. */
function amountArb(width: 8 | 32): fc.Arbitrary<unknown> {
  const max = width === 8 ? U64_MAX : U256_MAX;
  return fc.oneof(
    { arbitrary: fc.bigInt(0n, 12n), weight: 12 },
    { arbitrary: fc.integer({ min: 0, max: 12 }), weight: 4 },
    { arbitrary: fc.constantFrom(max, max - 1n, max / 2n), weight: 2 },
    {
      arbitrary: fc.bigInt(0n, 12n).map((n) => (width === 8 ? encodeU64(n) : encodeU256(n))),
      weight: 2,
    },
    {
      arbitrary: fc.constantFrom<unknown>(-1n, -1, 1.5, 'x', new Uint8Array(3), max + 1n),
      weight: 1,
    },
  );
}

/** A policy option: absent, a valid one, rarely an invalid one. */
function policyArb(...valid: string[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 8 },
    { arbitrary: fc.constantFrom(...valid), weight: 6 },
    { arbitrary: fc.constant('nope'), weight: 1 },
  );
}

const versionArb: fc.Arbitrary<VersionSpec> = fc.oneof(
  { arbitrary: fc.constant<VersionSpec>('base'), weight: 2 },
  { arbitrary: fc.constant<VersionSpec>('now'), weight: 4 },
  { arbitrary: fc.integer({ min: 0, max: 12 }), weight: 1 },
);

/** Mostly the bootstrapped scope, so that most transactions get past name resolution. */
const focusArb: fc.Arbitrary<{ p: string; s: string }> = fc.oneof(
  { arbitrary: fc.constant({ p: 'p1', s: 's1' }), weight: 6 },
  { arbitrary: fc.record({ p: projectArb, s: scopeArb }), weight: 1 },
);

const numKvAtArb = fc
  .tuple(focusArb, fc.constantFrom(...NUM_KEYS))
  .map(([at, key]) => ({ ...at, key }));

const numArb: fc.Arbitrary<NumSpec> = fc.oneof(
  fc
    .tuple(numKvAtArb, fc.constantFrom('kvAddU64Ex' as const, 'kvAddU256Ex' as const))
    .chain(([at, op]) =>
      fc
        .record({
          amount: amountArb(op === 'kvAddU64Ex' ? 8 : 32),
          onMissing: policyArb('treatAsZero', 'reject'),
          onOverflow: policyArb('reject', 'saturate'),
        })
        .map((x): NumSpec => ({ op, ...at, ...x })),
    ),
  fc
    .tuple(numKvAtArb, fc.constantFrom('kvSubU64Ex' as const, 'kvSubU256Ex' as const))
    .chain(([at, op]) =>
      fc
        .record({
          amount: amountArb(op === 'kvSubU64Ex' ? 8 : 32),
          onMissing: policyArb('treatAsZero', 'reject'),
          onUnderflow: policyArb('reject', 'noOp'),
        })
        .map((x): NumSpec => ({ op, ...at, ...x })),
    ),
  fc
    .tuple(
      numKvAtArb,
      fc.constantFrom(
        'kvMaxU64' as const,
        'kvMinU64' as const,
        'kvMaxU256' as const,
        'kvMinU256' as const,
      ),
    )
    .chain(([at, op]) =>
      amountArb(op.endsWith('U64') ? 8 : 32).map((value): NumSpec => ({ op, ...at, value })),
    ),
  fc
    .record({
      at: numKvAtArb,
      delta: fc.oneof(
        { arbitrary: fc.bigInt(-10n, 10n), weight: 10 },
        { arbitrary: fc.integer({ min: -10, max: 10 }), weight: 4 },
        { arbitrary: fc.constantFrom((1n << 63n) - 1n, -(1n << 63n)), weight: 1 },
        { arbitrary: fc.constantFrom<unknown>(1.5, 'x', 1n << 63n), weight: 1 },
      ),
      min: fc.option(fc.oneof(fc.bigInt(-20n, 0n), fc.constant<unknown>(-(1n << 63n))), {
        nil: undefined,
      }),
      max: fc.option(fc.oneof(fc.bigInt(-2n, 20n), fc.constant<unknown>('x')), { nil: undefined }),
      onMissing: policyArb('treatAsZero', 'reject'),
    })
    .map(({ at, ...x }): NumSpec => ({ op: 'kvAddI64Bounded', ...at, ...x })),
  fc
    .tuple(numKvAtArb, fc.constantFrom('kvMutateU64' as const, 'kvMutateU256' as const))
    .chain(([at, op]) =>
      fc
        .record({
          mutate: fc.oneof(
            { arbitrary: fc.constantFrom('set', 'add', 'sub'), weight: 20 },
            { arbitrary: fc.constant('mul'), weight: 1 },
          ),
          operand: amountArb(op === 'kvMutateU64' ? 8 : 32),
          expectedSeq: fc.oneof(
            { arbitrary: fc.constant(undefined), weight: 6 },
            { arbitrary: versionArb, weight: 4 },
            { arbitrary: fc.constant(-1), weight: 1 },
          ),
        })
        .map((x): NumSpec => ({ op, ...at, ...x })),
    ),
  fc
    .record({
      at: numKvAtArb,
      delta: amountArb(8),
      shardCount: fc.oneof(
        { arbitrary: fc.integer({ min: 1, max: 4 }), weight: 20 },
        { arbitrary: fc.constantFrom<unknown>(0, 4097, 1.5), weight: 1 },
      ),
      shardHint: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }),
    })
    .map(({ at, ...x }): NumSpec => ({ op: 'counterAdd', ...at, ...x })),
  fc
    .record({
      op: fc.constantFrom('tableIncU256' as const, 'tableDecU256' as const),
      at: targetArb,
      pk: pkArb,
      column: fc.constantFrom('amt', 'amt', 'amt', 'n', 'id', 'nope'),
      amount: amountArb(32),
      onOverflow: policyArb('reject', 'saturate'),
      onUnderflow: policyArb('reject', 'noOp'),
    })
    .map((x): NumSpec => x),
);

const emitArb: fc.Arbitrary<EmitSpec> = fc
  .record({
    at: focusArb,
    topic: fc.oneof(
      { arbitrary: fc.constantFrom('t1', 't1', 't2', 'é'), weight: 20 },
      { arbitrary: fc.constantFrom('', 'a\nb'), weight: 1 },
    ),
    eventKey: fc.constantFrom('e1', 'e2', 'e3'),
    payloadJson: fc.oneof(
      { arbitrary: fc.constantFrom('{}', '{"a":1}', '[1,2]', '"x"', 'null'), weight: 20 },
      { arbitrary: fc.constant('{bad'), weight: 1 },
    ),
  })
  .map(({ at, ...rest }): EmitSpec => ({ ...at, ...rest }));

const compareOpArb = fc.constantFrom<CompareOp>('eq', 'ne', 'gt', 'gte', 'lt', 'lte');
const assertKvAtArb = fc
  .tuple(focusArb, fc.constantFrom(...KV_KEYS, ...NUM_KEYS))
  .map(([at, key]) => ({ ...at, key }));

const leafAssertionArb: fc.Arbitrary<AssertSpec> = fc.oneof(
  fc
    .record({
      at: assertKvAtArb,
      value: fc.oneof(
        fc.constantFrom<string | Uint8Array>('', 'a', 'ab'),
        fc.bigInt(0n, 3n).map((n) => encodeU64(n)),
      ),
    })
    .map(({ at, value }): AssertSpec => ({ type: 'keyEquals', ...at, value })),
  fc
    .record({
      at: assertKvAtArb,
      op: fc.oneof(
        { arbitrary: compareOpArb.map((o): CompareOp | 'bogus' => o), weight: 30 },
        { arbitrary: fc.constant<'bogus'>('bogus'), weight: 1 },
      ),
      threshold: fc.oneof(
        fc.bigInt(0n, 20n),
        fc.integer({ min: 0, max: 20 }),
        fc.constantFrom(new Uint8Array([]), Uint8Array.from([0x61]), encodeU64(5n)),
      ),
    })
    .map(({ at, ...x }): AssertSpec => ({ type: 'keyCompare', ...at, ...x })),
  fc
    .record({ at: assertKvAtArb, expected: fc.option(fc.boolean(), { nil: undefined }) })
    .map(({ at, expected }): AssertSpec => ({ type: 'keyExists', ...at, expected })),
  fc
    .record({ at: assertKvAtArb, expectedSeq: versionArb })
    .map(({ at, expectedSeq }): AssertSpec => ({ type: 'keyVersion', ...at, expectedSeq })),
  fc
    .record({ at: targetArb, pk: pkArb, expected: fc.option(fc.boolean(), { nil: undefined }) })
    .map((x): AssertSpec => ({ type: 'rowExists', ...x })),
  fc
    .record({ at: targetArb, pk: pkArb, expectedSeq: versionArb })
    .map((x): AssertSpec => ({ type: 'rowVersion', ...x })),
  fc.constantFrom<PoolColumn | 'nope'>('name', 'n', 'id', 'amt', 'nope').chain((col) =>
    fc
      .record({
        at: targetArb,
        pk: pkArb,
        op: compareOpArb,
        value: valueArb(col === 'nope' ? 'integer' : COLUMN_POOL[col]),
      })
      .map((x): AssertSpec => ({ type: 'rowColumnCompare', column: col, ...x })),
  ),
  fc
    .record({
      at: targetArb,
      op: compareOpArb,
      value: fc.integer({ min: 0, max: 4 }),
      filter: rarely(exprArb, 4),
    })
    .map((x): AssertSpec => ({ type: 'countCompare', ...x })),
  fc
    .record({
      at: targetArb,
      column: fc.constantFrom('n', 'id', 'amt', 'big', 'name', 'nope'),
      op: compareOpArb,
      value: fc.bigInt(0n, 30n),
      filter: rarely(exprArb, 4),
    })
    .map((x): AssertSpec => ({ type: 'sumCompare', ...x })),
);

const assertionArb: fc.Arbitrary<AssertSpec> = fc.letrec<{ a: AssertSpec }>((tie) => ({
  a: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafAssertionArb,
    fc
      .array(tie('a'), { maxLength: 2 })
      .map((assertions): AssertSpec => ({ type: 'all', assertions })),
    fc
      .array(tie('a'), { maxLength: 2 })
      .map((assertions): AssertSpec => ({ type: 'any', assertions })),
    tie('a').map((assertion): AssertSpec => ({ type: 'not', assertion })),
  ),
})).a;

const pointArb: fc.Arbitrary<PointSpec> = fc.oneof(
  fc
    .record({ at: assertKvAtArb, version: versionArb })
    .map(({ at, version }): PointSpec => ({ type: 'kv', ...at, version })),
  fc
    .record({ at: targetArb, pk: pkArb, version: versionArb })
    .map((x): PointSpec => ({ type: 'row', ...x })),
);

const rangeKeyArb = fc.option(fc.constantFrom(...KV_KEYS, ...NUM_KEYS), { nil: undefined });
const rangeArb: fc.Arbitrary<RangeSpec> = fc.oneof(
  fc
    .record({ at: focusArb, prefix: fc.constantFrom('', 'a/', 'k', 'n', '😀') })
    .map(({ at, prefix }): RangeSpec => ({ type: 'kvPrefix', ...at, prefix })),
  fc
    .record({ at: focusArb, start: rangeKeyArb, end: rangeKeyArb })
    .map(({ at, ...x }): RangeSpec => ({ type: 'kvRange', ...at, ...x })),
  fc
    .record({
      at: targetArb,
      prefix: fc.oneof(
        fc.constant<GenValue[]>([]),
        idArb.map((v) => [v]),
      ),
    })
    .map((x): RangeSpec => ({ type: 'tablePrefix', ...x })),
);

/** Mutations of every kind: the base ones, numerics, events, postflight checks. */
const txMutationArb: fc.Arbitrary<MutSpec> = fc.oneof(
  { arbitrary: mutationArb, weight: 10 },
  { arbitrary: numArb.map((op): MutSpec => ({ kind: 'num', op })), weight: 7 },
  { arbitrary: emitArb.map((event): MutSpec => ({ kind: 'emit', event })), weight: 3 },
  {
    arbitrary: fc
      .array(assertionArb, { minLength: 1, maxLength: 2 })
      .map((assertions): MutSpec => ({ kind: 'postflight', assertions })),
    weight: 2,
  },
);

/** Mostly none or one, sometimes two (each check is a chance to fail the envelope). */
function fewArb<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T[]> {
  return fc.oneof(
    { arbitrary: fc.constant<T[]>([]), weight: 3 },
    { arbitrary: arb.map((x) => [x]), weight: 3 },
    { arbitrary: fc.tuple(arb, arb).map(([x, y]) => [x, y]), weight: 1 },
  );
}

const envelopeArb: fc.Arbitrary<EnvSpec> = fc.record({
  writeClass: fc.constantFrom(undefined, 'standard' as const, 'economic' as const),
  callerId: fc.constantFrom(undefined, 'a', 'b'),
  idempotencyKey: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 2 },
    { arbitrary: fc.constantFrom('i1', 'i2', 'i3', 'i4', 'i5'), weight: 2 },
  ),
  assertions: fewArb(assertionArb),
  points: fewArb(pointArb),
  ranges: fewArb(rangeArb),
  back: fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 2 }), weight: 3 },
    { arbitrary: fc.integer({ min: 3, max: 12 }), weight: 1 },
  ),
  action: fc.boolean(),
});

/** Every command, weighted. */
export function commandArbs(): fc.Arbitrary<Cmd>[] {
  return [
    mutationArb.map((mu) => new CommitCmd([mu])),
    mutationArb.map((mu) => new CommitCmd([mu])),
    txMutationArb.map((mu) => new CommitCmd([mu])),
    txMutationArb.map((mu) => new CommitCmd([mu])),
    fc.array(txMutationArb, { minLength: 2, maxLength: 4 }).map((ms) => new CommitCmd(ms)),
    fc
      .tuple(envelopeArb, fc.array(txMutationArb, { maxLength: 3 }))
      .map(([env, ms]) => new EnvelopeCmd(env, ms)),
    fc
      .tuple(envelopeArb, fc.array(txMutationArb, { maxLength: 3 }))
      .map(([env, ms]) => new EnvelopeCmd(env, ms)),
    fc
      .tuple(envelopeArb, fc.array(txMutationArb, { maxLength: 3 }))
      .map(([env, ms]) => new EnvelopeCmd(env, ms)),
    fc.integer({ min: 0, max: 5 }).map((b) => new RetryCmd(b)),
    fc.integer({ min: 0, max: 5 }).map((b) => new RetryCmd(b)),
    fc
      .tuple(
        fc.constantFrom(undefined, 't1', 't2', 'é', ''),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 1, max: 4 }),
      )
      .map(([topic, back, limit]) => new ReadEventsCmd(topic, back, limit)),
    fc.constant(new CheckpointCmd()),
    fc.boolean().map((b) => new ReopenCmd(b)),
    queryArb.map((q) => new QueryCmd(q)),
    queryArb.map((q) => new QueryCmd(q)),
    fc
      .tuple(
        projectArb,
        scopeArb,
        fc.constantFrom(...KV_KEYS, ...NUM_KEYS),
        fc.constantFrom('', 'a/', 'k', '😀', 'a', 'n'),
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
