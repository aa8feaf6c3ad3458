import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AedbInstance,
  AssertionFailedError,
  NotFoundError,
  TimeoutError,
  TypedValue,
  ValidationError,
} from '../../../src/index';

let dir: string;
let db: AedbInstance;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aedb-ktx-'));
  db = await AedbInstance.open(dir, { durabilityMode: 'os' });
  await db.createProject('g');
  await db.createScope('g', 's');
});
afterEach(async () => {
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const i64 = async (key: string): Promise<bigint | undefined> => {
  const e = await db.kvGet('g', 's', key);
  return e === undefined ? undefined : TypedValue.decode(e.value).asI64();
};

/** A promise plus its resolver, to hold a transaction inside `execute`. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

describe('TypedValue', () => {
  it('round-trips every type and refuses the wrong accessor', () => {
    const values = [
      TypedValue.i64(-(2n ** 63n)),
      TypedValue.i64(2n ** 63n - 1n),
      TypedValue.u256(2n ** 256n - 1n),
      TypedValue.bytes(Uint8Array.of(0, 255, 7)),
      TypedValue.string('héllo 🌍'),
      TypedValue.set(['b', 'a', 'b']),
      TypedValue.array([TypedValue.i64(1), TypedValue.string('x'), TypedValue.set([])]),
    ];
    for (const v of values) {
      const back = TypedValue.decode(v.encode());
      expect(back.type).toBe(v.type);
      expect(back.encode()).toEqual(v.encode());
    }
    expect([...TypedValue.decode(values[5].encode()).asSet()].sort()).toEqual(['a', 'b']);
    expect(() => values[0].asString()).toThrow(ValidationError);
    expect(() => TypedValue.i64(2n ** 63n)).toThrow(ValidationError);
    expect(() => TypedValue.decode(Uint8Array.of(0x7f))).toThrow(ValidationError);
  });
});

describe('db.transaction', () => {
  it('checks requirements, then commits writes and logged events atomically', async () => {
    await db.transaction('g', 's').execute((ctx) => ctx.set('balance', TypedValue.i64(500)));
    const r = await db
      .transaction('g', 's')
      .requireExists('balance')
      .requireMin('balance', 100)
      .execute((ctx) => {
        ctx.update('balance', (b) => TypedValue.i64(b!.asI64() - 100n));
        ctx.log('withdraw', { amount: 100 });
      });
    expect(r.events).toBe(1);
    expect(await i64('balance')).toBe(400n);
    const events = await db.readEventStream('withdraw', 0, 10);
    expect(events.events.map((e) => [e.commitSeq, e.payloadJson])).toEqual([
      [r.commitSeq, '{"amount":100}'],
    ]);
  });

  it('a failing requirement or callback commits nothing', async () => {
    await db.transaction('g', 's').execute((ctx) => ctx.set('balance', TypedValue.i64(50)));
    await expect(
      db
        .transaction('g', 's')
        .requireMin('balance', 100)
        .execute((ctx) => ctx.set('x', TypedValue.i64(1))),
    ).rejects.toBeInstanceOf(AssertionFailedError);
    await expect(
      db
        .transaction('g', 's')
        .requireExists('nope')
        .execute(() => undefined),
    ).rejects.toThrow(/"nope" must exist/);
    await expect(
      db.transaction('g', 's').execute((ctx) => {
        ctx.set('x', TypedValue.i64(1));
        ctx.get('missing');
      }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      db.transaction('g', 's').execute((ctx) => ctx.log('bad', { n: 1n })),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(await i64('x')).toBeUndefined();
    expect((await db.readEventStream(undefined, 0, 10)).events).toEqual([]);
  });

  it('runs transactions on disjoint keys concurrently', async () => {
    const inside: string[] = [];
    const g = gate();
    const run = (key: string) =>
      db
        .transaction('g', 's')
        .requireMin(key, 0)
        .require(key, () => true)
        .execute(async (ctx) => {
          inside.push(key);
          await g.promise;
          ctx.set(key, TypedValue.i64(1));
        });
    await db.transaction('g', 's').execute((ctx) => {
      ctx.set('a', TypedValue.i64(0));
      ctx.set('b', TypedValue.i64(0));
    });
    const both = Promise.all([run('a'), run('b')]);
    for (let i = 0; i < 20 && inside.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    expect(inside.sort()).toEqual(['a', 'b']); // both inside execute at once
    g.open();
    await both;
  });

  it('serializes transactions on the same key: 50 concurrent increments lose nothing', async () => {
    await db.transaction('g', 's').execute((ctx) => ctx.set('n', TypedValue.i64(0)));
    await Promise.all(
      Array.from({ length: 50 }, () =>
        db
          .transaction('g', 's')
          .requireExists('n')
          .execute(async (ctx) => {
            const n = ctx.get('n').asI64();
            await new Promise((r) => setImmediate(r)); // yield inside the critical section
            ctx.set('n', TypedValue.i64(n + 1n));
          }),
      ),
    );
    expect(await i64('n')).toBe(50n);
  });

  it('does not deadlock on overlapping key sets taken in opposite orders', async () => {
    await db.transaction('g', 's').execute((ctx) => {
      ctx.set('x', TypedValue.i64(0));
      ctx.set('y', TypedValue.i64(0));
    });
    const bump = (first: string, second: string) =>
      db
        .transaction('g', 's', { lockTimeoutMs: 5000 })
        .requireExists(first)
        .requireExists(second)
        .execute(async (ctx) => {
          await new Promise((r) => setTimeout(r, 2));
          ctx.update(first, (v) => TypedValue.i64(v!.asI64() + 1n));
          ctx.update(second, (v) => TypedValue.i64(v!.asI64() + 1n));
        });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? bump('x', 'y') : bump('y', 'x'))),
    );
    expect(await i64('x')).toBe(20n);
    expect(await i64('y')).toBe(20n);
  });

  it('times out waiting for a lock held too long', async () => {
    await db.transaction('g', 's').execute((ctx) => ctx.set('hot', TypedValue.i64(0)));
    const g = gate();
    const holder = db
      .transaction('g', 's')
      .requireExists('hot')
      .execute(() => g.promise);
    const err: unknown = await db
      .transaction('g', 's', { lockTimeoutMs: 30 })
      .requireExists('hot')
      .execute(() => undefined)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    g.open();
    await holder;
  });

  it('re-runs on a conflict with a writer that bypassed the locks', async () => {
    await db.transaction('g', 's').execute((ctx) => ctx.set('c', TypedValue.i64(10)));
    let attempts = 0;
    await db
      .transaction('g', 's')
      .requireExists('c')
      .execute(async (ctx) => {
        attempts++;
        const c = ctx.get('c').asI64();
        if (attempts === 1) await db.kvSet('g', 's', 'c', TypedValue.i64(100).encode());
        ctx.set('c', TypedValue.i64(c + 1n));
      });
    expect(attempts).toBe(2);
    expect(await i64('c')).toBe(101n);
  });

  it('validates its arguments', () => {
    expect(() => db.transaction('_system', 's')).toThrow(ValidationError);
    expect(() => db.transaction('g', 's', { lockTimeoutMs: -1 })).toThrow(ValidationError);
    expect(() => db.transaction('g', 's').requireMin('k', 1.5)).toThrow(ValidationError);
  });

  it('in full mode, conflicted retries wait for the winner to be visible instead of re-reading stale data', async () => {
    await db.close();
    db = await AedbInstance.open(dir, { durabilityMode: 'full' });
    await db.transaction('g', 's').execute((ctx) => ctx.set('n', TypedValue.i64(0)));
    // No require*: no locks, so the 20 read-modify-writes race and conflict on the read set.
    await Promise.all(
      Array.from({ length: 20 }, () =>
        db.transaction('g', 's', { maxConflictRetries: 40 }).execute((ctx) => {
          ctx.set('n', TypedValue.i64(ctx.get('n').asI64() + 1n));
        }),
      ),
    );
    expect(await i64('n')).toBe(20n);
  });
});
