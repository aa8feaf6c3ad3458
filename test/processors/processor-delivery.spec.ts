/**
 * Delivery: order, topic filters, whole commits per batch, events atomic with state, wake-ups
 * from commits (no polling), startFrom, runOnInterval, checkpoint watermarks and lag.
 */
import {
  Query,
  type AedbInstance,
  type OutboxEvent,
  type ProcessorHandlerContext,
} from '../../src/index';
import { emitMany, recorder, sleep, useProcessorFixture, waitFor } from './processor-fixture';

const fx = useProcessorFixture();

async function createHands(db: AedbInstance): Promise<void> {
  await db.createTable({
    projectId: 'p',
    scopeId: 's',
    tableName: 'hands',
    columns: [{ name: 'id', type: 'integer' }],
    primaryKey: ['id'],
  });
}

describe('processor delivery', () => {
  it('delivers every event once, in commit order, with a context', async () => {
    const db = await fx.open();
    const all = recorder();
    const filtered = recorder();
    const contexts: ProcessorHandlerContext[] = [];
    await db.startReactiveProcessor('all', {}, all.handler);
    await db.startReactiveProcessor('only-a', { topicFilter: 'a' }, (events, ctx) => {
      contexts.push(ctx);
      filtered.handler(events);
    });
    await emitMany(db, 'a', 5, 'a');
    await emitMany(db, 'b', 3, 'b');
    const last = await emitMany(db, 'a', 2, 'late');
    await waitFor(() => all.keys().length === 10 && filtered.keys().length === 7, 'delivery');
    expect(all.keys()).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'b0', 'b1', 'b2', 'late0', 'late1']);
    expect(filtered.keys()).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'late0', 'late1']);
    const seqs = all.batches.flat().map((e) => e.commitSeq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    const ctx = contexts[contexts.length - 1];
    expect(ctx.db).toBe(db);
    expect(ctx.processorName).toBe('only-a');
    expect(ctx.attempt).toBe(1);
    expect(ctx.signal.aborted).toBe(false);
    expect(ctx.checkpointSeq).toBe(last);
    await waitFor(
      () => db.reactiveProcessorRuntimeStatus('only-a')?.processedSeq === last,
      'position',
    );
  });

  it('commits events atomically with state: a failing commit emits nothing', async () => {
    const db = await fx.open();
    await createHands(db);
    const seen: { key: string; rowVisible: boolean }[] = [];
    await db.startReactiveProcessor('p1', { topicFilter: 'hand' }, (events, ctx) => {
      for (const e of events) {
        const rows = ctx.db.snapshot().query('p', 's', Query.select('*').from('hands')).rows;
        seen.push({ key: e.eventKey, rowVisible: rows.some((r) => r.id === Number(e.eventKey)) });
      }
    });
    const insert = (id: number) =>
      ({ type: 'insert', projectId: 'p', scopeId: 's', tableName: 'hands', row: { id } }) as const;
    const emit = (key: string) =>
      ({
        type: 'emitEvent',
        projectId: 'p',
        scopeId: 's',
        topic: 'hand',
        eventKey: key,
        payloadJson: '{}',
      }) as const;
    await db.commitMany([insert(1), emit('1')]);
    await expect(db.commitMany([emit('2'), insert(1)])).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
    });
    await db.commitMany([insert(3), emit('3')]);
    await waitFor(() => seen.length === 2, 'two events');
    await sleep(30);
    expect(seen).toEqual([
      { key: '1', rowVisible: true },
      { key: '3', rowVisible: true },
    ]);
  });

  it('never splits a commit across batches, even beyond maxEventsPerRun or maxBytesPerRun', async () => {
    const db = await fx.open();
    const rec = recorder();
    const emitCommit = (seqKey: string, n: number, payload = '{}') =>
      db.commitMany(
        Array.from({ length: n }, (_, i) => ({
          type: 'emitEvent' as const,
          projectId: 'p',
          scopeId: 's',
          topic: 't',
          eventKey: `${seqKey}-${i}`,
          payloadJson: payload,
        })),
      );
    await emitCommit('c1', 5);
    await emitCommit('c2', 1);
    await emitCommit('c3', 3, JSON.stringify({ pad: 'x'.repeat(200) }));
    await emitCommit('c4', 3, JSON.stringify({ pad: 'x'.repeat(200) }));
    await db.startReactiveProcessor('p1', { maxEventsPerRun: 2, maxBytesPerRun: 700 }, rec.handler);
    await waitFor(() => rec.keys().length === 12, 'all events');
    const shape = rec.batches.map((b) => [...new Set(b.map((e) => e.eventKey.split('-')[0]))]);
    // c1 alone (5 events > 2); c2+c3 would be 4 events > 2; c3 alone fits 700 bytes, c3+c4 do not.
    expect(shape).toEqual([['c1'], ['c2'], ['c3'], ['c4']]);
    for (const batch of rec.batches) {
      const bySeq = new Map<number, number>();
      for (const e of batch) bySeq.set(e.commitSeq, (bySeq.get(e.commitSeq) ?? 0) + 1);
      for (const [seq, n] of bySeq) {
        expect(n).toBe(rec.batches.flat().filter((e) => e.commitSeq === seq).length);
      }
    }
  });

  it('is woken by matching commits only: no polling while idle', async () => {
    const db = await fx.open();
    const rec = recorder();
    await db.startReactiveProcessor('p1', { topicFilter: 'mine' }, rec.handler);
    await emitMany(db, 'mine', 1);
    await waitFor(() => rec.keys().length === 1, 'first event');
    await sleep(20);
    const runs = db.reactiveProcessorRuntimeStatus('p1')?.runs;
    await emitMany(db, 'other', 20);
    await db.kvSet('p', 's', 'k', 'v');
    await sleep(150);
    expect(db.reactiveProcessorRuntimeStatus('p1')?.runs).toBe(runs);
    expect(db.reactiveProcessorRuntimeStatus('p1')?.phase).toBe('idle');
    await emitMany(db, 'mine', 1, 'again');
    await waitFor(() => rec.keys().length === 2, 'second event');
  });

  it("starts from 'beginning', 'end' or a seq when it has no checkpoint, else from the checkpoint", async () => {
    const db = await fx.open();
    const mid = await emitMany(db, 't', 3, 'old');
    await emitMany(db, 't', 2, 'older');
    const begin = recorder();
    const end = recorder();
    const fromSeq = recorder();
    await db.startReactiveProcessor('begin', { startFrom: 'beginning' }, begin.handler);
    await db.startReactiveProcessor('end', { startFrom: 'end' }, end.handler);
    await db.startReactiveProcessor('seq', { startFrom: mid }, fromSeq.handler);
    await emitMany(db, 't', 1, 'new');
    await waitFor(
      () => begin.keys().length === 6 && end.keys().length === 1 && fromSeq.keys().length === 3,
      'delivery',
    );
    expect(end.keys()).toEqual(['new0']);
    expect(fromSeq.keys()).toEqual(['older0', 'older1', 'new0']);
    await db.stopReactiveProcessor('end');
    // A restart with another startFrom resumes from the checkpoint.
    const again = recorder();
    await emitMany(db, 't', 1, 'after');
    await db.startReactiveProcessor('end', { startFrom: 'beginning' }, again.handler);
    await waitFor(() => again.keys().length === 1, 'resume');
    await sleep(20);
    expect(again.keys()).toEqual(['after0']);
  });

  it('runs on its interval with no events when runOnInterval is set', async () => {
    const db = await fx.open();
    const calls: number[] = [];
    await db.startReactiveProcessor(
      'tick',
      { runOnInterval: true, runIntervalMs: 20, topicFilter: 'x' },
      (events) => {
        calls.push(events.length);
      },
    );
    await sleep(170);
    const emptyRuns = calls.filter((n) => n === 0).length;
    expect(emptyRuns).toBeGreaterThanOrEqual(3);
    expect(emptyRuns).toBeLessThanOrEqual(12);
    await emitMany(db, 'x', 1);
    await waitFor(() => calls.includes(1), 'event run');
    await db.stopReactiveProcessor('tick');
    const stopped = calls.length;
    await sleep(60);
    expect(calls.length).toBe(stopped);
  });

  it('persists the checkpoint every checkpointWatermarkCommits, and the latest position on stop', async () => {
    const db = await fx.open();
    const rec = recorder();
    const base = (await db.snapshotProbe()) + 4; // the processor's registration comes first
    await db.startReactiveProcessor(
      'wm',
      { checkpointWatermarkCommits: 5, topicFilter: 't' },
      rec.handler,
    );
    for (let i = 0; i < 12; i++) {
      await db.emitEvent('p', 's', 't', `k${i}`, '{}');
      await waitFor(() => rec.keys().length === i + 1, `event ${i}`);
    }
    const status = db.reactiveProcessorRuntimeStatus('wm');
    const checkpoints = (await db.listReactiveProcessors())[0].checkpointSeq;
    expect(status?.processedSeq).toBeGreaterThan(checkpoints);
    expect(status!.processedSeq - checkpoints).toBeLessThan(5 + 3);
    expect(checkpoints).toBeGreaterThanOrEqual(base);
    await db.stopReactiveProcessor('wm');
    // Stopping persists the final position (it may have moved past the status read above).
    const final = (await db.listReactiveProcessors())[0].checkpointSeq;
    expect(final).toBeGreaterThanOrEqual(status!.processedSeq);
    expect((await db.reactiveProcessorLag('wm')).lagCommits).toBe(0);
    expect(final).toBeLessThanOrEqual(await db.snapshotProbe());
  });

  it('acks checkpoints by watermark, never backwards; reset moves them back', async () => {
    const db = await fx.open();
    const head = await emitMany(db, 't', 10);
    expect(await db.ackReactiveProcessorCheckpointBatched('manual', 2, 3)).toEqual({
      processorName: 'manual',
      persisted: false,
      checkpointSeq: 0,
    });
    expect(await db.ackReactiveProcessorCheckpointBatched('manual', 3, 3)).toMatchObject({
      persisted: true,
      checkpointSeq: 3,
    });
    expect(await db.ackReactiveProcessorCheckpointBatched('manual', 5, 3)).toMatchObject({
      persisted: false,
      checkpointSeq: 3,
    });
    expect(await db.ackReactiveProcessorCheckpoint('manual', 8)).toMatchObject({
      persisted: true,
      checkpointSeq: 8,
    });
    expect(await db.ackReactiveProcessorCheckpoint('manual', 4)).toMatchObject({
      persisted: false,
      checkpointSeq: 8,
    });
    expect((await db.reactiveProcessorLag('manual')).checkpointSeq).toBe(8);
    expect(await db.resetReactiveProcessorCheckpoint('manual', 1)).toMatchObject({
      checkpointSeq: 1,
    });
    const db2 = await fx.reopen(db);
    const lag = await db2.reactiveProcessorLag('manual');
    expect(lag).toMatchObject({ checkpointSeq: 1, processedSeq: 1, oldestPendingSeq: 3 });
    expect(lag.lagCommits).toBe(lag.headSeq - 3 + 1);
    expect(head).toBeLessThanOrEqual(lag.headSeq);
  });

  it('reports lag as the commits since the oldest pending event of its topic', async () => {
    const db = await fx.open();
    expect(await db.reactiveProcessorLag('nobody')).toMatchObject({
      checkpointSeq: 0,
      lagCommits: 0,
    });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const handled: OutboxEvent[] = [];
    await db.startReactiveProcessor('slow', { topicFilter: 'mine' }, async (events) => {
      await gate;
      handled.push(...events);
    });
    const first = await emitMany(db, 'mine', 1);
    await emitMany(db, 'other', 4);
    await waitFor(
      () => db.reactiveProcessorRuntimeStatus('slow')?.phase === 'running',
      'handler in flight',
    );
    const lag = await db.reactiveProcessorLag('slow');
    expect(lag.oldestPendingSeq).toBe(first);
    expect(lag.lagCommits).toBe(lag.headSeq - first + 1);
    expect(lag.lagCommits).toBe(5);
    release();
    await waitFor(() => handled.length === 1, 'handled');
    await waitFor(
      async () => (await db.reactiveProcessorLag('slow')).lagCommits === 0,
      'caught up',
    );
    // Unrelated commits never make an idle processor late.
    await emitMany(db, 'other', 5, 'more');
    expect((await db.reactiveProcessorLag('slow')).lagCommits).toBe(0);
  });
});
