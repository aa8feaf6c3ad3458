/**
 * Backpressure: a bounded commit queue (by count and by bytes) rejects the overflow with a
 * typed BACKPRESSURE error, never half-applies anything, and recovers once the queue drains.
 */
import { BackpressureError, type AedbInstance, type CommitResult } from '../../../src/index';
import {
  NO_CHECKPOINT_ON_CLOSE,
  createScope,
  expectAedbError,
  expectRejects,
  nextTurn,
  settle,
  str,
  useEngine,
} from './engine-fixture';

const engine = useEngine();

/** Commit `i` writes two keys atomically. */
function pair(db: AedbInstance, i: number, value = String(i)): Promise<CommitResult> {
  return db.commitMany([
    { type: 'kvSet', projectId: 'p', scopeId: 's', key: `a${i}`, value },
    { type: 'kvSet', projectId: 'p', scopeId: 's', key: `b${i}`, value },
  ]);
}

async function presence(db: AedbInstance, i: number): Promise<[boolean, boolean]> {
  return [
    (await db.kvGet('p', 's', `a${i}`)) !== undefined,
    (await db.kvGet('p', 's', `b${i}`)) !== undefined,
  ];
}

describe('backpressure', () => {
  it('maxQueuedCommits: 4 — of 100 unawaited commits some get BACKPRESSURE, the rest apply whole', async () => {
    const { db, dir } = await engine.fresh({ ...NO_CHECKPOINT_ON_CLOSE, maxQueuedCommits: 4 });
    await createScope(db);
    const before = db.operationalMetrics();
    const pending = [];
    for (let i = 0; i < 100; i++) pending.push(pair(db, i));
    const { ok, failed } = await settle(pending);
    expect(ok.size).toBeGreaterThan(0);
    expect(failed.size).toBeGreaterThan(0);
    expect(ok.size + failed.size).toBe(100);
    expect(ok.size).toBeLessThanOrEqual(4);
    for (const err of failed.values()) {
      const e = expectAedbError(
        err,
        BackpressureError,
        'BACKPRESSURE',
        'maxQueuedCommits=4',
        'retry',
      );
      expect(e.details).toMatchObject({ queueDepth: expect.any(Number) as number });
    }
    const seqs = [...ok.values()].map((r) => r.commitSeq).sort((x, y) => x - y);
    expect(seqs).toEqual(seqs.map((_s, i) => seqs[0] + i));
    for (let i = 0; i < 100; i++) {
      expect(await presence(db, i)).toEqual(ok.has(i) ? [true, true] : [false, false]);
    }
    const after = db.operationalMetrics();
    expect(after.backpressureRejections - before.backpressureRejections).toBe(failed.size);
    expect(after.commitErrors - before.commitErrors).toBe(failed.size);
    expect(after.commitsTotal - before.commitsTotal).toBe(ok.size);
    expect(after.queueDepth).toBe(0);
    expect(after.queuedBytes).toBe(0);

    // The queue drained: commits go through again.
    await pair(db, 1000);
    // And the outcome is durable exactly as acknowledged.
    await db.close();
    const again = await engine.open(dir);
    for (let i = 0; i < 100; i++) {
      expect(await presence(again, i)).toEqual(ok.has(i) ? [true, true] : [false, false]);
    }
    expect(await presence(again, 1000)).toEqual([true, true]);
  });

  it('maxQueuedBytes — large commits beyond the byte budget get BACKPRESSURE naming the limit', async () => {
    const { db } = await engine.fresh({ durabilityMode: 'os', maxQueuedBytes: 8192 });
    await createScope(db);
    const big = 'x'.repeat(1500);
    const pending = [];
    for (let i = 0; i < 20; i++) pending.push(pair(db, i, big));
    const { ok, failed } = await settle(pending);
    expect(ok.size).toBeGreaterThan(0);
    expect(failed.size).toBeGreaterThan(0);
    for (const err of failed.values()) {
      expectAedbError(err, BackpressureError, 'BACKPRESSURE', 'maxQueuedBytes=8192');
    }
    for (let i = 0; i < 20; i++) {
      expect(await presence(db, i)).toEqual(ok.has(i) ? [true, true] : [false, false]);
    }
    const value = await db.kvGet('p', 's', `a${[...ok.keys()][0]}`);
    expect(str(value?.value ?? new Uint8Array())).toBe(big);
    // A single commit larger than the budget still goes through on an empty queue.
    await db.kvSet('p', 's', 'huge', 'y'.repeat(20_000));
  });

  it('counts commits waiting for their fsync (full mode) against the queue', async () => {
    const { db } = await engine.fresh({ durabilityMode: 'full', maxQueuedCommits: 2 });
    await createScope(db);
    const first = [pair(db, 1), pair(db, 2)];
    await nextTurn(); // both applied and written; their fsync is in flight
    await expectRejects(pair(db, 3), BackpressureError, 'BACKPRESSURE', 'maxQueuedCommits=2');
    await Promise.all(first);
    await pair(db, 4);
    expect(await presence(db, 3)).toEqual([false, false]);
    expect(await presence(db, 4)).toEqual([true, true]);
  });
});
