import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AedbInstance,
  AlreadyExistsError,
  NotFoundError,
  ValidationError,
  type AedbConfigInput,
  type OutboxEvent,
} from '../../../src/index';

const CONFIG: AedbConfigInput = { durabilityMode: 'os' };
let dir: string;
let db: AedbInstance;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aedb-events-'));
  db = await AedbInstance.open(dir, CONFIG);
  await db.createProject('casino');
  await db.createScope('casino', 'app');
  await db.createScope('casino', 'eu');
});
afterEach(async () => {
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function readAll(topic?: string, pageSize = 1000): Promise<OutboxEvent[]> {
  const out: OutboxEvent[] = [];
  let from = 0;
  for (;;) {
    const page = await db.readEventStream(topic, from, pageSize);
    out.push(...page.events);
    if (!page.hasMore) return out;
    from = page.nextCommitSeq as number;
  }
}

describe('events', () => {
  it('stores an emitted event with its commit seq, time, scope and payload', async () => {
    const before = Date.now() * 1000;
    const { commitSeq } = await db.emitEvent(
      'casino',
      'app',
      'hand_settled',
      'hand_42',
      '{"pnl":-120}',
    );
    const page = await db.readEventStream(undefined, 0, 10);
    expect(page.events).toEqual([
      {
        commitSeq,
        timestampMicros: expect.any(Number) as number,
        projectId: 'casino',
        scopeId: 'app',
        topic: 'hand_settled',
        eventKey: 'hand_42',
        payloadJson: '{"pnl":-120}',
      },
    ]);
    expect(page.events[0].timestampMicros).toBeGreaterThanOrEqual(before - 1000);
    expect(page.nextCommitSeq).toBe(commitSeq);
    expect(page.hasMore).toBe(false);
    expect(page.snapshotSeq).toBe(commitSeq);
    // The system tables stay out of the user's catalog.
    expect(await db.listProjects()).toEqual(['casino']);
  });

  it('commits events atomically with the state they describe (a failing commit emits nothing)', async () => {
    await db.createTable({
      projectId: 'casino',
      scopeId: 'app',
      tableName: 'hands',
      columns: [{ name: 'id', type: 'integer' }],
      primaryKey: ['id'],
    });
    await db.commitMany([
      { type: 'insert', projectId: 'casino', scopeId: 'app', tableName: 'hands', row: { id: 1 } },
      {
        type: 'emitEvent',
        projectId: 'casino',
        scopeId: 'app',
        topic: 'hand',
        eventKey: '1',
        payloadJson: '{}',
      },
    ]);
    await expect(
      db.commitMany([
        {
          type: 'emitEvent',
          projectId: 'casino',
          scopeId: 'app',
          topic: 'hand',
          eventKey: '2',
          payloadJson: '{}',
        },
        { type: 'insert', projectId: 'casino', scopeId: 'app', tableName: 'hands', row: { id: 1 } },
      ]),
    ).rejects.toBeInstanceOf(AlreadyExistsError);
    expect((await readAll()).map((e) => e.eventKey)).toEqual(['1']);
  });

  it('rejects a key emitted twice for a topic in one commit, allows it in another commit', async () => {
    const twice = db.commitMany([
      {
        type: 'emitEvent',
        projectId: 'casino',
        scopeId: 'app',
        topic: 't',
        eventKey: 'k',
        payloadJson: '1',
      },
      {
        type: 'emitEvent',
        projectId: 'casino',
        scopeId: 'app',
        topic: 't',
        eventKey: 'k',
        payloadJson: '2',
      },
    ]);
    await expect(twice).rejects.toThrow(/emitted twice/);
    await db.emitEvent('casino', 'app', 't', 'k', '1');
    await db.emitEvent('casino', 'app', 't', 'k', '2');
    expect((await readAll()).map((e) => e.payloadJson)).toEqual(['1', '2']);
  });

  it('validates every argument, naming what is wrong, and changes nothing', async () => {
    const cases: [Promise<unknown>, new (...a: never[]) => Error, RegExp][] = [
      [db.emitEvent('casino', 'nope', 't', 'k', '{}'), NotFoundError, /casino\.nope/],
      [db.emitEvent('_system', 'app', 't', 'k', '{}'), ValidationError, /_system/],
      [db.emitEvent('casino', 'app', '', 'k', '{}'), ValidationError, /topic/],
      [db.emitEvent('casino', 'app', 'a\nb', 'k', '{}'), ValidationError, /topic/],
      [db.emitEvent('casino', 'app', 't', '', '{}'), ValidationError, /eventKey/],
      [db.emitEvent('casino', 'app', 't', 'k', '{oops'), ValidationError, /not valid JSON/],
      [
        db.emitEvent('casino', 'app', 't', 'k', 42 as unknown as string),
        ValidationError,
        /payloadJson/,
      ],
      [
        db.emitEvent('casino', 'app', 't', 'k', JSON.stringify('x'.repeat(70_000))),
        ValidationError,
        /maxEventPayloadBytes/,
      ],
    ];
    for (const [promise, cls, message] of cases) {
      const err = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(cls);
      expect((err as Error).message).toMatch(message);
    }
    expect(await readAll()).toEqual([]);
    await expect(db.readEventStream('', 0, 10)).rejects.toBeInstanceOf(ValidationError);
    await expect(db.readEventStream(undefined, -1, 10)).rejects.toBeInstanceOf(ValidationError);
    await expect(db.readEventStream(undefined, 0, 0)).rejects.toBeInstanceOf(ValidationError);
    await expect(db.queryEvents({ order: 'up' as 'asc' })).rejects.toBeInstanceOf(ValidationError);
    await expect(
      db.queryEvents({ payloadEquals: { a: {} as unknown as string } }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('pages in commit order, every event exactly once, never splitting a commit', async () => {
    const expected: string[] = [];
    for (let c = 0; c < 30; c++) {
      const n = 1 + (c % 4);
      const mutations = Array.from({ length: n }, (_, i) => ({
        type: 'emitEvent' as const,
        projectId: 'casino',
        scopeId: c % 2 === 0 ? 'app' : 'eu',
        topic: c % 3 === 0 ? 'bonus' : 'hand',
        eventKey: `c${c}-e${i}`,
        payloadJson: JSON.stringify({ c, i }),
      }));
      await db.commitMany(mutations);
      expected.push(...mutations.map((m) => m.eventKey));
    }
    for (const pageSize of [1, 2, 3, 7, 1000]) {
      const seen: OutboxEvent[] = [];
      let from = 0;
      for (;;) {
        const page = await db.readEventStream(undefined, from, pageSize);
        // A page holds whole commits only.
        const last = page.events[page.events.length - 1];
        const all = await db.readEventStream(undefined, 0, 10_000);
        if (last !== undefined) {
          const ofLastCommit = all.events.filter((e) => e.commitSeq === last.commitSeq);
          expect(page.events.filter((e) => e.commitSeq === last.commitSeq)).toEqual(ofLastCommit);
        }
        seen.push(...page.events);
        if (!page.hasMore) break;
        from = page.nextCommitSeq as number;
      }
      expect(seen.map((e) => e.eventKey).sort()).toEqual([...expected].sort());
      const seqs = seen.map((e) => e.commitSeq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
    // A topic filter returns exactly that topic's events, in commit order.
    const all = await readAll();
    expect(await readAll('bonus', 2)).toEqual(all.filter((e) => e.topic === 'bonus'));
    expect(await readAll('none')).toEqual([]);
  });

  it('queries by topic, scope, seq and time range, payload fields, in either order', async () => {
    const seqs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await db.emitEvent(
        'casino',
        i % 2 === 0 ? 'app' : 'eu',
        i < 5 ? 'hand' : 'bonus',
        `k${i}`,
        JSON.stringify({ user: `u${i % 3}`, n: i }),
      );
      seqs.push(r.commitSeq);
    }
    const keys = (r: { events: OutboxEvent[] }) => r.events.map((e) => e.eventKey);
    expect(keys(await db.queryEvents({ topic: 'hand', scopeId: 'app' }))).toEqual([
      'k0',
      'k2',
      'k4',
    ]);
    expect(keys(await db.queryEvents({ payloadEquals: { user: 'u1' } }))).toEqual([
      'k1',
      'k4',
      'k7',
    ]);
    expect(keys(await db.queryEvents({ payloadEquals: { user: 'u1', n: 4 } }))).toEqual(['k4']);
    expect(
      keys(await db.queryEvents({ fromSeqExclusive: seqs[2], toSeqInclusive: seqs[5] })),
    ).toEqual(['k3', 'k4', 'k5']);
    expect(keys(await db.queryEvents({ order: 'desc', limit: 3 }))).toEqual(['k9', 'k8', 'k7']);
    const desc = await db.queryEvents({ topic: 'bonus', order: 'desc', limit: 2 });
    expect(keys(desc)).toEqual(['k9', 'k8']);
    expect(desc.hasMore).toBe(true);
    const all = await db.queryEvents({});
    const t = all.events[3].timestampMicros;
    const byTime = await db.queryEvents({ fromTimeMicros: t, toTimeMicros: t });
    expect(byTime.events.every((e) => e.timestampMicros === t)).toBe(true);
    expect(keys(byTime)).toContain('k3');
    expect((await db.queryEvents({ projectId: 'other' })).events).toEqual([]);
  });

  it('survives restart from the WAL alone and from a checkpoint, and is readable at older seqs', async () => {
    const first = await db.emitEvent('casino', 'app', 'hand', 'a', '{"x":1}');
    await db.emitEvent('casino', 'app', 'hand', 'b', '{"x":2}');
    const atFirst = await db.readEventStream(undefined, 0, 10, { atSeq: first.commitSeq });
    expect(atFirst.events.map((e) => e.eventKey)).toEqual(['a']);
    await db.close();
    db = await AedbInstance.open(dir, { ...CONFIG, checkpointOnClose: false });
    expect((await readAll()).map((e) => e.eventKey)).toEqual(['a', 'b']);
    await db.checkpointNow();
    await db.close();
    db = await AedbInstance.open(dir, CONFIG);
    expect(db.recoveryReport.checkpoint).toBeDefined();
    expect((await readAll('hand')).map((e) => e.eventKey)).toEqual(['a', 'b']);
  });
});
