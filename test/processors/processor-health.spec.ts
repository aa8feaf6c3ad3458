/**
 * Health and SLOs: lag and stall breaches, states (running / paused / failing / stalled /
 * stopped), enforceReactiveProcessorSlos throwing UNAVAILABLE with the breaching processors.
 */
import { UnavailableError } from '../../src/index';
import {
  emitMany,
  expectCallRejects,
  sleep,
  useProcessorFixture,
  waitFor,
} from './processor-fixture';

const fx = useProcessorFixture();

function gate(): { wait: () => Promise<void>; release: () => void } {
  let release!: () => void;
  const p = new Promise<void>((r) => (release = r));
  return { wait: () => p, release: () => release() };
}

describe('processor health and SLOs', () => {
  it('detects a lag breach and names the breaching processor when enforcing', async () => {
    const db = await fx.open();
    const g = gate();
    let entered = false;
    await db.startReactiveProcessor(
      'laggy',
      { topicFilter: 't', maxAllowedLagCommits: 3 },
      async () => {
        entered = true;
        await g.wait();
      },
    );
    await db.startReactiveProcessor(
      'fine',
      { topicFilter: 't', maxAllowedLagCommits: 100 },
      () => undefined,
    );
    await emitMany(db, 't', 1, 'first');
    await waitFor(() => entered, 'handler in flight');
    await emitMany(db, 't', 4, 'more');
    const slo = await db.reactiveProcessorSloStatus('laggy');
    expect(slo).toMatchObject({
      processorName: 'laggy',
      enabled: true,
      running: true,
      lagBreached: true,
      stallBreached: false,
      breached: true,
      maxAllowedLagCommits: 3,
      maxAllowedStallMs: undefined,
    });
    expect(slo.lagCommits).toBeGreaterThanOrEqual(5);
    expect(slo.reasons).toEqual([`lag ${slo.lagCommits} commits > maxAllowedLagCommits 3`]);
    const err = await expectCallRejects(
      () => db.enforceReactiveProcessorSlos(),
      UnavailableError,
      'UNAVAILABLE',
      /^reactive processor SLOs breached: laggy \(lag \d+ commits > maxAllowedLagCommits 3\)$/,
    );
    expect(err.details.processors).toEqual(['laggy']);
    const all = await db.listReactiveProcessorSloStatuses();
    expect(all.map((s) => [s.processorName, s.breached])).toEqual([
      ['fine', false],
      ['laggy', true],
    ]);
    g.release();
    await waitFor(
      async () => (await db.reactiveProcessorLag('laggy')).lagCommits === 0,
      'caught up',
    );
    expect((await db.enforceReactiveProcessorSlos()).every((s) => !s.breached)).toBe(true);
  });

  it('detects a stall: events pending without progress for longer than maxAllowedStallMs', async () => {
    const db = await fx.open();
    const g = gate();
    let entered = false;
    await db.startReactiveProcessor(
      'stuck',
      { maxAllowedStallMs: 60, maxRunDurationMs: 20 },
      async () => {
        entered = true;
        await g.wait();
      },
    );
    await emitMany(db, 't', 1);
    await waitFor(() => entered, 'handler in flight');
    expect((await db.reactiveProcessorHealth('stuck')).state).toBe('running');
    await sleep(100);
    const health = await db.reactiveProcessorHealth('stuck');
    expect(health.state).toBe('stalled');
    expect(health.stallMs).toBeGreaterThan(60);
    expect(health.runtime?.phase).toBe('running');
    expect(health.runtime?.currentRunStartedAtMs).toBeLessThanOrEqual(Date.now() - 60);
    await expectCallRejects(
      () => db.enforceReactiveProcessorSlos(),
      UnavailableError,
      'UNAVAILABLE',
      /^reactive processor SLOs breached: stuck \(stalled \d+ ms > maxAllowedStallMs 60\)$/,
    );
    g.release();
    await waitFor(
      async () => (await db.reactiveProcessorHealth('stuck')).state === 'running',
      'recovered',
    );
    const after = await db.reactiveProcessorHealth('stuck');
    expect(after.stallMs).toBe(0);
    expect(after.runtime?.overruns).toBe(1);
    expect(after.runtime?.longestRunDurationMs).toBeGreaterThan(60);
  });

  it('reports an enabled processor whose handler was not registered after a restart, but not a paused one', async () => {
    const db = await fx.open();
    await db.startReactiveProcessor(
      'orphan',
      { maxAllowedStallMs: 30, maxAllowedLagCommits: 1000 },
      () => undefined,
    );
    await db.startReactiveProcessor('resting', { maxAllowedLagCommits: 0 }, () => undefined);
    await db.pauseReactiveProcessor('resting');
    const db2 = await fx.reopen(db);
    await emitMany(db2, 't', 2);
    await sleep(60);
    const orphan = await db2.reactiveProcessorHealth('orphan');
    expect(orphan).toMatchObject({
      state: 'stopped',
      enabled: true,
      running: false,
      runtime: undefined,
      lastError: undefined,
    });
    expect(orphan.lagCommits).toBeGreaterThan(0);
    expect(orphan.stallMs).toBeGreaterThan(30);
    const resting = await db2.reactiveProcessorSloStatus('resting');
    expect(resting).toMatchObject({ enabled: false, lagBreached: true, breached: true });
    const err = await expectCallRejects(
      () => db2.enforceReactiveProcessorSlos(),
      UnavailableError,
      'UNAVAILABLE',
      /^reactive processor SLOs breached: orphan \(stalled \d+ ms > maxAllowedStallMs 30\)$/,
    );
    expect(err.details.processors).toEqual(['orphan']);
  });

  it('reports counters, timestamps and the checkpoint in health', async () => {
    const db = await fx.open();
    const t0 = Date.now();
    await db.startReactiveProcessor('counted', { checkpointWatermarkCommits: 1 }, () => undefined);
    const seq = await emitMany(db, 't', 3);
    await waitFor(
      async () => (await db.reactiveProcessorHealth('counted')).checkpointSeq >= seq,
      'checkpoint',
    );
    const h = await db.reactiveProcessorHealth('counted');
    expect(h).toMatchObject({
      processorName: 'counted',
      state: 'running',
      enabled: true,
      running: true,
      lagCommits: 0,
      oldestPendingSeq: undefined,
      stallMs: 0,
    });
    expect(h.checkpointUpdatedAtMicros).toBeGreaterThanOrEqual(t0 * 1000);
    expect(h.runtime).toMatchObject({
      eventsHandled: 3,
      failures: 0,
      deadLetteredEvents: 0,
      topicFilter: undefined,
    });
    expect(h.runtime?.startedAtMs).toBeGreaterThanOrEqual(t0);
    expect(h.runtime?.lastSuccessAtMs).toBeGreaterThanOrEqual(h.runtime!.startedAtMs);
  });
});
