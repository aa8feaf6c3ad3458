/**
 * Event retention: compactEvents by age and keep-last, whole commits only, never past a
 * processor checkpoint unless told so, bounded per run.
 */
import { ValidationError, type AedbInstance, type OutboxEvent } from '../../src/index';
import { emitMany, expectCallRejects, sleep, useProcessorFixture } from './processor-fixture';

const fx = useProcessorFixture();

async function allEvents(db: AedbInstance): Promise<OutboxEvent[]> {
  const out: OutboxEvent[] = [];
  let from = 0;
  for (;;) {
    const page = await db.readEventStream(undefined, from, 1000);
    out.push(...page.events);
    if (!page.hasMore) return out;
    from = page.nextCommitSeq as number;
  }
}

describe('compactEvents', () => {
  it('keeps the newest events, whole commits, and respects processor checkpoints', async () => {
    const db = await fx.open();
    await emitMany(db, 't', 6, 'a');
    const pair = await db.commitMany([
      {
        type: 'emitEvent',
        projectId: 'p',
        scopeId: 's',
        topic: 't',
        eventKey: 'pair1',
        payloadJson: '{}',
      },
      {
        type: 'emitEvent',
        projectId: 'p',
        scopeId: 's',
        topic: 'u',
        eventKey: 'pair2',
        payloadJson: '{}',
      },
    ]);
    await emitMany(db, 't', 2, 'z');
    // A processor at the pair's commit holds everything after it.
    await db.ackReactiveProcessorCheckpoint('reader', pair.commitSeq - 4);
    const held = await db.compactEvents({ keepLast: 3 });
    expect(held).toMatchObject({
      pruned: 3,
      retainedByCheckpointSeq: pair.commitSeq - 4,
      hasMore: false,
    });
    expect((await allEvents(db)).map((e) => e.eventKey)).toEqual([
      'a3',
      'a4',
      'a5',
      'pair1',
      'pair2',
      'z0',
      'z1',
    ]);
    // keepLast 3 keeps z0, z1 and the whole pair commit (4 events).
    const free = await db.compactEvents({ keepLast: 3, respectProcessorCheckpoints: false });
    expect(free).toMatchObject({
      pruned: 3,
      cutoffSeq: pair.commitSeq - 1,
      retainedByCheckpointSeq: undefined,
    });
    expect((await allEvents(db)).map((e) => e.eventKey)).toEqual(['pair1', 'pair2', 'z0', 'z1']);
    // The topic index follows.
    expect((await db.readEventStream('u', 0, 10)).events.map((e) => e.eventKey)).toEqual(['pair2']);
  });

  it('removes events older than maxAgeMs, at most maxPrunePerRun per call', async () => {
    const db = await fx.open();
    await emitMany(db, 't', 5, 'old');
    await sleep(40);
    await emitMany(db, 't', 2, 'new');
    const first = await db.compactEvents({ maxAgeMs: 30, maxPrunePerRun: 3 });
    expect(first).toMatchObject({ pruned: 3, hasMore: true });
    const second = await db.compactEvents({ maxAgeMs: 30, maxPrunePerRun: 3 });
    expect(second).toMatchObject({ pruned: 2, hasMore: false });
    expect((await allEvents(db)).map((e) => e.eventKey)).toEqual(['new0', 'new1']);
    expect((await db.compactEvents({ maxAgeMs: 30 })).pruned).toBe(0);
  });

  it("prunes what every processor has passed (startFrom 'end' passes older events); validates the policy", async () => {
    const db = await fx.open();
    await emitMany(db, 't', 3);
    await db.startReactiveProcessor('waiting', { startFrom: 'end' }, () => undefined);
    await db.stopReactiveProcessor('waiting');
    expect((await db.compactEvents({ keepLast: 0 })).pruned).toBe(3);
    await expectCallRejects(
      () => db.compactEvents({}),
      ValidationError,
      'VALIDATION',
      'compactEvents: the policy needs maxAgeMs or keepLast (or both)',
    );
    await expectCallRejects(
      () => db.compactEvents({ keepLast: -1 }),
      ValidationError,
      'VALIDATION',
      'compactEvents policy.keepLast: expected an integer from 0 to',
    );
    await expectCallRejects(
      () => db.compactEvents({ maxAgeMs: 1, respectProcessorCheckpoints: 'yes' as never }),
      ValidationError,
      'VALIDATION',
      'compactEvents policy.respectProcessorCheckpoints: expected a boolean, got string',
    );
  });
});
