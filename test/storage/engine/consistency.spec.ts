/**
 * Read consistency against a reference model: `atSeq` and `atCheckpoint` return exactly the
 * state of that seq while writes continue (including seqs in the middle of a group-commit
 * batch), `SNAPSHOT_TOO_OLD` beyond the retention, VALIDATION for future seqs, `snapshotProbe`,
 * and `snapshot()` handles that never move.
 */
import {
  Expr,
  Query,
  SnapshotTooOldError,
  ValidationError,
  type AedbConfigInput,
  type AedbInstance,
  type CheckpointEvent,
  type CommitBatchEvent,
  type ConsistencyMode,
  type Mutation,
} from '../../../src/index';
import {
  createScope,
  dumpState,
  expectRejects,
  expectThrows,
  nextTurn,
  str,
  useEngine,
  within,
} from './engine-fixture';

const engine = useEngine();

const T = { projectId: 'p', scopeId: 's', tableName: 't' } as const;

/** What operation number `i` writes (deterministic, overlapping keys so states differ). */
function mutationsFor(i: number): Mutation[] {
  const out: Mutation[] = [
    { type: 'kvSet', projectId: 'p', scopeId: 's', key: `k${i % 23}`, value: `v${i}` },
  ];
  if (i % 7 === 0)
    out.push({ type: 'kvDel', projectId: 'p', scopeId: 's', key: `k${(i * 3) % 23}` });
  if (i % 5 === 0) out.push({ type: 'upsert', ...T, row: { id: i % 11, val: i } });
  if (i % 13 === 0) out.push({ type: 'delete', ...T, primaryKey: [(i * 2) % 11] });
  return out;
}

interface ModelState {
  /** key -> [value, version] */
  readonly kv: Map<string, [string, number]>;
  /** id -> val */
  readonly rows: Map<number, number>;
}

/** The reference: operation per seq, states computed by replaying them in seq order. */
class Model {
  private readonly ops = new Map<number, number>();
  private readonly states = new Map<number, ModelState>();

  constructor(private readonly baseSeq: number) {
    this.states.set(baseSeq, { kv: new Map(), rows: new Map() });
  }

  record(seq: number, op: number): void {
    expect(this.ops.has(seq)).toBe(false);
    this.ops.set(seq, op);
  }

  get seqs(): number[] {
    return [...this.ops.keys()].sort((a, b) => a - b);
  }

  stateAt(seq: number): ModelState {
    const known = this.states.get(seq);
    if (known !== undefined) return known;
    expect(seq).toBeGreaterThan(this.baseSeq);
    const op = this.ops.get(seq);
    if (op === undefined) throw new Error(`model: no operation recorded for seq ${seq}`);
    const prev = this.stateAt(seq - 1);
    const kv = new Map(prev.kv);
    const rows = new Map(prev.rows);
    for (const m of mutationsFor(op)) {
      if (m.type === 'kvSet') kv.set(m.key as string, [m.value as string, seq]);
      else if (m.type === 'kvDel') kv.delete(m.key as string);
      else if (m.type === 'upsert') rows.set(m.row.id as number, m.row.val as number);
      else if (m.type === 'delete') rows.delete((m.primaryKey as number[])[0]);
    }
    const state = { kv, rows };
    this.states.set(seq, state);
    return state;
  }
}

function expectedView(state: ModelState) {
  return {
    kv: [...state.kv.entries()]
      .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
      .map(([key, [value, version]]) => [key, value, version]),
    rows: [...state.rows.entries()].sort(([a], [b]) => a - b).map(([id, val]) => ({ id, val })),
  };
}

/** Read the model-relevant state through the async API at `consistency`. */
async function readView(db: AedbInstance, consistency: ConsistencyMode) {
  const page = await db.kvScanPrefix('p', 's', 'k', { limit: 1000, consistency });
  const res = await db.queryWithOptions('p', 's', Query.select('*').from('t'), { consistency });
  expect(page.snapshotSeq).toBe(res.snapshotSeq);
  return {
    seq: res.snapshotSeq,
    view: {
      kv: page.entries.map((e) => [str(e.key), str(e.value), e.version]),
      rows: res.rows,
    },
  };
}

/** The same through a synchronous snapshot handle. */
function readViewSync(db: AedbInstance, consistency: ConsistencyMode) {
  const snap = db.snapshot(consistency);
  return {
    kv: snap
      .kvScanPrefix('p', 's', 'k', { limit: 1000 })
      .entries.map((e) => [str(e.key), str(e.value), e.version]),
    rows: snap.query('p', 's', Query.select('*').from('t')).rows,
  };
}

async function setup(config: AedbConfigInput): Promise<{ db: AedbInstance; model: Model }> {
  const { db } = await engine.fresh(config);
  await createScope(db);
  await db.createTable({
    ...T,
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'val', type: 'integer' },
    ],
    primaryKey: ['id'],
  });
  return { db, model: new Model(db.headState().visibleHeadSeq) };
}

/** Fire `count` commits without awaiting (they group into few batches); record their seqs. */
async function burst(db: AedbInstance, model: Model, first: number, count: number): Promise<void> {
  const pending: Promise<void>[] = [];
  for (let i = first; i < first + count; i++) {
    pending.push(db.commitMany(mutationsFor(i)).then((r) => model.record(r.commitSeq, i)));
  }
  await Promise.all(pending);
}

/** A writer that keeps committing (one awaited commit at a time) until stopped. */
function startWriter(db: AedbInstance, model: Model, firstOp: number) {
  let stop = false;
  let count = 0;
  let failure: Error | undefined;
  const done = (async () => {
    let i = firstOp;
    while (!stop) {
      const r = await db.commitMany(mutationsFor(i));
      model.record(r.commitSeq, i);
      i++;
      count++;
    }
  })().catch((err: unknown) => {
    failure = err instanceof Error ? err : new Error(String(err));
  });
  return {
    get count() {
      return count;
    },
    /** Stop and wait for the last commit; rethrows a commit failure. */
    async stop() {
      stop = true;
      await done;
      if (failure !== undefined) throw failure;
    },
  };
}

describe('atSeq', () => {
  it.each<[string, AedbConfigInput]>([
    ['os', { durabilityMode: 'os' }],
    ['full', { durabilityMode: 'full' }],
    ['batch', { durabilityMode: 'batch', batchIntervalMs: 2 }],
  ])(
    'returns exactly the state of every seq, mid-batch seqs included, while writes continue (%s)',
    async (_mode, config) => {
      const { db, model } = await setup({ ...config, snapshotRetention: 100_000 });
      const batches: CommitBatchEvent[] = [];
      db.commits$.subscribe((e) => batches.push(e));
      await burst(db, model, 1, 300);
      const burstSeqs = model.seqs;
      expect(burstSeqs).toEqual(burstSeqs.map((_s, i) => burstSeqs[0] + i));

      // The burst formed multi-commit batches: there are seqs strictly inside a batch.
      const inside = burstSeqs.filter((s) => batches.some((b) => b.firstSeq < s && s < b.lastSeq));
      expect(inside.length).toBeGreaterThan(0);

      const writer = startWriter(db, model, 1000);
      for (const seq of burstSeqs) {
        const { seq: read, view } = await readView(db, { atSeq: seq });
        expect(read).toBe(seq);
        expect(view).toEqual(expectedView(model.stateAt(seq)));
        expect(readViewSync(db, { atSeq: seq })).toEqual(view);
        await nextTurn();
      }
      const during = writer.count;
      await writer.stop();
      // The writer really ran while we read.
      expect(during).toBeGreaterThan(10);

      // Every writer seq too, and the latest state.
      for (const seq of model.seqs.slice(burstSeqs.length)) {
        const { view } = await readView(db, { atSeq: seq });
        expect(view).toEqual(expectedView(model.stateAt(seq)));
      }
      const head = await db.snapshotProbe();
      expect(head).toBe(model.seqs[model.seqs.length - 1]);
      expect((await readView(db, 'atLatest')).view).toEqual(expectedView(model.stateAt(head)));
    },
  );

  it('rejects seqs older than snapshotRetention batches with SNAPSHOT_TOO_OLD naming the seq', async () => {
    const { db, model } = await setup({ durabilityMode: 'os', snapshotRetention: 4 });
    for (let i = 1; i <= 10; i++) {
      const r = await db.commitMany(mutationsFor(i));
      model.record(r.commitSeq, i);
    }
    const seqs = model.seqs;
    // One commit per batch: the last 4 batches are retained.
    for (const seq of seqs.slice(-4)) {
      expect((await readView(db, { atSeq: seq })).view).toEqual(expectedView(model.stateAt(seq)));
    }
    for (const seq of seqs.slice(0, -4)) {
      const err = await expectRejects(
        db.kvGet('p', 's', 'k1', { consistency: { atSeq: seq } }),
        SnapshotTooOldError,
        'SNAPSHOT_TOO_OLD',
        `atSeq ${seq}`,
        'snapshotRetention',
      );
      expect(err.details).toMatchObject({ seq });
      expectThrows(
        () => db.snapshot({ atSeq: seq }),
        SnapshotTooOldError,
        'SNAPSHOT_TOO_OLD',
        `${seq}`,
      );
      await expectRejects(
        db.snapshotProbe({ atSeq: seq }),
        SnapshotTooOldError,
        'SNAPSHOT_TOO_OLD',
      );
    }
  });

  it('rejects mid-batch seqs of an evicted batch with SNAPSHOT_TOO_OLD', async () => {
    const { db, model } = await setup({ durabilityMode: 'os', snapshotRetention: 2 });
    await burst(db, model, 1, 50);
    const burstSeqs = model.seqs;
    await db.kvSet('p', 's', 'x1', '1');
    await db.kvSet('p', 's', 'x2', '2');
    await expectRejects(
      db.kvGet('p', 's', 'k1', { consistency: { atSeq: burstSeqs[10] } }),
      SnapshotTooOldError,
      'SNAPSHOT_TOO_OLD',
      `atSeq ${burstSeqs[10]}`,
    );
  });

  it('rejects future, negative and non-integer seqs with VALIDATION', async () => {
    const { db } = await setup({ durabilityMode: 'os' });
    const head = await db.snapshotProbe();
    await expectRejects(
      db.kvGet('p', 's', 'k', { consistency: { atSeq: head + 1 } }),
      ValidationError,
      'VALIDATION',
      `atSeq ${head + 1}`,
      `${head}`,
    );
    await expectRejects(
      db.snapshotProbe({ atSeq: 1e9 }),
      ValidationError,
      'VALIDATION',
      'not visible yet',
    );
    await expectRejects(db.snapshotProbe({ atSeq: -1 }), ValidationError, 'VALIDATION', 'atSeq');
    await expectRejects(db.snapshotProbe({ atSeq: 1.5 }), ValidationError, 'VALIDATION', 'atSeq');
    await expectRejects(
      db.snapshotProbe({ atSeq: '3' as unknown as number }),
      ValidationError,
      'VALIDATION',
      'atSeq',
    );
    expectThrows(() => db.snapshot({ atSeq: head + 1 }), ValidationError, 'VALIDATION', 'atSeq');
  });

  it('in full mode a seq applied but not yet fsynced is not readable yet', async () => {
    const { db } = await setup({ durabilityMode: 'full' });
    const head = await db.snapshotProbe();
    const pending = db.kvSet('p', 's', 'k0', 'x');
    await nextTurn(); // the batch is applied and written; its fsync is in flight
    expect(await db.snapshotProbe()).toBe(head);
    await expectRejects(db.snapshotProbe({ atSeq: head + 1 }), ValidationError, 'VALIDATION');
    const r = await pending;
    expect(await db.snapshotProbe({ atSeq: r.commitSeq })).toBe(r.commitSeq);
  });
});

describe('atSeq after reopen', () => {
  it('serves the recovered head and the checkpoint; older seqs are SNAPSHOT_TOO_OLD', async () => {
    const { db, model } = await setup({ durabilityMode: 'os', checkpointOnClose: false });
    await burst(db, model, 1, 20);
    await db.checkpointNow();
    const ckptSeq = await db.snapshotProbe();
    for (let i = 100; i < 105; i++) {
      const r = await db.commitMany(mutationsFor(i));
      model.record(r.commitSeq, i);
    }
    const head = await db.snapshotProbe();
    const again = await engine.reopen(db, { durabilityMode: 'os' });
    expect((await readView(again, { atSeq: head })).view).toEqual(
      expectedView(model.stateAt(head)),
    );
    expect((await readView(again, { atSeq: ckptSeq })).view).toEqual(
      expectedView(model.stateAt(ckptSeq)),
    );
    expect((await readView(again, 'atCheckpoint')).view).toEqual(
      expectedView(model.stateAt(ckptSeq)),
    );
    await expectRejects(
      again.snapshotProbe({ atSeq: head - 1 }),
      SnapshotTooOldError,
      'SNAPSHOT_TOO_OLD',
      `atSeq ${head - 1}`,
    );
    // New commits are readable at their seqs again.
    const r = await again.commitMany(mutationsFor(200));
    model.record(r.commitSeq, 200);
    expect((await readView(again, { atSeq: head })).view).toEqual(
      expectedView(model.stateAt(head)),
    );
    expect((await readView(again, { atSeq: r.commitSeq })).view).toEqual(
      expectedView(model.stateAt(r.commitSeq)),
    );
  });
});

describe('atSeq across schema changes inside one batch', () => {
  /** Commits that change the catalog, indexes and rows; fired together they form one batch. */
  const X = { projectId: 'p', scopeId: 's', tableName: 'x' } as const;
  const script: Mutation[][] = [
    [
      {
        type: 'ddl',
        op: {
          type: 'createTable',
          ...X,
          columns: [
            { name: 'id', type: 'integer' },
            { name: 'name', type: 'text' },
          ],
          primaryKey: ['id'],
        },
      },
    ],
    [{ type: 'insert', ...X, row: { id: 1, name: 'a' } }],
    [{ type: 'insert', ...X, row: { id: 2, name: 'b' } }],
    [{ type: 'ddl', op: { type: 'createIndex', ...X, indexName: 'by_name', columns: ['name'] } }],
    [{ type: 'insert', ...X, row: { id: 3, name: 'a' } }],
    [
      {
        type: 'ddl',
        op: {
          type: 'alterTable',
          ...X,
          alteration: {
            type: 'addColumn',
            column: { name: 'extra', type: 'text', nullable: true },
          },
        },
      },
    ],
    [{ type: 'updateFields', ...X, primaryKey: [1], fields: { extra: 'e', name: 'c' } }],
    [
      {
        type: 'ddl',
        op: {
          type: 'alterTable',
          ...X,
          alteration: { type: 'renameColumn', from: 'name', to: 'label' },
        },
      },
    ],
    [{ type: 'kvSet', projectId: 'p', scopeId: 's', key: 'k', value: 'v' }],
    [{ type: 'ddl', op: { type: 'dropIndex', ...X, indexName: 'by_name' } }],
    [{ type: 'ddl', op: { type: 'dropTable', ...X } }],
    [
      {
        type: 'ddl',
        op: {
          type: 'createTable',
          ...X,
          columns: [{ name: 'id', type: 'integer' }],
          primaryKey: ['id'],
        },
      },
    ],
    [{ type: 'insert', ...X, row: { id: 7 } }],
    [{ type: 'ddl', op: { type: 'createScope', projectId: 'p', scopeId: 'late' } }],
    [{ type: 'kvSet', projectId: 'p', scopeId: 'late', key: 'k', value: 'late' }],
  ];

  /** What an index-using query at each seq returns (by column name of that seq). */
  function indexQuery(db: AedbInstance, consistency: ConsistencyMode) {
    const snap = db.snapshot(consistency);
    if (!snap.tableExists('p', 's', 'x')) return 'no table';
    const schema = snap.describeTable('p', 's', 'x');
    const col = schema.columns.find((c) => c.name === 'name' || c.name === 'label')?.name;
    if (col === undefined) return 'no column';
    const res = snap.query('p', 's', Query.select('id').from('x').where(Expr.eq(col, 'a')));
    return { plan: res.plan.kind, rows: res.rows };
  }

  it('materializes exactly the state a sequential run has at each seq', async () => {
    // Reference: the same commits one at a time, state captured after each.
    const { db: ref } = await engine.fresh({ durabilityMode: 'os' });
    await createScope(ref);
    const expected = [];
    const expectedQueries = [];
    for (const m of script) {
      await ref.commitMany(m);
      expected.push(dumpState(ref));
      expectedQueries.push(indexQuery(ref, 'atLatest'));
    }

    const { db } = await engine.fresh({ durabilityMode: 'os', checkpointOnClose: false });
    await createScope(db);
    const batches: CommitBatchEvent[] = [];
    db.commits$.subscribe((e) => batches.push(e));
    const results = await Promise.all(script.map((m) => db.commitMany(m)));
    expect(batches).toHaveLength(1);
    expect(results.map((r) => r.commitSeq)).toEqual(expected.map((e) => e.seq));
    // Read the seqs in an order that exercises the materialization cache both ways.
    const order = [...results.keys()].reverse();
    order.push(...results.keys());
    for (const i of order) {
      const seq = results[i].commitSeq;
      expect(dumpState(db, { atSeq: seq })).toEqual(expected[i]);
      expect(indexQuery(db, { atSeq: seq })).toEqual(expectedQueries[i]);
    }
    // Replaying that batch from the WAL gives the final state too.
    const again = await engine.reopen(db, { durabilityMode: 'os' });
    expect(dumpState(again)).toEqual(expected[expected.length - 1]);
  });
});

describe('atCheckpoint', () => {
  it('returns exactly the checkpointed state while writes continue, and after reopen', async () => {
    const { db, model } = await setup({ durabilityMode: 'os', snapshotRetention: 100_000 });
    // Before any checkpoint: the empty state of seq 0.
    expect(await db.snapshotProbe('atCheckpoint')).toBe(0);
    expect(await db.listProjects({ consistency: 'atCheckpoint' })).toEqual([]);

    await burst(db, model, 1, 200);
    const events: CheckpointEvent[] = [];
    db.checkpoints$.subscribe((e) => events.push(e));
    // Writes run before the checkpoint and keep running while atCheckpoint is read. (Taking the
    // checkpoint *during* sustained writes is covered by durability-modes.spec.ts.)
    const before = startWriter(db, model, 1000);
    for (let i = 0; i < 10; i++) await nextTurn();
    await before.stop();
    const ckpt = await within(db.checkpointNow(), 5000, 'checkpointNow()');
    expect(ckpt).toBeDefined();
    const seq = ckpt?.seq ?? -1;
    expect(events).toEqual([ckpt]);
    expect(seq).toBe(await db.snapshotProbe());
    const writer = startWriter(db, model, 5000);
    try {
      for (let i = 0; i < 20; i++) {
        await nextTurn();
        expect(await db.snapshotProbe('atCheckpoint')).toBe(seq);
        const { seq: read, view } = await readView(db, 'atCheckpoint');
        expect(read).toBe(seq);
        expect(view).toEqual(expectedView(model.stateAt(seq)));
        expect(readViewSync(db, 'atCheckpoint')).toEqual(view);
      }
    } finally {
      await writer.stop();
    }
    expect(await db.snapshotProbe()).toBeGreaterThan(seq + 5);

    // A second checkpoint moves atCheckpoint forward.
    const second = await db.checkpointNow();
    const head = await db.snapshotProbe();
    expect(second?.seq).toBe(head);
    expect((await readView(db, 'atCheckpoint')).view).toEqual(expectedView(model.stateAt(head)));
    // Nothing new: no checkpoint, atCheckpoint unchanged.
    expect(await db.checkpointNow()).toBeUndefined();

    const again = await engine.reopen(db, { durabilityMode: 'os' });
    expect(await again.snapshotProbe('atCheckpoint')).toBe(again.recoveryReport.checkpoint?.seq);
    expect((await readView(again, 'atCheckpoint')).view).toEqual(expectedView(model.stateAt(head)));
  });
});

describe('snapshotProbe', () => {
  it('reports the seq each consistency would read', async () => {
    const { db, model } = await setup({ durabilityMode: 'os' });
    await burst(db, model, 1, 5);
    const [s1, , s3, , s5] = model.seqs;
    expect(await db.snapshotProbe()).toBe(s5);
    expect(await db.snapshotProbe('atLatest')).toBe(s5);
    expect(await db.snapshotProbe({ atSeq: s3 })).toBe(s3);
    expect(await db.snapshotProbe({ atSeq: s1 })).toBe(s1);
    expect(await db.snapshotProbe('atCheckpoint')).toBe(0);
    await db.checkpointNow();
    expect(await db.snapshotProbe('atCheckpoint')).toBe(s5);
    await expectRejects(
      db.snapshotProbe('newest' as ConsistencyMode),
      ValidationError,
      'VALIDATION',
      'consistency',
    );
  });
});

describe('snapshot()', () => {
  it('never moves while writes, deletes and schema changes continue', async () => {
    const { db, model } = await setup({ durabilityMode: 'os' });
    await burst(db, model, 1, 40);
    await db.createTable({
      projectId: 'p',
      scopeId: 's',
      tableName: 'other',
      columns: [{ name: 'id', type: 'integer' }],
      primaryKey: ['id'],
    });
    await db.commit({
      type: 'insert',
      projectId: 'p',
      scopeId: 's',
      tableName: 'other',
      row: { id: 1 },
    });
    const snap = db.snapshot();
    const atSeq = db.snapshot({ atSeq: model.seqs[20] });
    const frozen = dumpState(snap);
    const frozenAtSeq = dumpState(atSeq);
    expect(frozen.seq).toBe(snap.seq);

    const writer = startWriter(db, model, 1000);
    await db.createIndex({ ...T, indexName: 'by_val', columns: ['val'] });
    await db.alterTable({
      ...T,
      alteration: { type: 'addColumn', column: { name: 'extra', type: 'text', nullable: true } },
    });
    await db.dropTable({ projectId: 'p', scopeId: 's', tableName: 'other' });
    await db.createScope('p', 'later');
    for (let i = 0; i < 30; i++) {
      await nextTurn();
      expect(dumpState(snap)).toEqual(frozen);
    }
    await writer.stop();
    await db.dropScope('p', 's');
    expect(dumpState(snap)).toEqual(frozen);
    expect(dumpState(atSeq)).toEqual(frozenAtSeq);
    expect(snap.query('p', 's', Query.select('*').from('other')).rows).toEqual([{ id: 1 }]);
    expect(db.snapshot().seq).toBeGreaterThan(snap.seq);
    expect(await db.listScopes('p')).toEqual(['later']);
  });
});
