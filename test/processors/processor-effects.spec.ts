/**
 * Exactly-once primitives: processorCommit (effects + checkpoint in one commit, duplicates
 * skipped), processorPull, processorContext, commitEffectBatch and the keyed-state helpers.
 */
import { NotFoundError, UnderflowError, ValidationError, type AedbInstance } from '../../src/index';
import { emitMany, expectCallRejects, useProcessorFixture, waitFor } from './processor-fixture';

const fx = useProcessorFixture();

async function createTables(db: AedbInstance): Promise<void> {
  await db.createTable({
    projectId: 'p',
    scopeId: 's',
    tableName: 'players',
    columns: [
      { name: 'id', type: 'text' },
      { name: 'score', type: 'integer' },
      { name: 'team', type: 'text' },
    ],
    primaryKey: ['id'],
  });
  await db.createIndex({
    projectId: 'p',
    scopeId: 's',
    tableName: 'players',
    indexName: 'by_score',
    columns: ['score'],
  });
  await db.createIndex({
    projectId: 'p',
    scopeId: 's',
    tableName: 'players',
    indexName: 'by_team',
    columns: ['team', 'score'],
  });
  await db.createTable({
    projectId: 'p',
    scopeId: 's',
    tableName: 'pairs',
    columns: [
      { name: 'a', type: 'integer' },
      { name: 'b', type: 'integer' },
    ],
    primaryKey: ['a', 'b'],
  });
}

const kv = (key: string, value: string) =>
  ({ type: 'kvSet', projectId: 'p', scopeId: 's', key, value }) as const;

describe('exactly-once primitives', () => {
  it('processorCommit commits effects with the checkpoint, and skips a redelivered batch', async () => {
    const db = await fx.open();
    const seq = await emitMany(db, 't', 3);
    const first = await db.processorCommit('proj', seq, [kv('a', '1')]);
    expect(first).toEqual({ outcome: 'applied', commitSeq: seq + 1, checkpointSeq: seq });
    expect((await db.kvGet('p', 's', 'a'))?.version).toBe(seq + 1);
    expect((await db.reactiveProcessorLag('proj')).checkpointSeq).toBe(seq);
    expect(await db.processorCommit('proj', seq, [kv('a', '2')])).toEqual({
      outcome: 'duplicate',
      commitSeq: undefined,
      checkpointSeq: seq,
    });
    expect((await db.kvGet('p', 's', 'a'))?.value).toEqual(Buffer.from('1'));
    await expectCallRejects(
      () =>
        db.processorCommit('proj', seq + 1, [
          { type: 'kvSet', projectId: '_system', scopeId: 'app', key: 'x', value: 'y' },
        ]),
      ValidationError,
      'VALIDATION',
      "processorCommit 'proj': mutation 0 targets the reserved project '_system'",
    );
    await expectCallRejects(
      () =>
        db.processorCommit('proj', seq + 1, [
          { type: 'ddl', op: { type: 'createScope', projectId: '_system', scopeId: 'x' } },
        ]),
      ValidationError,
      'VALIDATION',
      "mutation 0 targets the reserved project '_system'",
    );
    await expectCallRejects(
      () => db.processorCommit('proj', 10_000, []),
      ValidationError,
      'VALIDATION',
      "checkpoint of 'proj': seq 10000 is beyond the visible head",
    );
    // A failing commit changes neither the state nor the checkpoint.
    await expect(
      db.processorCommit('proj', seq + 1, [
        kv('b', '1'),
        { type: 'kvSet', projectId: 'p', scopeId: 'nope', key: 'x', value: 'y' },
      ]),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await db.kvGet('p', 's', 'b')).toBeUndefined();
    expect((await db.reactiveProcessorLag('proj')).checkpointSeq).toBe(seq);
  });

  it('processorPull reads after the checkpoint and tells which checkpoint covers the page', async () => {
    const db = await fx.open();
    await emitMany(db, 'orders', 5);
    await emitMany(db, 'other', 2);
    const page1 = await db.processorPull('orders', 'puller', 3);
    expect(page1.events.map((e) => e.eventKey)).toEqual(['k0', 'k1', 'k2']);
    expect(page1).toMatchObject({
      processorId: 'puller',
      eventName: 'orders',
      checkpointSeq: 0,
      hasMore: true,
    });
    expect(page1.nextCheckpointSeq).toBe(page1.events[2].commitSeq);
    await db.processorCommit('puller', page1.nextCheckpointSeq, []);
    const page2 = await db.processorPull('orders', 'puller', 3);
    expect(page2.events.map((e) => e.eventKey)).toEqual(['k3', 'k4']);
    expect(page2.hasMore).toBe(false);
    expect(page2.nextCheckpointSeq).toBe(page2.snapshotSeq);
  });

  it('the handler context commits exactly once across retries', async () => {
    const db = await fx.open();
    let failAfterCommit = true;
    await db.startReactiveProcessor('eo', { retryBackoffMs: 1 }, async (events, ctx) => {
      const r = await ctx.commit(events.map((e) => kv(`seen/${e.eventKey}`, String(ctx.attempt))));
      if (failAfterCommit) {
        failAfterCommit = false;
        expect(r.outcome).toBe('applied');
        throw new Error('crash after commit');
      }
      expect(r.outcome).toBe('duplicate');
    });
    await emitMany(db, 't', 1);
    await waitFor(() => db.reactiveProcessorRuntimeStatus('eo')?.eventsHandled === 1, 'handled');
    expect((await db.kvGet('p', 's', 'seen/k0'))?.value).toEqual(Buffer.from('1'));
  });

  it('processorContext pulls, buffers writes, accumulators and events, and commits them with the checkpoint', async () => {
    const db = await fx.open();
    await createTables(db);
    await db.emitEvent('p', 's', 'hand', 'h1', '{"player":"ann","points":5}');
    await db.emitEvent('p', 's', 'hand', 'h2', '{"player":"bob","points":7}');
    const ctx = db.processorContext('p', 's', 'points', 'hand');
    await expectCallRejects(
      () => ctx.commit(),
      ValidationError,
      'VALIDATION',
      "processor context 'points': commit() needs a checkpoint seq",
    );
    const { events } = await ctx.pull(10);
    for (const e of events) {
      const { player, points } = JSON.parse(e.payloadJson) as { player: string; points: number };
      ctx
        .write('players', { id: player, score: points, team: 'red' })
        .accumulate('total', points)
        .expose('risk', points);
      ctx.emit('points_applied', e.eventKey, e.payloadJson);
    }
    ctx.releaseExposure('risk', 2);
    expect(await ctx.value('total')).toBe(12n);
    expect(await ctx.exposure('risk')).toBe(10n);
    expect(await ctx.read('players', 'ann')).toBeUndefined();
    expect(ctx.pending).toBe(6);
    const r = await ctx.commit();
    expect(r.outcome).toBe('applied');
    expect(ctx.pending).toBe(0);
    expect(await ctx.read('players', 'ann')).toEqual({ id: 'ann', score: 5, team: 'red' });
    expect(await ctx.value('total')).toBe(12n);
    expect(
      (await db.readEventStream('points_applied', 0, 10)).events.map((e) => e.eventKey),
    ).toEqual(['h1', 'h2']);
    expect(
      (await ctx.queryIndex('players', { indexName: 'by_score', order: 'desc' })).rows.map(
        (row) => row.id,
      ),
    ).toEqual(['bob', 'ann']);
    // A redelivery (a commit at a checkpoint already reached) writes nothing.
    const again = db.processorContext('p', 's', 'points', 'hand');
    again.update('players', 'ann', { score: 6 }).delete('players', 'bob');
    expect((await again.commit(r.checkpointSeq)).outcome).toBe('duplicate');
    expect(await again.read('players', 'bob')).toBeDefined();
    const third = db.processorContext('p', 's', 'points', 'hand');
    await db.emitEvent('p', 's', 'hand', 'h3', '{}');
    await third.pull(10);
    third.releaseExposure('risk', 11);
    await expectCallRejects(
      () => third.commit(),
      UnderflowError,
      'UNDERFLOW',
      "exposure 'risk' would go below zero (-1)",
    );
    expect(() => third.accumulate('', 1)).toThrow(ValidationError);
    expect(() => third.expose('risk', -1)).toThrow('expected a non-negative amount, got -1');
  });

  it('commitEffectBatch applies effects and events atomically or rejects them', async () => {
    const db = await fx.open();
    await createTables(db);
    const applied = await db.commitEffectBatch('p', 's', {
      effects: [
        { type: 'write', tableName: 'players', row: { id: 'ann', score: 1, team: 'a' } },
        { type: 'write', tableName: 'players', row: { id: 'bob', score: 2, team: 'a' } },
        { type: 'delete', tableName: 'players', key: 'bob' },
      ],
      events: [{ topic: 'scored', eventKey: 'ann', payloadJson: '{}' }],
    });
    expect(applied).toMatchObject({ outcome: 'applied' });
    const rejected = await db.commitEffectBatch('p', 's', {
      effects: [
        { type: 'write', tableName: 'players', row: { id: 'cy', score: 'high', team: 'a' } },
      ],
      events: [{ topic: 'scored', eventKey: 'cy', payloadJson: '{}' }],
    });
    expect(rejected.outcome).toBe('rejected');
    expect(rejected.outcome === 'rejected' && rejected.error.code).toBe('VALIDATION');
    expect((await db.readEventStream('scored', 0, 10)).events.map((e) => e.eventKey)).toEqual([
      'ann',
    ]);
    await expectCallRejects(
      () => db.commitEffectBatch('p', 's', {}),
      ValidationError,
      'VALIDATION',
      'the batch has no effects and no events',
    );
    await expectCallRejects(
      () => db.commitEffectBatch('p', 's', { effects: [{ type: 'merge' } as never] }),
      ValidationError,
      'VALIDATION',
      `commitEffectBatch effects[0]: expected type 'write' or 'delete', got "merge"`,
    );
  });

  it('keyed-state helpers read, write, update, delete, query an index and rank', async () => {
    const db = await fx.open();
    await createTables(db);
    for (const [id, score, team] of [
      ['ann', 30, 'red'],
      ['bob', 10, 'blue'],
      ['cy', 20, 'red'],
    ] as const) {
      await db.keyedStateWrite('p', 's', 'players', { id, score, team });
    }
    expect(await db.keyedStateRead('p', 's', 'players', 'bob')).toEqual({
      id: 'bob',
      score: 10,
      team: 'blue',
    });
    expect(await db.keyedStateReadField('p', 's', 'players', 'bob', 'score')).toBe(10);
    expect(await db.keyedStateReadField('p', 's', 'players', 'zed', 'score')).toBeUndefined();
    await expectCallRejects(
      () => db.keyedStateReadField('p', 's', 'players', 'bob', 'nope'),
      NotFoundError,
      'NOT_FOUND',
      "table 'p.s.players' has no column 'nope'",
    );
    const up = await db.keyedStateUpdate('p', 's', 'players', 'bob', (row) => ({
      ...row,
      score: Number(row?.score) + 5,
    }));
    expect(up).toMatchObject({ outcome: 'written', row: { id: 'bob', score: 15, team: 'blue' } });
    const created = await db.keyedStateUpdate('p', 's', 'players', 'dee', () => ({
      score: 1,
      team: 'blue',
    }));
    expect(created.row).toEqual({ id: 'dee', score: 1, team: 'blue' });
    expect(await db.keyedStateUpdate('p', 's', 'players', 'dee', () => undefined)).toMatchObject({
      outcome: 'deleted',
    });
    expect(await db.keyedStateUpdate('p', 's', 'players', 'dee', () => undefined)).toMatchObject({
      outcome: 'unchanged',
    });
    // Concurrent updates of one key do not lose increments.
    await Promise.all(
      Array.from({ length: 10 }, () =>
        db.keyedStateUpdate('p', 's', 'players', 'cy', (row) => ({
          ...row,
          score: Number(row?.score) + 1,
        })),
      ),
    );
    expect(await db.keyedStateReadField('p', 's', 'players', 'cy', 'score')).toBe(30);
    const red = await db.keyedStateQueryIndex('p', 's', 'players', {
      indexName: 'by_team',
      prefix: ['red'],
    });
    expect(red.rows.map((r) => r.id)).toEqual(['ann', 'cy']);
    const top = await db.keyedStateQueryIndex('p', 's', 'players', {
      indexName: 'by_score',
      order: 'desc',
      limit: 2,
    });
    expect(top.rows.map((r) => r.id)).toEqual(['cy', 'ann']);
    expect(await db.keyedStateIndexRank('p', 's', 'players', 'by_score', 'bob')).toBe(0);
    expect(await db.keyedStateIndexRank('p', 's', 'players', 'by_score', 'bob', 'desc')).toBe(2);
    expect(await db.keyedStateIndexRank('p', 's', 'players', 'by_score', 'zed')).toBeUndefined();
    await expectCallRejects(
      () => db.keyedStateUpdate('p', 's', 'players', 'bob', (row) => ({ ...row, id: 'robert' })),
      ValidationError,
      'VALIDATION',
      "keyedStateUpdate: the updater may not change the key column 'id' of table 'players'",
    );
    expect(await db.keyedStateRead('p', 's', 'players', 'robert')).toBeUndefined();
    await db.keyedStateDelete('p', 's', 'players', 'bob');
    expect(await db.keyedStateRead('p', 's', 'players', 'bob')).toBeUndefined();
    await expectCallRejects(
      () => db.keyedStateRead('p', 's', 'pairs', 1),
      ValidationError,
      'VALIDATION',
      "keyed state: table 'p.s.pairs' has a composite primary key (a, b); keyed state needs a single-column key",
    );
    await expectCallRejects(
      () => db.keyedStateQueryIndex('p', 's', 'players', { indexName: 'missing' }),
      NotFoundError,
      'NOT_FOUND',
      "index 'missing' not found on table 'p.s.players'",
    );
  });
});
