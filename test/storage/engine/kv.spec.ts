/**
 * The KV store through the public API: set / get / delete with string and byte keys and values,
 * versions, prefix and range scans with cursor paging, and key / value / limit validation.
 */
import {
  AlreadyExistsError,
  NotFoundError,
  ValidationError,
  type AedbInstance,
  type KvEntry,
  type KvKey,
  type KvScanPage,
} from '../../../src/index';
import {
  NO_CHECKPOINT_ON_CLOSE,
  checkAcrossReopens,
  createScope,
  dumpState,
  expectFailsCleanly,
  expectRejects,
  hex,
  str,
  useEngine,
  utf8,
} from './engine-fixture';

const engine = useEngine();

async function fresh(config = {}): Promise<AedbInstance> {
  const { db } = await engine.fresh({ durabilityMode: 'os', ...config });
  await createScope(db);
  return db;
}

/** Read every page of a scan, checking the paging contract along the way. */
async function scanAll(
  read: (cursor: string | undefined) => Promise<KvScanPage>,
  limit: number,
): Promise<KvEntry[]> {
  const out: KvEntry[] = [];
  let cursor: string | undefined;
  let pages = 0;
  let seq: number | undefined;
  do {
    const page = await read(cursor);
    pages++;
    expect(page.entries.length).toBeLessThanOrEqual(limit);
    if (page.nextCursor !== undefined) expect(page.entries).toHaveLength(limit);
    seq ??= page.snapshotSeq;
    out.push(...page.entries);
    cursor = page.nextCursor;
    expect(pages).toBeLessThan(100_000);
  } while (cursor !== undefined);
  return out;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

describe('kvSet / kvGet / kvDel', () => {
  it('stores string and byte keys and values; reads return bytes and the commit seq as version', async () => {
    const db = await fresh();
    const a = await db.kvSet('p', 's', 'name', 'alice');
    const b = await db.kvSet('p', 's', new Uint8Array([0, 1, 255]), new Uint8Array([7, 8]));
    const c = await db.kvSet('p', 's', 'ключ', utf8('значение'));

    const ea = await db.kvGet('p', 's', 'name');
    expect(ea).toBeDefined();
    expect(ea?.key).toBeInstanceOf(Uint8Array);
    expect(ea?.value).toBeInstanceOf(Uint8Array);
    expect(str(ea?.key ?? new Uint8Array())).toBe('name');
    expect(str(ea?.value ?? new Uint8Array())).toBe('alice');
    expect(ea?.version).toBe(a.commitSeq);

    const eb = await db.kvGet('p', 's', new Uint8Array([0, 1, 255]));
    expect(Array.from(eb?.key ?? [])).toEqual([0, 1, 255]);
    expect(Array.from(eb?.value ?? [])).toEqual([7, 8]);
    expect(eb?.version).toBe(b.commitSeq);

    // A string key is its UTF-8 bytes: both forms address the same entry.
    const ec = await db.kvGet('p', 's', utf8('ключ'));
    expect(str(ec?.value ?? new Uint8Array())).toBe('значение');
    expect(ec?.version).toBe(c.commitSeq);

    expect(await db.kvGet('p', 's', 'missing')).toBeUndefined();
  });

  it('overwrites update value and version; kvDel removes; deleting a missing key is a no-op', async () => {
    const db = await fresh();
    await db.kvSet('p', 's', 'k', 'one');
    const second = await db.kvSet('p', 's', 'k', 'two');
    const e = await db.kvGet('p', 's', 'k');
    expect(str(e?.value ?? new Uint8Array())).toBe('two');
    expect(e?.version).toBe(second.commitSeq);
    await db.kvDel('p', 's', utf8('k'));
    expect(await db.kvGet('p', 's', 'k')).toBeUndefined();
    const before = dumpState(db);
    const r = await db.kvDel('p', 's', 'never-set');
    expect(r.commitSeq).toBe(before.seq + 1);
    expect(dumpState(db).projects).toEqual(before.projects);
  });

  it('stores an empty value and binary values with every byte', async () => {
    const db = await fresh();
    const all = new Uint8Array(256).map((_v, i) => i);
    await db.kvSet('p', 's', 'empty', new Uint8Array(0));
    await db.kvSet('p', 's', 'all', all);
    await db.kvSet('p', 's', 'emptystr', '');
    expect((await db.kvGet('p', 's', 'empty'))?.value).toHaveLength(0);
    expect((await db.kvGet('p', 's', 'emptystr'))?.value).toHaveLength(0);
    expect(hex((await db.kvGet('p', 's', 'all'))?.value ?? new Uint8Array())).toBe(hex(all));
  });

  it('returns copies: mutating a read value or the written buffer changes nothing stored', async () => {
    const db = await fresh();
    const value = new Uint8Array([1, 2, 3]);
    await db.kvSet('p', 's', 'k', value);
    value[0] = 42;
    const first = await db.kvGet('p', 's', 'k');
    expect(Array.from(first?.value ?? [])).toEqual([1, 2, 3]);
    if (first !== undefined) first.value[1] = 42;
    expect(Array.from((await db.kvGet('p', 's', 'k'))?.value ?? [])).toEqual([1, 2, 3]);
  });

  it('keeps KV spaces of scopes and projects apart', async () => {
    const db = await fresh();
    await db.createScope('p', 't');
    await db.createProject('q');
    await db.createScope('q', 's');
    await db.kvSet('p', 's', 'k', 'ps');
    await db.kvSet('p', 't', 'k', 'pt');
    await db.kvSet('q', 's', 'k', 'qs');
    expect(str((await db.kvGet('p', 's', 'k'))?.value ?? new Uint8Array())).toBe('ps');
    expect(str((await db.kvGet('p', 't', 'k'))?.value ?? new Uint8Array())).toBe('pt');
    expect(str((await db.kvGet('q', 's', 'k'))?.value ?? new Uint8Array())).toBe('qs');
    await db.kvDel('p', 't', 'k');
    expect(await db.kvGet('p', 't', 'k')).toBeUndefined();
    expect(await db.kvGet('p', 's', 'k')).toBeDefined();
  });

  it('commits KV writes atomically with table writes and keeps them across reopen', async () => {
    const { db } = await engine.fresh(NO_CHECKPOINT_ON_CLOSE);
    await createScope(db);
    await db.createTable({
      projectId: 'p',
      scopeId: 's',
      tableName: 't',
      columns: [{ name: 'id', type: 'integer' }],
      primaryKey: ['id'],
    });
    const r = await db.commitMany([
      { type: 'kvSet', projectId: 'p', scopeId: 's', key: new Uint8Array([1]), value: 'a' },
      { type: 'insert', projectId: 'p', scopeId: 's', tableName: 't', row: { id: 1 } },
      { type: 'kvSet', projectId: 'p', scopeId: 's', key: 'b', value: new Uint8Array([2]) },
      { type: 'kvDel', projectId: 'p', scopeId: 's', key: new Uint8Array([1]) },
    ]);
    await expectFailsCleanly(
      db,
      () =>
        db.commitMany([
          { type: 'kvSet', projectId: 'p', scopeId: 's', key: 'c', value: 'c' },
          { type: 'kvDel', projectId: 'p', scopeId: 's', key: 'b' },
          { type: 'insert', projectId: 'p', scopeId: 's', tableName: 't', row: { id: 1 } },
        ]),
      AlreadyExistsError,
      'ALREADY_EXISTS',
      'p.s.t',
    );
    await checkAcrossReopens(engine, db, async (target) => {
      expect(await target.kvGet('p', 's', new Uint8Array([1]))).toBeUndefined();
      expect(await target.kvGet('p', 's', 'c')).toBeUndefined();
      const b = await target.kvGet('p', 's', 'b');
      expect(Array.from(b?.value ?? [])).toEqual([2]);
      expect(b?.version).toBe(r.commitSeq);
    });
  });
});

describe('KV validation', () => {
  it('rejects empty keys with VALIDATION on writes and reads', async () => {
    const db = await fresh();
    await expectFailsCleanly(
      db,
      () => db.kvSet('p', 's', '', 'v'),
      ValidationError,
      'VALIDATION',
      'kv key',
    );
    await expectFailsCleanly(
      db,
      () => db.kvSet('p', 's', new Uint8Array(0), 'v'),
      ValidationError,
      'VALIDATION',
      'kv key',
    );
    await expectFailsCleanly(
      db,
      () => db.kvDel('p', 's', ''),
      ValidationError,
      'VALIDATION',
      'kv key',
    );
    await expectRejects(db.kvGet('p', 's', ''), ValidationError, 'VALIDATION', 'kv key');
  });

  it('rejects keys above maxKvKeyBytes (counted in UTF-8 bytes) naming the limit', async () => {
    const db = await fresh({ maxKvKeyBytes: 8 });
    await db.kvSet('p', 's', '12345678', 'ok');
    await db.kvSet('p', 's', 'éééé', 'ok'); // 8 bytes
    await expectFailsCleanly(
      db,
      () => db.kvSet('p', 's', '123456789', 'v'),
      ValidationError,
      'VALIDATION',
      'kv key',
      '8',
    );
    await expectFailsCleanly(
      db,
      () => db.kvSet('p', 's', 'éééé1', 'v'),
      ValidationError,
      'VALIDATION',
      'kv key',
      '9',
    );
    await expectFailsCleanly(
      db,
      () => db.kvSet('p', 's', new Uint8Array(9), 'v'),
      ValidationError,
      'VALIDATION',
      'kv key',
    );
    await expectFailsCleanly(
      db,
      () => db.kvDel('p', 's', '123456789'),
      ValidationError,
      'VALIDATION',
      'kv key',
    );
    // A key no write accepts cannot exist: reading one is an error too, not "not found".
    await expect(db.kvGet('p', 's', '123456789')).rejects.toThrow(
      /kv key in p\.s: expected 1-8 bytes, got 9/,
    );
    expect(() => db.snapshot().kvGet('p', 's', new Uint8Array(9))).toThrow(ValidationError);
    expect((await db.kvGet('p', 's', '12345678'))?.version).toBeGreaterThan(0);
  });

  it('accepts a key of exactly the default 1 KiB and rejects 1 KiB + 1', async () => {
    const db = await fresh();
    await db.kvSet('p', 's', 'k'.repeat(1024), 'v');
    await expectFailsCleanly(
      db,
      () => db.kvSet('p', 's', 'k'.repeat(1025), 'v'),
      ValidationError,
      'VALIDATION',
      'kv key',
      '1024',
    );
  });

  it('rejects values above maxKvValueBytes naming the limit', async () => {
    const db = await fresh({ maxKvValueBytes: 16 });
    await db.kvSet('p', 's', 'k', new Uint8Array(16));
    await expectFailsCleanly(
      db,
      () => db.kvSet('p', 's', 'k', new Uint8Array(17)),
      ValidationError,
      'VALIDATION',
      'kv value',
      'maxKvValueBytes',
    );
  });

  it('rejects keys and values of the wrong type and ill-formed strings', async () => {
    const db = await fresh();
    await expectFailsCleanly(
      db,
      () => db.kvSet('p', 's', 5 as unknown as KvKey, 'v'),
      ValidationError,
      'VALIDATION',
      'kv key',
    );
    await expectFailsCleanly(
      db,
      () => db.kvSet('p', 's', null as unknown as KvKey, 'v'),
      ValidationError,
      'VALIDATION',
      'kv key',
    );
    await expectFailsCleanly(
      db,
      () => db.kvSet('p', 's', 'k', 5 as unknown as KvKey),
      ValidationError,
      'VALIDATION',
      'kv value',
    );
    await expectFailsCleanly(
      db,
      () => db.kvSet('p', 's', 'k\ud800', 'v'),
      ValidationError,
      'VALIDATION',
      'kv key',
      'surrogate',
    );
    await expectFailsCleanly(
      db,
      () => db.kvSet('p', 's', 'k', 'v\udc00'),
      ValidationError,
      'VALIDATION',
      'kv value',
      'surrogate',
    );
    await expectRejects(
      db.kvGet('p', 's', 5 as unknown as KvKey),
      ValidationError,
      'VALIDATION',
      'kv key',
    );
  });

  it('rejects missing projects and scopes with NOT_FOUND naming them', async () => {
    const db = await fresh();
    await expectFailsCleanly(
      db,
      () => db.kvSet('x', 's', 'k', 'v'),
      NotFoundError,
      'NOT_FOUND',
      "project 'x'",
    );
    await expectFailsCleanly(
      db,
      () => db.kvSet('p', 'x', 'k', 'v'),
      NotFoundError,
      'NOT_FOUND',
      "scope 'p.x'",
    );
    await expectRejects(db.kvGet('p', 'x', 'k'), NotFoundError, 'NOT_FOUND', "scope 'p.x'");
    await expectRejects(db.kvScanPrefix('p', 'x', 'k'), NotFoundError, 'NOT_FOUND', "scope 'p.x'");
    await expectRejects(db.kvScanRange('x', 's', {}), NotFoundError, 'NOT_FOUND', "project 'x'");
    await expectRejects(
      db.kvGet('p', 'bad scope', 'k'),
      ValidationError,
      'VALIDATION',
      'scope name',
    );
  });
});

describe('KV error messages', () => {
  it('name the scope and the key of the offending entry', async () => {
    const db = await fresh({ maxKvValueBytes: 16 });
    await expectFailsCleanly(
      db,
      () =>
        db.commitMany([
          { type: 'kvSet', projectId: 'p', scopeId: 's', key: 'small', value: 'ok' },
          {
            type: 'kvSet',
            projectId: 'p',
            scopeId: 's',
            key: 'the-big-one',
            value: new Uint8Array(17),
          },
        ]),
      ValidationError,
      'VALIDATION',
      'p.s',
      'the-big-one',
    );
  });
});

describe('KV scans', () => {
  const N = 3000;

  /** 3000 keys under `item/` (byte-ordered names) plus neighbours outside the prefix. */
  async function populate(db: AedbInstance): Promise<string[]> {
    const keys: string[] = [];
    const batch = [];
    for (let i = 0; i < N; i++) {
      // Mixed lengths so byte order differs from numeric order.
      const key = `item/${(i * 7919) % 10007}`;
      keys.push(key);
      batch.push({ type: 'kvSet' as const, projectId: 'p', scopeId: 's', key, value: `v${i}` });
    }
    for (let i = 0; i < batch.length; i += 1000) await db.commitMany(batch.slice(i, i + 1000));
    await db.commitMany(
      ['item', 'item.', 'item0', 'iten', 'a', 'zzz'].map((key) => ({
        type: 'kvSet' as const,
        projectId: 'p',
        scopeId: 's',
        key,
        value: 'outside',
      })),
    );
    return keys.sort((a, b) => compareBytes(utf8(a), utf8(b)));
  }

  it.each([1, 7, 100, 999, 3000, 10_000])(
    'kvScanPrefix pages with limit %i return every key exactly once, in order',
    async (limit) => {
      const db = await fresh();
      const keys = await populate(db);
      const entries = await scanAll(
        (cursor) => db.kvScanPrefix('p', 's', 'item/', { limit, cursor }),
        limit,
      );
      expect(entries.map((e) => str(e.key))).toEqual(keys);
      expect(entries.every((e) => str(e.value).startsWith('v'))).toBe(true);
    },
  );

  it('kvScanRange pages over [start, end) and open bounds', async () => {
    const db = await fresh();
    const keys = await populate(db);
    const lo = keys[500];
    const hi = keys[2500];
    const range = await scanAll(
      (cursor) => db.kvScanRange('p', 's', { start: lo, end: hi }, { limit: 64, cursor }),
      64,
    );
    expect(range.map((e) => str(e.key))).toEqual(keys.slice(500, 2500));

    const everything = await scanAll(
      (cursor) => db.kvScanRange('p', 's', {}, { limit: 250, cursor }),
      250,
    );
    const all = [...keys, 'item', 'item.', 'item0', 'iten', 'a', 'zzz'].sort((a, b) =>
      compareBytes(utf8(a), utf8(b)),
    );
    expect(everything.map((e) => str(e.key))).toEqual(all);

    const upper = await scanAll(
      (cursor) => db.kvScanRange('p', 's', { end: 'item/' }, { limit: 3, cursor }),
      3,
    );
    expect(upper.map((e) => str(e.key))).toEqual(['a', 'item', 'item.']);
    const lower = await scanAll(
      (cursor) => db.kvScanRange('p', 's', { start: utf8('item0') }, { cursor }),
      100,
    );
    expect(lower.map((e) => str(e.key))).toEqual(['item0', 'iten', 'zzz']);
    const empty = await db.kvScanRange('p', 's', { start: 'm', end: 'm' });
    expect(empty).toMatchObject({ entries: [], nextCursor: undefined });
    const inverted = await db.kvScanRange('p', 's', { start: 'zzz', end: 'a' });
    expect(inverted).toMatchObject({ entries: [], nextCursor: undefined });
  });

  it('handles binary prefixes, including 0x00 and 0xff bytes', async () => {
    const db = await fresh();
    const keys = [
      [0xff],
      [0xff, 0x00],
      [0xff, 0xff],
      [0xff, 0xff, 0x01],
      [0xfe, 0xff],
      [0x00],
      [0x00, 0x00],
      [0x01],
    ].map((k) => new Uint8Array(k));
    await db.commitMany(
      keys.map((key) => ({
        type: 'kvSet' as const,
        projectId: 'p',
        scopeId: 's',
        key,
        value: key,
      })),
    );
    const hexes = async (prefix: Uint8Array) =>
      (await scanAll((cursor) => db.kvScanPrefix('p', 's', prefix, { limit: 2, cursor }), 2)).map(
        (e) => hex(e.key),
      );
    expect(await hexes(new Uint8Array([0xff]))).toEqual(['ff', 'ff00', 'ffff', 'ffff01']);
    expect(await hexes(new Uint8Array([0xff, 0xff]))).toEqual(['ffff', 'ffff01']);
    expect(await hexes(new Uint8Array([0x00]))).toEqual(['00', '0000']);
    expect(await hexes(new Uint8Array([0xfe]))).toEqual(['feff']);
    expect(await hexes(new Uint8Array(0))).toEqual([
      '00',
      '0000',
      '01',
      'feff',
      'ff',
      'ff00',
      'ffff',
      'ffff01',
    ]);
  });

  it('an empty prefix scans the whole space; versions are the writing commit seqs', async () => {
    const db = await fresh();
    const r1 = await db.kvSet('p', 's', 'b', '1');
    const r2 = await db.kvSet('p', 's', 'a', '2');
    const page = await db.kvScanPrefix('p', 's', '');
    expect(page.entries.map((e) => [str(e.key), e.version])).toEqual([
      ['a', r2.commitSeq],
      ['b', r1.commitSeq],
    ]);
    expect(page.nextCursor).toBeUndefined();
    expect(page.snapshotSeq).toBe(r2.commitSeq);
  });

  it('defaults to pages of 100', async () => {
    const db = await fresh();
    await populate(db);
    const page = await db.kvScanPrefix('p', 's', 'item/');
    expect(page.entries).toHaveLength(100);
    expect(page.nextCursor).toEqual(expect.any(String));
  });

  it('pages at a fixed atSeq see exactly that state while writes continue', async () => {
    const db = await fresh({ snapshotRetention: 10_000 });
    const keys = await populate(db);
    const seq = await db.snapshotProbe();
    const entries: KvEntry[] = [];
    let cursor: string | undefined;
    let i = 0;
    do {
      // Between pages: delete keys ahead of the cursor and add new ones in the range.
      await db.commitMany([
        { type: 'kvDel', projectId: 'p', scopeId: 's', key: keys[keys.length - 1 - i] },
        { type: 'kvSet', projectId: 'p', scopeId: 's', key: `item/new${i}`, value: 'x' },
      ]);
      const page = await db.kvScanPrefix('p', 's', 'item/', {
        limit: 128,
        cursor,
        consistency: { atSeq: seq },
      });
      expect(page.snapshotSeq).toBe(seq);
      entries.push(...page.entries);
      cursor = page.nextCursor;
      i++;
    } while (cursor !== undefined);
    expect(entries.map((e) => str(e.key))).toEqual(keys);
    expect(await db.snapshotProbe()).toBeGreaterThan(seq);
  });

  it.each([0, -1, 1.5, 10_001, Number.NaN])(
    'rejects limit %p with VALIDATION naming limit',
    async (limit) => {
      const db = await fresh();
      await expectRejects(
        db.kvScanPrefix('p', 's', 'a', { limit }),
        ValidationError,
        'VALIDATION',
        'limit',
      );
      await expectRejects(
        db.kvScanRange('p', 's', {}, { limit }),
        ValidationError,
        'VALIDATION',
        'limit',
      );
    },
  );

  it('rejects a non-numeric limit and non-object options and ranges', async () => {
    const db = await fresh();
    await expectRejects(
      db.kvScanPrefix('p', 's', 'a', { limit: '10' as unknown as number }),
      ValidationError,
      'VALIDATION',
      'limit',
    );
    await expectRejects(
      db.kvScanRange('p', 's', null as unknown as { start?: KvKey }),
      ValidationError,
      'VALIDATION',
      'range',
    );
  });

  it('rejects bad cursors: garbage, and a cursor of another range', async () => {
    const db = await fresh();
    await populate(db);
    await expectRejects(
      db.kvScanPrefix('p', 's', 'item/', { cursor: '!!not base64!!' }),
      ValidationError,
      'VALIDATION',
      'cursor',
    );
    await expectRejects(
      db.kvScanPrefix('p', 's', 'item/', { cursor: 42 as unknown as string }),
      ValidationError,
      'VALIDATION',
      'cursor',
    );
    const page = await db.kvScanPrefix('p', 's', 'item/', { limit: 10 });
    const cursor = page.nextCursor;
    expect(cursor).toBeDefined();
    await expectRejects(
      db.kvScanPrefix('p', 's', 'zzz', { cursor }),
      ValidationError,
      'VALIDATION',
      'cursor',
    );
    await expectRejects(
      db.kvScanRange('p', 's', { start: 'j' }, { cursor }),
      ValidationError,
      'VALIDATION',
      'cursor',
    );
    await expectRejects(
      db.kvScanRange('p', 's', { end: 'item/' }, { cursor }),
      ValidationError,
      'VALIDATION',
      'cursor',
    );
    // The same cursor is fine on a range that contains its key.
    const next = await db.kvScanRange(
      'p',
      's',
      { start: 'item/', end: 'item0' },
      { limit: 10, cursor },
    );
    expect(next.entries).toHaveLength(10);
  });

  it('keeps scan order and contents across reopen', async () => {
    const { db } = await engine.fresh(NO_CHECKPOINT_ON_CLOSE);
    await createScope(db);
    const keys = await populate(db);
    await checkAcrossReopens(engine, db, async (target) => {
      const entries = await scanAll(
        (cursor) => target.kvScanPrefix('p', 's', 'item/', { limit: 1000, cursor }),
        1000,
      );
      expect(entries.map((e) => str(e.key))).toEqual(keys);
    });
  });
});
