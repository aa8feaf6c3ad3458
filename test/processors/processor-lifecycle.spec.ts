/**
 * Lifecycle: pause/resume, auto-resume after a restart through registerReactiveProcessorHandler,
 * graceful drain on stop and on close (the batch in flight finishes, may still use the
 * database, and its checkpoint is persisted), deletion, and CLOSED after close.
 */
import { ClosedError, type OutboxEvent } from '../../src/index';
import {
  emitMany,
  expectCallRejects,
  recorder,
  sleep,
  useProcessorFixture,
  waitFor,
} from './processor-fixture';

const fx = useProcessorFixture();

/** A handler whose calls block until `release()`; `entered` resolves when one is in flight. */
function gated(): {
  handler: (events: readonly OutboxEvent[], ctx: { signal: AbortSignal }) => Promise<void>;
  release: () => void;
  inFlight: () => boolean;
  sawAbort: () => boolean;
  done: string[];
} {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  let inFlight = false;
  let sawAbort = false;
  const done: string[] = [];
  return {
    handler: async (events, ctx) => {
      inFlight = true;
      await gate;
      sawAbort = ctx.signal.aborted;
      done.push(...events.map((e) => e.eventKey));
      inFlight = false;
    },
    release: () => open(),
    inFlight: () => inFlight,
    sawAbort: () => sawAbort,
    done,
  };
}

describe('processor lifecycle', () => {
  it('pauses (durably disabled, nothing delivered) and resumes where it left off', async () => {
    const db = await fx.open();
    const rec = recorder();
    await db.startReactiveProcessor('p1', { topicFilter: 't' }, rec.handler);
    await emitMany(db, 't', 2, 'a');
    await waitFor(() => rec.keys().length === 2, 'before pause');
    await db.pauseReactiveProcessor('p1');
    expect(await db.listReactiveProcessors()).toMatchObject([
      { enabled: false, running: false, handlerAttached: true },
    ]);
    expect((await db.reactiveProcessorHealth('p1')).state).toBe('paused');
    await emitMany(db, 't', 2, 'b');
    await sleep(50);
    expect(rec.keys()).toEqual(['a0', 'a1']);
    expect(await db.resumeReactiveProcessor('p1')).toBe(true);
    await waitFor(() => rec.keys().length === 4, 'after resume');
    expect(rec.keys()).toEqual(['a0', 'a1', 'b0', 'b1']);
    expect(await db.resumeReactiveProcessor('p1')).toBe(true);
    // Stop keeps the registration enabled; stopping a stopped processor is a no-op.
    await db.stopReactiveProcessor('p1');
    await db.stopReactiveProcessor('p1');
    expect((await db.reactiveProcessorHealth('p1')).state).toBe('stopped');
    expect(await db.listReactiveProcessors()).toMatchObject([{ enabled: true, running: false }]);
  });

  it('auto-resumes an enabled processor after a restart when its handler is registered', async () => {
    const db = await fx.open();
    const before = recorder();
    await db.startReactiveProcessor('auto', { topicFilter: 't', maxRetries: 9 }, before.handler);
    await db.startReactiveProcessor('paused', { topicFilter: 't' }, () => undefined);
    await db.pauseReactiveProcessor('paused');
    await emitMany(db, 't', 3, 'old');
    await waitFor(() => before.keys().length === 3, 'first run');
    const db2 = await fx.reopen(db);
    await emitMany(db2, 't', 2, 'new');
    const after = recorder();
    expect(await db2.registerReactiveProcessorHandler('auto', after.handler)).toBe(true);
    expect(await db2.registerReactiveProcessorHandler('paused', () => undefined)).toBe(false);
    await waitFor(() => after.keys().length === 2, 'resumed run');
    await sleep(20);
    expect(after.keys()).toEqual(['new0', 'new1']);
    const list = await db2.listReactiveProcessors();
    expect(list.map((p) => [p.processorName, p.enabled, p.running, p.options.maxRetries])).toEqual([
      ['auto', true, true, 9],
      ['paused', false, false, 3],
    ]);
    expect(await db2.resumeReactiveProcessor('paused')).toBe(true);
    // A processor whose handler is not attached here is enabled but cannot run yet.
    const db3 = await fx.reopen(db2);
    await db3.pauseReactiveProcessor('auto');
    expect(await db3.resumeReactiveProcessor('auto')).toBe(false);
    expect(await db3.listReactiveProcessors()).toMatchObject([
      { processorName: 'auto', enabled: true, running: false },
      {},
    ]);
  });

  it('drains on stop: the batch in flight finishes with its signal aborted, and is acknowledged', async () => {
    const db = await fx.open();
    const g = gated();
    await db.startReactiveProcessor('drain', { topicFilter: 't' }, g.handler);
    const seq = await emitMany(db, 't', 1);
    await waitFor(g.inFlight, 'handler in flight');
    let stopped = false;
    const stopping = db.stopReactiveProcessor('drain').then(() => (stopped = true));
    await sleep(30);
    expect(stopped).toBe(false);
    g.release();
    await stopping;
    expect(g.done).toEqual(['k0']);
    expect(g.sawAbort()).toBe(true);
    expect((await db.listReactiveProcessors())[0].checkpointSeq).toBeGreaterThanOrEqual(seq);
    const again = recorder();
    await db.startReactiveProcessor('drain', { topicFilter: 't' }, again.handler);
    await sleep(30);
    expect(again.keys()).toEqual([]);
  });

  it('stops at once during a retry backoff; that batch is delivered again later', async () => {
    const db = await fx.open();
    let calls = 0;
    await db.startReactiveProcessor('backoff', { retryBackoffMs: 10_000 }, () => {
      calls++;
      throw new Error('down');
    });
    await emitMany(db, 't', 1);
    await waitFor(
      () => db.reactiveProcessorRuntimeStatus('backoff')?.phase === 'retrying',
      'retrying',
    );
    const t0 = Date.now();
    await db.stopReactiveProcessor('backoff');
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(calls).toBe(1);
    const rec = recorder();
    expect(await db.resumeReactiveProcessor('backoff')).toBe(true);
    await db.stopReactiveProcessor('backoff');
    await db.startReactiveProcessor('backoff', {}, rec.handler);
    await waitFor(() => rec.keys().length === 1, 'redelivery');
  });

  it('drains on close: the handler may still use the database; its effects and checkpoint survive', async () => {
    const dir = fx.dir();
    const db = await fx.open(dir);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inFlight = false;
    let completed = false;
    const completes = new Set<string>();
    db.processorErrors$.subscribe({ complete: () => completes.add('processorErrors$') });
    await db.startReactiveProcessor('closer', { topicFilter: 't' }, async (events, ctx) => {
      inFlight = true;
      await gate;
      const snap = ctx.db.snapshot();
      expect(snap.seq).toBeGreaterThan(0);
      await ctx.db.kvSet('p', 's', `handled/${events[0].eventKey}`, 'yes');
      await ctx.commit([
        { type: 'kvSet', projectId: 'p', scopeId: 's', key: 'exactly-once', value: 'yes' },
      ]);
      completed = true;
    });
    const seq = await emitMany(db, 't', 1);
    await waitFor(() => inFlight, 'handler in flight');
    const closing = db.close();
    // While the handler drains, the database still serves calls; new processors cannot start.
    expect(await db.kvGet('p', 's', 'nothing')).toBeUndefined();
    await expectCallRejects(
      () => db.startReactiveProcessor('late', {}, () => undefined),
      ClosedError,
      'CLOSED',
      'closed',
    );
    release();
    await closing;
    expect(completed).toBe(true);
    expect(completes.has('processorErrors$')).toBe(true);
    await expectCallRejects(
      () => db.kvGet('p', 's', 'x'),
      ClosedError,
      'CLOSED',
      'the database is closed',
    );
    await expectCallRejects(() => db.listReactiveProcessors(), ClosedError, 'CLOSED', 'closed');
    await expectCallRejects(
      () => db.reactiveProcessorHealth('closer'),
      ClosedError,
      'CLOSED',
      'closed',
    );
    const db2 = await fx.open(dir);
    expect((await db2.kvGet('p', 's', 'handled/k0'))?.value).toEqual(Buffer.from('yes'));
    expect((await db2.kvGet('p', 's', 'exactly-once'))?.value).toEqual(Buffer.from('yes'));
    expect((await db2.listReactiveProcessors())[0].checkpointSeq).toBeGreaterThanOrEqual(seq);
    const again = recorder();
    expect(await db2.registerReactiveProcessorHandler('closer', again.handler)).toBe(true);
    await sleep(30);
    expect(again.keys()).toEqual([]);
  });

  it('deletes a registration and its checkpoint', async () => {
    const db = await fx.open();
    const rec = recorder();
    await db.startReactiveProcessor('gone', {}, rec.handler);
    await emitMany(db, 't', 2);
    await waitFor(() => rec.keys().length === 2, 'delivery');
    await db.deleteReactiveProcessor('gone');
    expect(await db.listReactiveProcessors()).toEqual([]);
    expect((await db.reactiveProcessorLag('gone')).checkpointSeq).toBe(0);
    const fresh = recorder();
    await db.startReactiveProcessor('gone', {}, fresh.handler);
    await waitFor(() => fresh.keys().length === 2, 'from the beginning again');
  });

  it('makes every processor call fail with CLOSED after close', async () => {
    const db = await fx.open();
    await db.startReactiveProcessor('x', {}, () => undefined);
    await db.close();
    const calls: [string, () => Promise<unknown>][] = [
      ['start', () => db.startReactiveProcessor('y', {}, () => undefined)],
      ['stop', () => db.stopReactiveProcessor('x')],
      ['pause', () => db.pauseReactiveProcessor('x')],
      ['resume', () => db.resumeReactiveProcessor('x')],
      ['register', () => db.registerReactiveProcessorHandler('x', () => undefined)],
      ['delete', () => db.deleteReactiveProcessor('x')],
      ['list', () => db.listReactiveProcessors()],
      ['ack', () => db.ackReactiveProcessorCheckpoint('x', 1)],
      ['ackBatched', () => db.ackReactiveProcessorCheckpointBatched('x', 1, 1)],
      ['lag', () => db.reactiveProcessorLag('x')],
      ['health', () => db.reactiveProcessorHealth('x')],
      ['slo', () => db.reactiveProcessorSloStatus('x')],
      ['slos', () => db.listReactiveProcessorSloStatuses()],
      ['enforce', () => db.enforceReactiveProcessorSlos()],
      ['listDeadLetters', () => db.listReactiveProcessorDeadLetters('x')],
      ['replay', () => db.replayReactiveProcessorDeadLetters('x')],
      ['purge', () => db.purgeReactiveProcessorDeadLetters('x')],
      ['processorCommit', () => db.processorCommit('x', 1, [])],
      ['processorPull', () => db.processorPull('t', 'x', 1)],
      [
        'effectBatch',
        () =>
          db.commitEffectBatch('p', 's', {
            events: [{ topic: 't', eventKey: 'k', payloadJson: '{}' }],
          }),
      ],
      ['keyedStateRead', () => db.keyedStateRead('p', 's', 't', 1)],
      ['compactEvents', () => db.compactEvents({ keepLast: 1 })],
    ];
    for (const [name, call] of calls) {
      try {
        await expectCallRejects(call, ClosedError, 'CLOSED', 'the database is closed');
      } catch (err) {
        throw new Error(`${name}: ${String(err)}`);
      }
    }
    expect(() => db.reactiveProcessorRuntimeStatus('x')).toThrow(ClosedError);
  });

  it('abandons a handler that ignores its signal after stopTimeoutMs: close() returns, the batch is delivered again', async () => {
    const db = await fx.open();
    const errors: string[] = [];
    db.processorErrors$.subscribe((e) => errors.push(`${e.phase}: ${e.error.message}`));
    let calls = 0;
    // Never settles and never looks at ctx.signal.
    const stuck = () => {
      calls++;
      return new Promise<void>(() => undefined);
    };
    await db.startReactiveProcessor('stuck', { topicFilter: 't', stopTimeoutMs: 50 }, stuck);
    await emitMany(db, 't', 1, 'x');
    await waitFor(() => calls === 1, 'handler entered');
    const started = Date.now();
    const again = await fx.reopen(db);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(errors).toEqual([
      expect.stringMatching(/^stop: .*did not finish within stopTimeoutMs \(50 ms\)/),
    ]);
    // The abandoned batch was never acknowledged: the next start delivers it again.
    const rec = recorder();
    expect(await again.registerReactiveProcessorHandler('stuck', rec.handler)).toBe(true);
    await waitFor(() => rec.keys().length === 1, 'redelivery');
    expect(rec.keys()).toEqual(['x0']);
  });
});
