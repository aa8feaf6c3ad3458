import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AedbInstance,
  AssertionFailedError,
  ConflictError,
  Expr,
  Query,
  ValidationError,
  decodeU64,
  encodeU64,
  verifyDatabase,
  type AedbConfigInput,
  type TransactionEnvelope,
} from '../../../src/index';

const OS: AedbConfigInput = { durabilityMode: 'os' };
let dir: string;
let db: AedbInstance;

async function open(config: AedbConfigInput = OS): Promise<AedbInstance> {
  db = await AedbInstance.open(dir, config);
  return db;
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aedb-tx-'));
  await open();
  await db.createProject('bank');
  await db.createScope('bank', 'eu');
  await db.createTable({
    projectId: 'bank',
    scopeId: 'eu',
    tableName: 'accounts',
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'owner', type: 'text' },
      { name: 'balance', type: 'u64' },
    ],
    primaryKey: ['id'],
  });
});
afterEach(async () => {
  if (!db.closed) await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const kvSet = (key: string, value: string) =>
  ({ type: 'kvSet', projectId: 'bank', scopeId: 'eu', key, value }) as const;
const insert = (id: number, owner: string, balance: bigint) =>
  ({
    type: 'insert',
    projectId: 'bank',
    scopeId: 'eu',
    tableName: 'accounts',
    row: { id, owner, balance },
  }) as const;

async function kvText(key: string): Promise<string | undefined> {
  const e = await db.kvGet('bank', 'eu', key);
  return e === undefined ? undefined : Buffer.from(e.value).toString();
}

describe('read sets (optimistic concurrency)', () => {
  it('commits when the read version is current and fails with CONFLICT when it is stale', async () => {
    await db.kvSet('bank', 'eu', 'k', 'v1');
    const seen = (await db.kvGet('bank', 'eu', 'k'))!.version;
    const env = (value: string): TransactionEnvelope => ({
      readSet: {
        points: [{ type: 'kv', projectId: 'bank', scopeId: 'eu', key: 'k', version: seen }],
      },
      writeIntent: { mutations: [kvSet('k', value)] },
    });
    await db.commitEnvelope(env('v2'));
    const err: unknown = await db.commitEnvelope(env('v3')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).code).toBe('CONFLICT');
    expect((err as ConflictError).message).toMatch(/version \d+ but is now at version \d+/);
    expect(await kvText('k')).toBe('v2');
  });

  it('treats version 0 as "must not exist" for rows and KV keys', async () => {
    const row = {
      type: 'row' as const,
      projectId: 'bank',
      scopeId: 'eu',
      tableName: 'accounts',
      primaryKey: [1],
      version: 0,
    };
    await db.commitEnvelope({
      readSet: { points: [row] },
      writeIntent: { mutations: [insert(1, 'a', 5n)] },
    });
    await expect(
      db.commitEnvelope({
        readSet: { points: [row] },
        writeIntent: { mutations: [kvSet('x', 'y')] },
      }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await kvText('x')).toBeUndefined();
  });

  it('detects inserts and deletes inside a range read after baseSeq (phantoms)', async () => {
    for (let i = 0; i < 50; i++)
      await db.kvSet('bank', 'eu', `acct/${String(i).padStart(3, '0')}`, 'x');
    const baseSeq = await db.snapshotProbe();
    const range = { type: 'kvPrefix' as const, projectId: 'bank', scopeId: 'eu', prefix: 'acct/' };
    await db.kvDel('bank', 'eu', 'acct/017');
    await expect(
      db.commitEnvelope({
        baseSeq,
        readSet: { ranges: [range] },
        writeIntent: { mutations: [kvSet('sum', '49')] },
      }),
    ).rejects.toBeInstanceOf(ConflictError);
    const fresh = await db.snapshotProbe();
    await db.kvSet('bank', 'eu', 'other/1', 'unrelated');
    await db.commitEnvelope({
      baseSeq: fresh,
      readSet: { ranges: [range] },
      writeIntent: { mutations: [kvSet('sum', '49')] },
    });
    expect(await kvText('sum')).toBe('49');
  });

  it('queryCapturingReadSet protects a query result against rows that would now match', async () => {
    await db.commitMany([insert(1, 'ann', 10n), insert(2, 'bob', 20n)]);
    const q = Query.select('id', 'balance').from('accounts').where(Expr.gte('balance', 15n));
    const { result, readSet, baseSeq } = await db.queryCapturingReadSet('bank', 'eu', q);
    expect(result.rows).toEqual([{ id: 2, balance: 20n }]);
    await db.commit(insert(3, 'cid', 30n)); // would now match: a phantom for the reader
    await expect(
      db.commitEnvelope({ baseSeq, readSet, writeIntent: { mutations: [kvSet('rich', '1')] } }),
    ).rejects.toBeInstanceOf(ConflictError);
    const again = await db.queryCapturingReadSet('bank', 'eu', q);
    await db.commitEnvelope({
      baseSeq: again.baseSeq,
      readSet: again.readSet,
      writeIntent: { mutations: [kvSet('rich', '2')] },
    });
    expect(await kvText('rich')).toBe('2');
  });

  it('rejects malformed envelopes with VALIDATION and changes nothing', async () => {
    const bad: unknown[] = [
      null,
      {},
      { writeIntent: { mutations: 'x' } },
      { writeIntent: { mutations: [] } },
      { writeClass: 'gold', writeIntent: { mutations: [kvSet('a', 'b')] } },
      { baseSeq: -1, writeIntent: { mutations: [kvSet('a', 'b')] } },
      {
        readSet: { ranges: [{ type: 'kvPrefix', projectId: 'bank', scopeId: 'eu', prefix: 'a' }] },
        writeIntent: { mutations: [kvSet('a', 'b')] },
      },
      {
        readSet: { points: [{ type: 'kv', version: -2 }] },
        writeIntent: { mutations: [kvSet('a', 'b')] },
      },
      { idempotencyKey: '', writeIntent: { mutations: [kvSet('a', 'b')] } },
      { caller: { callerId: '' }, writeIntent: { mutations: [kvSet('a', 'b')] } },
    ];
    for (const env of bad) {
      await expect(db.commitEnvelope(env as TransactionEnvelope)).rejects.toBeInstanceOf(
        ValidationError,
      );
    }
    expect(await kvText('a')).toBeUndefined();
  });
});

describe('assertions in envelopes', () => {
  it('are checked before the mutations; a failure reports index and actual value and applies nothing', async () => {
    await db.kvSet('bank', 'eu', 'balance', encodeU64(100n));
    const err: unknown = await db
      .commitEnvelope({
        assertions: [
          { type: 'keyExists', projectId: 'bank', scopeId: 'eu', key: 'balance' },
          {
            type: 'keyCompare',
            projectId: 'bank',
            scopeId: 'eu',
            key: 'balance',
            op: 'gte',
            threshold: 500n,
          },
        ],
        writeIntent: {
          mutations: [
            { type: 'kvSubU64Ex', projectId: 'bank', scopeId: 'eu', key: 'balance', amount: 1n },
            kvSet('audit', 'debited'),
          ],
        },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AssertionFailedError);
    expect((err as AssertionFailedError).details.index).toBe(1);
    expect(decodeU64((await db.kvGet('bank', 'eu', 'balance'))!.value)).toBe(100n);
    expect(await kvText('audit')).toBeUndefined();
  });

  it('postflight sees the transaction-local state (the reserve example)', async () => {
    await db.kvSet('bank', 'eu', 'house', encodeU64(10_400n));
    const debit = (amount: bigint) =>
      db.commitEnvelope({
        writeIntent: {
          mutations: [
            {
              type: 'kvSubU64Ex',
              projectId: 'bank',
              scopeId: 'eu',
              key: 'house',
              amount,
              onMissing: 'reject',
              onUnderflow: 'reject',
            },
            {
              type: 'postflightCheck',
              assertions: [
                {
                  type: 'keyCompare',
                  projectId: 'bank',
                  scopeId: 'eu',
                  key: 'house',
                  op: 'gte',
                  threshold: encodeU64(10_000n),
                },
              ],
            },
          ],
        },
      });
    await debit(300n);
    await expect(debit(200n)).rejects.toBeInstanceOf(AssertionFailedError);
    expect(decodeU64((await db.kvGet('bank', 'eu', 'house'))!.value)).toBe(10_100n);
  });
});

describe('idempotency', () => {
  const transfer = (key: string, callerId = 'svc-a'): TransactionEnvelope => ({
    caller: { callerId },
    idempotencyKey: key,
    writeIntent: {
      mutations: [
        { type: 'kvAddU64Ex', projectId: 'bank', scopeId: 'eu', key: 'total', amount: 7n },
      ],
    },
  });
  const total = async () => {
    const e = await db.kvGet('bank', 'eu', 'total');
    return e === undefined ? 0n : decodeU64(e.value);
  };

  it('applies a request once; a retry returns the original seq as a duplicate', async () => {
    const first = await db.commitActionEnvelope(transfer('t-1'));
    const retry = await db.commitActionEnvelope(transfer('t-1'));
    expect(first.outcome).toBe('applied');
    expect(retry).toEqual({
      commitSeq: first.commitSeq,
      durableHeadSeq: expect.any(Number) as number,
      outcome: 'duplicate',
    });
    expect(await total()).toBe(7n);
    const plain = await db.commitEnvelope(transfer('t-2'));
    expect(plain.idempotency).toBe('applied');
  });

  it('detects duplicates inside one group-commit batch and across a restart (WAL and checkpoint)', async () => {
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => db.commitActionEnvelope(transfer('same'))),
    );
    expect(results.filter((r) => r.outcome === 'applied')).toHaveLength(1);
    expect(new Set(results.map((r) => r.commitSeq)).size).toBe(1);
    expect(await total()).toBe(7n);
    await db.close();
    await open({ ...OS, checkpointOnClose: false });
    expect((await db.commitActionEnvelope(transfer('same'))).outcome).toBe('duplicate');
    await db.checkpointNow();
    await db.close();
    await open();
    expect(db.recoveryReport.checkpoint).toBeDefined();
    expect((await db.commitActionEnvelope(transfer('same'))).outcome).toBe('duplicate');
    expect(await total()).toBe(7n);
  });

  it('scopes keys per caller and rejects the same key with a different request', async () => {
    await db.commitEnvelope(transfer('k', 'svc-a'));
    expect((await db.commitActionEnvelope(transfer('k', 'svc-b'))).outcome).toBe('applied');
    const different: TransactionEnvelope = {
      ...transfer('k', 'svc-a'),
      writeIntent: { mutations: [kvSet('x', 'y')] },
    };
    const err: unknown = await db.commitEnvelope(different).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/already used for a different request/);
    expect(await total()).toBe(14n);
    expect(await kvText('x')).toBeUndefined();
  });

  it('forgets records outside the window (commits)', async () => {
    await db.close();
    await open({ ...OS, idempotencyWindowCommits: 5 });
    await db.commitEnvelope(transfer('old'));
    for (let i = 0; i < 6; i++) await db.kvSet('bank', 'eu', `f${i}`, 'x');
    expect((await db.commitActionEnvelope(transfer('old'))).outcome).toBe('applied');
    expect(await total()).toBe(14n);
  });
});

describe('write classes', () => {
  it('economic commits are alone in their batch and synced before acknowledgement even in os mode', async () => {
    const syncsBefore = db.operationalMetrics().walSyncOps;
    const batchesBefore = db.operationalMetrics().batchesTotal;
    const economic = db.commitEnvelope({
      writeClass: 'economic',
      writeIntent: { mutations: [kvSet('e', '1')] },
    });
    const others = [1, 2, 3].map((i) => db.kvSet('bank', 'eu', `o${i}`, 'x'));
    const r = await economic;
    await Promise.all(others);
    const m = db.operationalMetrics();
    expect(m.walSyncOps).toBeGreaterThan(syncsBefore);
    expect(m.batchesTotal - batchesBefore).toBeGreaterThanOrEqual(2);
    expect(r.durableHeadSeq).toBeGreaterThanOrEqual(r.commitSeq);
  });

  it('volatile commits are visible at once but not logged: lost on restart without a checkpoint, kept with one', async () => {
    await db.close();
    await open({ ...OS, checkpointOnClose: false });
    await db.commitEnvelope({
      writeClass: 'volatile',
      writeIntent: { mutations: [kvSet('presence', 'online')] },
    });
    await db.kvSet('bank', 'eu', 'durable', 'yes');
    expect(await kvText('presence')).toBe('online');
    await db.close();
    await open({ ...OS, checkpointOnClose: false });
    expect(await kvText('presence')).toBeUndefined();
    expect(await kvText('durable')).toBe('yes');
    // Seqs stay contiguous: the volatile commit's marker frame replays as an empty commit.
    await db.commitEnvelope({
      writeClass: 'volatile',
      writeIntent: { mutations: [kvSet('presence', 'again')] },
    });
    await db.checkpointNow();
    await db.close();
    await open();
    expect(await kvText('presence')).toBe('again');
  });

  it('volatile envelopes hold only KV writes: table, event, DDL and idempotency writes are rejected and change nothing', async () => {
    const headBefore = db.headState().visibleHeadSeq;
    const rejected: TransactionEnvelope[] = [
      {
        writeClass: 'volatile',
        writeIntent: { mutations: [kvSet('a', '1'), insert(1, 'ann', 1n)] },
      },
      {
        writeClass: 'volatile',
        writeIntent: {
          mutations: [
            {
              type: 'emitEvent',
              projectId: 'bank',
              scopeId: 'eu',
              topic: 't',
              eventKey: 'k',
              payloadJson: '{}',
            },
          ],
        },
      },
      {
        writeClass: 'volatile',
        writeIntent: {
          mutations: [
            { type: 'ddl', op: { type: 'createScope', projectId: 'bank', scopeId: 'x' } },
          ],
        },
      },
      {
        writeClass: 'volatile',
        writeIntent: {
          mutations: [
            {
              type: 'tableIncU256',
              projectId: 'bank',
              scopeId: 'eu',
              tableName: 'accounts',
              primaryKey: [1],
              column: 'balance',
              amount: 1n,
            },
          ],
        },
      },
      {
        writeClass: 'volatile',
        idempotencyKey: 'k1',
        writeIntent: { mutations: [kvSet('a', '1')] },
      },
    ];
    for (const env of rejected) {
      const err: unknown = await db.commitEnvelope(env).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).message).toMatch(/volatile envelope cannot/);
    }
    expect(db.headState().visibleHeadSeq).toBe(headBefore);
    expect(await kvText('a')).toBeUndefined();
    expect(await db.scopeExists('bank', 'x')).toBe(false);
  });

  it('a durable numeric over a volatile value replays to its logged final value after a restart', async () => {
    await db.close();
    await open({ ...OS, checkpointOnClose: false });
    await db.kvSet('bank', 'eu', 'n', encodeU64(10n));
    await db.commitEnvelope({
      writeClass: 'volatile',
      writeIntent: {
        mutations: [
          { type: 'kvSet', projectId: 'bank', scopeId: 'eu', key: 'n', value: encodeU64(100n) },
        ],
      },
    });
    await db.commit({ type: 'kvAddU64Ex', projectId: 'bank', scopeId: 'eu', key: 'n', amount: 5n });
    await db.close();
    const report = await verifyDatabase(dir);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    await open({ ...OS, checkpointOnClose: false });
    // The durable commit logged the value it produced (105), not "+5": it survives as written.
    expect(decodeU64((await db.kvGet('bank', 'eu', 'n'))!.value)).toBe(105n);
  });
});

describe('preflight and predicate writes', () => {
  it('preflight and preflightPlan are advisory dry runs', async () => {
    await db.commit(insert(1, 'ann', 10n));
    expect(await db.preflight(insert(2, 'bob', 1n))).toEqual({ ok: true, affectedRows: 1 });
    const dup = await db.preflight(insert(1, 'x', 1n));
    expect(dup).toMatchObject({ ok: false, code: 'ALREADY_EXISTS' });
    const plan = await db.preflightPlan([
      {
        type: 'updateFields',
        projectId: 'bank',
        scopeId: 'eu',
        tableName: 'accounts',
        primaryKey: [1],
        fields: { balance: 11n },
      },
    ]);
    expect(plan.valid).toBe(true);
    expect(plan.baseSeq).toBe(await db.snapshotProbe());
    expect(plan.readSet.points).toHaveLength(1);
    expect((await db.query('bank', 'eu', Query.select('balance').from('accounts'))).rows).toEqual([
      { balance: 10n },
    ]);
  });

  it('commitWithPreflight fails with CONFLICT instead of overwriting a row changed after its preflight', async () => {
    await db.commit(insert(1, 'ann', 10n));
    const update = {
      type: 'updateFields' as const,
      projectId: 'bank',
      scopeId: 'eu',
      tableName: 'accounts',
      primaryKey: [1],
      fields: { balance: 99n },
    };
    await db.commitWithPreflight(update);
    const plan = await db.preflightPlan(update);
    await db.commit({ ...update, fields: { owner: 'changed' } });
    await expect(
      db.commitEnvelope({
        readSet: plan.readSet,
        baseSeq: plan.baseSeq,
        writeIntent: plan.writeIntent,
      }),
    ).rejects.toBeInstanceOf(ConflictError);
  });

  it('updateWhere and deleteWhere change exactly the matching rows (with limit), atomically', async () => {
    await db.commitMany([
      insert(1, 'ann', 5n),
      insert(2, 'bob', 50n),
      insert(3, 'cid', 500n),
      insert(4, 'dan', 5000n),
    ]);
    await db.updateWhere(
      'bank',
      'eu',
      'accounts',
      Expr.gte('balance', 50n),
      { owner: 'vip' },
      { limit: 2 },
    );
    const rows = async () =>
      (await db.query('bank', 'eu', Query.select('id', 'owner').from('accounts'))).rows;
    expect(await rows()).toEqual([
      { id: 1, owner: 'ann' },
      { id: 2, owner: 'vip' },
      { id: 3, owner: 'vip' },
      { id: 4, owner: 'dan' },
    ]);
    await db.deleteWhere('bank', 'eu', 'accounts', Expr.eq('owner', 'vip'));
    expect((await rows()).map((r) => r.id)).toEqual([1, 4]);
    await expect(
      db.updateWhere('bank', 'eu', 'accounts', Expr.eq('id', 1), { id: 9 }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      db.deleteWhere('bank', 'eu', 'accounts', Expr.eq('id', 1), { limit: 0 }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('compareAndSwap and kvCompareAndSwap write only at the expected version', async () => {
    const r1 = await db.compareAndSwap(
      'bank',
      'eu',
      'accounts',
      { id: 1, owner: 'ann', balance: 1n },
      0,
    );
    await expect(
      db.compareAndSwap('bank', 'eu', 'accounts', { id: 1, owner: 'x', balance: 2n }, 0),
    ).rejects.toBeInstanceOf(ConflictError);
    await db.compareAndSwap(
      'bank',
      'eu',
      'accounts',
      { id: 1, owner: 'ann', balance: 2n },
      r1.commitSeq,
    );
    const k1 = await db.kvCompareAndSwap('bank', 'eu', 'lock', 'me', 0);
    await expect(db.kvCompareAndSwap('bank', 'eu', 'lock', 'you', 0)).rejects.toBeInstanceOf(
      ConflictError,
    );
    await db.kvCompareAndSwap('bank', 'eu', 'lock', 'me-again', k1.commitSeq);
    expect(await kvText('lock')).toBe('me-again');
  });
});
