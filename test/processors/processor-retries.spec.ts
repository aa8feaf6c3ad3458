/**
 * Failures: retries with exponential backoff, dead letters (with the checkpoint moved past them
 * in the same commit), non-retryable errors, replay and purge of dead letters, and the error
 * stream. A handler error never stops the processor.
 */
import {
  NonRetryableProcessorError,
  NotFoundError,
  ValidationError,
  type OutboxEvent,
  type ReactiveProcessorErrorEvent,
} from '../../src/index';
import { emitMany, expectCallRejects, useProcessorFixture, waitFor } from './processor-fixture';

const fx = useProcessorFixture();

describe('processor retries and dead letters', () => {
  it('retries with exponential backoff, reporting each failure, then succeeds', async () => {
    const db = await fx.open();
    const errors: ReactiveProcessorErrorEvent[] = [];
    db.processorErrors$.subscribe((e) => errors.push(e));
    const attempts: { attempt: number; at: number }[] = [];
    await db.startReactiveProcessor(
      'flaky',
      { maxRetries: 3, retryBackoffMs: 40 },
      (_events, ctx) => {
        attempts.push({ attempt: ctx.attempt, at: performance.now() });
        if (ctx.attempt < 4) throw new Error(`attempt ${ctx.attempt} failed`);
      },
    );
    const seq = await emitMany(db, 't', 1);
    await waitFor(
      () => db.reactiveProcessorRuntimeStatus('flaky')?.phase === 'retrying',
      'retrying',
    );
    const health = await db.reactiveProcessorHealth('flaky');
    expect(health.state).toBe('failing');
    expect(health.lastError).toMatchObject({
      phase: 'handler',
      message: 'attempt 1 failed',
      attempt: 1,
    });
    expect(health.runtime?.nextRetryAtMs).toBeGreaterThan(Date.now() - 5);
    await waitFor(() => attempts.length === 4, 'fourth attempt', 3000);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i].at);
    // 40 * 2^(attempt-1): 40, 80, 160 ms (timers may fire a little early or late).
    expect(gaps[0]).toBeGreaterThanOrEqual(38);
    expect(gaps[1]).toBeGreaterThanOrEqual(78);
    expect(gaps[2]).toBeGreaterThanOrEqual(158);
    expect(gaps[2]).toBeLessThan(1000);
    expect(errors.map((e) => [e.attempt, e.willRetry, e.deadLettered])).toEqual([
      [1, true, false],
      [2, true, false],
      [3, true, false],
    ]);
    expect(errors[0]).toMatchObject({
      processorName: 'flaky',
      phase: 'handler',
      events: 1,
      firstSeq: seq,
      lastSeq: seq,
    });
    expect(errors[0].error.message).toBe('attempt 1 failed');
    await waitFor(
      async () => (await db.reactiveProcessorHealth('flaky')).state === 'running',
      'healthy again',
    );
    expect(db.reactiveProcessorRuntimeStatus('flaky')).toMatchObject({
      runs: 4,
      failures: 3,
      retries: 3,
      eventsHandled: 1,
      consecutiveFailures: 0,
      deadLetteredEvents: 0,
    });
    expect(await db.listReactiveProcessorDeadLetters('flaky')).toMatchObject({ deadLetters: [] });
  });

  it('dead-letters an exhausted batch and moves the checkpoint past it in the same commit', async () => {
    const db = await fx.open();
    const seen: string[] = [];
    await db.startReactiveProcessor(
      'poison',
      { maxRetries: 2, retryBackoffMs: 5, checkpointWatermarkCommits: 1000 },
      (events) => {
        for (const e of events) {
          seen.push(e.eventKey);
          if (e.eventKey === 'bad')
            throw new Error('cannot digest', { cause: new Error('root cause') });
        }
      },
    );
    await waitFor(() => db.reactiveProcessorRuntimeStatus('poison')?.phase === 'idle', 'idle');
    const badSeq = (await db.emitEvent('p', 's', 't', 'bad', '{"x":1}')).commitSeq;
    await waitFor(
      async () => (await db.listReactiveProcessorDeadLetters('poison')).deadLetters.length === 1,
      'dead letter',
    );
    // The dead letter and the checkpoint came in one commit, right after the event's commit.
    expect(await db.snapshotProbe()).toBe(badSeq + 1);
    expect((await db.listReactiveProcessors())[0].checkpointSeq).toBe(badSeq);
    const page = await db.listReactiveProcessorDeadLetters('poison');
    expect(page.deadLetters[0]).toEqual({
      processorName: 'poison',
      commitSeq: badSeq,
      eventKey: 'bad',
      topic: 't',
      payloadJson: '{"x":1}',
      error: 'Error: cannot digest <- caused by Error: root cause',
      attempts: 3,
      failedAtMicros: expect.any(Number) as number,
    });
    expect(seen).toEqual(['bad', 'bad', 'bad']);
    // The poison batch does not stall what follows.
    await emitMany(db, 't', 2, 'good');
    await waitFor(() => seen.includes('good1'), 'later events');
    expect(db.reactiveProcessorRuntimeStatus('poison')).toMatchObject({
      deadLetteredEvents: 1,
      deadLetteredBatches: 1,
      consecutiveFailures: 0,
    });
  });

  it('dead-letters at once on NonRetryableProcessorError', async () => {
    const db = await fx.open();
    const errors: ReactiveProcessorErrorEvent[] = [];
    db.processorErrors$.subscribe((e) => errors.push(e));
    let calls = 0;
    await db.startReactiveProcessor('strict', { maxRetries: 5, retryBackoffMs: 1000 }, () => {
      calls++;
      throw new NonRetryableProcessorError('malformed order', { cause: new TypeError('no total') });
    });
    await emitMany(db, 't', 1);
    await waitFor(
      async () => (await db.listReactiveProcessorDeadLetters('strict')).deadLetters.length === 1,
      'dead letter',
    );
    expect(calls).toBe(1);
    const [letter] = (await db.listReactiveProcessorDeadLetters('strict')).deadLetters;
    expect(letter.attempts).toBe(1);
    expect(letter.error).toBe(
      'NonRetryableProcessorError: malformed order <- caused by TypeError: no total',
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ attempt: 1, willRetry: false, deadLettered: true });
    expect(errors[0].error).toBeInstanceOf(NonRetryableProcessorError);
    expect(new NonRetryableProcessorError('x')).toBeInstanceOf(Error);
  });

  it('replays dead letters through the handler: accepted ones go, failing ones stay with attempts + 1', async () => {
    const db = await fx.open();
    let broken = true;
    const handled: string[] = [];
    let lastEvents: OutboxEvent[] = [];
    await db.startReactiveProcessor(
      'rep',
      { maxRetries: 0, topicFilter: 't' },
      async (events, ctx) => {
        if (broken || events.some((e) => e.eventKey === 'k2')) throw new Error('still broken');
        handled.push(...events.map((e) => e.eventKey));
        lastEvents = [...events];
        await ctx.commit(
          events.map((e) => ({
            type: 'kvSet' as const,
            projectId: 'p',
            scopeId: 's',
            key: `done/${e.eventKey}`,
            value: '1',
          })),
        );
      },
    );
    for (let i = 0; i < 3; i++) {
      await db.emitEvent('p', 's', 't', `k${i}`, JSON.stringify({ i }));
      await waitFor(
        async () => (await db.listReactiveProcessorDeadLetters('rep')).deadLetters.length === i + 1,
        `dead letter ${i}`,
      );
    }
    broken = false;
    const report = await db.replayReactiveProcessorDeadLetters('rep', { eventKey: 'k0' });
    expect(report).toEqual({ replayed: 1, failed: 0, hasMore: false });
    expect(handled).toEqual(['k0']);
    expect((await db.kvGet('p', 's', 'done/k0'))?.value).toEqual(Buffer.from('1'));
    // Events come from the outbox with their original scope and time.
    expect(lastEvents).toEqual([
      expect.objectContaining({
        projectId: 'p',
        scopeId: 's',
        topic: 't',
        eventKey: 'k0',
        payloadJson: '{"i":0}',
      }),
    ]);
    expect(lastEvents[0].timestampMicros).toBeGreaterThan(0);
    const all = await db.replayReactiveProcessorDeadLetters('rep');
    expect(all).toEqual({ replayed: 0, failed: 2, hasMore: false });
    const left = (await db.listReactiveProcessorDeadLetters('rep')).deadLetters;
    expect(left.map((d) => [d.eventKey, d.attempts, d.error])).toEqual([
      ['k1', 2, 'Error: still broken'],
      ['k2', 2, 'Error: still broken'],
    ]);
    expect(await db.replayReactiveProcessorDeadLetters('rep', { eventKey: 'k1' })).toMatchObject({
      replayed: 1,
    });
    expect(await db.purgeReactiveProcessorDeadLetters('rep', { eventKey: 'nope' })).toBe(0);
    expect(await db.purgeReactiveProcessorDeadLetters('rep')).toBe(1);
    expect((await db.listReactiveProcessorDeadLetters('rep')).deadLetters).toEqual([]);
    expect(handled).toEqual(['k0', 'k1']);
  });

  it('lists dead letters page by page and validates filters; replay needs a handler here', async () => {
    const db = await fx.open();
    await db.startReactiveProcessor('dl', { maxRetries: 0 }, () => {
      throw new Error('no');
    });
    const seqs: number[] = [];
    for (let i = 0; i < 5; i++)
      seqs.push((await db.emitEvent('p', 's', 't', `k${i}`, '{}')).commitSeq);
    const last = seqs[4];
    await waitFor(
      async () =>
        (await db.listReactiveProcessorDeadLetters('dl', { limit: 10 })).deadLetters.length === 5,
      'letters',
    );
    const first = await db.listReactiveProcessorDeadLetters('dl', { limit: 2 });
    expect(first.deadLetters).toHaveLength(2);
    expect(first.hasMore).toBe(true);
    const next = await db.listReactiveProcessorDeadLetters('dl', {
      limit: 10,
      fromCommitSeqExclusive: first.deadLetters[1].commitSeq,
    });
    expect(next.deadLetters.map((d) => d.commitSeq)).toEqual(seqs.slice(2));
    expect(next.hasMore).toBe(false);
    await expectCallRejects(
      () => db.listReactiveProcessorDeadLetters('dl', { limit: 0 }),
      ValidationError,
      'VALIDATION',
      'dead letter filter limit: expected an integer from 1 to 10000, got 0',
    );
    await expectCallRejects(
      () => db.purgeReactiveProcessorDeadLetters('dl', { commitSeq: -2 }),
      ValidationError,
      'VALIDATION',
      'dead letter filter commitSeq: expected a non-negative integer commit seq, got -2',
    );
    expect(await db.purgeReactiveProcessorDeadLetters('dl', { commitSeq: last })).toBe(1);
    const db2 = await fx.reopen(db);
    await expectCallRejects(
      () => db2.replayReactiveProcessorDeadLetters('dl'),
      NotFoundError,
      'NOT_FOUND',
      "reactive processor 'dl' has no handler in this process: call registerReactiveProcessorHandler first",
    );
  });

  it('keeps both dead letters when one commit has the same event key under two topics', async () => {
    const db = await fx.open();
    let fail = true;
    const replayed: string[] = [];
    await db.startReactiveProcessor('twin', { maxRetries: 0 }, (events) => {
      if (fail) throw new Error('nope');
      replayed.push(...events.map((e) => `${e.topic}/${e.eventKey}`));
    });
    const emit = (topic: string) =>
      ({
        type: 'emitEvent',
        projectId: 'p',
        scopeId: 's',
        topic,
        eventKey: 'dup',
        payloadJson: '{}',
      }) as const;
    await db.commitMany([emit('a'), emit('b')]);
    await waitFor(
      async () => (await db.listReactiveProcessorDeadLetters('twin')).deadLetters.length === 2,
      'two dead letters',
    );
    const letters = (await db.listReactiveProcessorDeadLetters('twin')).deadLetters;
    expect(letters.map((d) => [d.topic, d.eventKey])).toEqual([
      ['a', 'dup'],
      ['b', 'dup\u0000b'],
    ]);
    fail = false;
    expect(await db.replayReactiveProcessorDeadLetters('twin')).toMatchObject({
      replayed: 2,
      failed: 0,
    });
    expect(replayed).toEqual(['a/dup', 'b/dup']);
    expect((await db.listReactiveProcessorDeadLetters('twin')).deadLetters).toEqual([]);
  });
});
