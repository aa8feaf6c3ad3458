/**
 * Range read sets across what the trees cannot remember (found by the model-based property
 * test): a delete before the checkpoint a restart loads, and a dropped and recreated scope or
 * table. A range read before either must conflict — the engine cannot prove that nothing in it
 * was deleted — while a range read after them is judged exactly as usual.
 */
import { AedbError, AedbInstance, type TransactionEnvelope } from '../../src/index';
import { useTempDirs } from '../support/temp-dir';

const dirs = useTempDirs();
const OS = { durabilityMode: 'os' } as const;

/** An envelope that writes `z` if nothing under the prefix `a` changed after `baseSeq`. */
function guarded(baseSeq: number): TransactionEnvelope {
  return {
    baseSeq,
    readSet: { ranges: [{ type: 'kvPrefix', projectId: 'p', scopeId: 's', prefix: 'a' }] },
    writeIntent: {
      mutations: [{ type: 'kvSet', projectId: 'p', scopeId: 's', key: 'z', value: '1' }],
    },
  };
}

async function outcome(db: AedbInstance, env: TransactionEnvelope): Promise<string> {
  try {
    await db.commitEnvelope(env);
    return 'applied';
  } catch (err) {
    if (err instanceof AedbError) return err.code;
    throw err;
  }
}

async function seeded(dir: string): Promise<{ db: AedbInstance; base: number }> {
  const db = await AedbInstance.open(dir, OS);
  await db.createProject('p');
  await db.createScope('p', 's');
  await db.kvSet('p', 's', 'a1', 'x');
  const base = (await db.kvSet('p', 's', 'a2', 'x')).commitSeq;
  return { db, base };
}

describe('range read sets across restarts and drops', () => {
  it('a delete before the checkpoint a restart loaded still makes an older range conflict', async () => {
    const dir = dirs.make();
    const { db, base } = await seeded(dir);
    await db.kvDel('p', 's', 'a2');
    expect(await outcome(db, guarded(base))).toBe('CONFLICT'); // the leaf remembers the delete
    await db.close(); // writes a checkpoint: the reopened trees carry no deletion marks
    const reopened = await AedbInstance.open(dir, OS);
    try {
      expect(await outcome(reopened, guarded(base))).toBe('CONFLICT');
      // Read after the restart: judged exactly (nothing changed since).
      expect(await outcome(reopened, guarded(await reopened.snapshotProbe()))).toBe('applied');
    } finally {
      await reopened.close();
    }
  });

  it('a range read before its scope was dropped and recreated conflicts, even when empty now', async () => {
    const { db } = await seeded(dirs.make());
    try {
      const base = await db.snapshotProbe();
      await db.dropScope('p', 's');
      await db.createScope('p', 's');
      expect(await outcome(db, guarded(base))).toBe('CONFLICT');
      expect(await outcome(db, guarded(await db.snapshotProbe()))).toBe('applied');
    } finally {
      await db.close();
    }
  });

  it('a table range read before the table was dropped and recreated conflicts', async () => {
    const { db } = await seeded(dirs.make());
    const T = { projectId: 'p', scopeId: 's', tableName: 't' } as const;
    const create = () =>
      db.createTable({ ...T, columns: [{ name: 'id', type: 'integer' }], primaryKey: ['id'] });
    const rangeOf = (baseSeq: number): TransactionEnvelope => ({
      baseSeq,
      readSet: { ranges: [{ type: 'tablePrefix', ...T, prefix: [] }] },
      writeIntent: {
        mutations: [{ type: 'kvSet', projectId: 'p', scopeId: 's', key: 'z', value: '1' }],
      },
    });
    try {
      await create();
      await db.commit({ type: 'insert', ...T, row: { id: 1 } });
      const base = await db.snapshotProbe();
      await db.dropTable(T);
      await create();
      expect(await outcome(db, rangeOf(base))).toBe('CONFLICT');
      expect(await outcome(db, rangeOf(await db.snapshotProbe()))).toBe('applied');
    } finally {
      await db.close();
    }
  });

  it('a drop in a commit that failed does not make older ranges conflict', async () => {
    const { db, base } = await seeded(dirs.make());
    try {
      await db.createScope('p', 'other');
      await expect(
        db.commitMany([
          { type: 'ddl', op: { type: 'dropScope', projectId: 'p', scopeId: 'other' } },
          { type: 'kvSet', projectId: 'p', scopeId: 'missing', key: 'k', value: 'v' },
        ]),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await outcome(db, guarded(base))).toBe('applied');
    } finally {
      await db.close();
    }
  });

  it('a point read set is exact across a restart (no floor for points)', async () => {
    const dir = dirs.make();
    const { db, base } = await seeded(dir);
    const version = db.snapshot().kvGet('p', 's', 'a1')?.version ?? -1;
    await db.kvDel('p', 's', 'a2');
    await db.close();
    const reopened = await AedbInstance.open(dir, OS);
    try {
      const env: TransactionEnvelope = {
        baseSeq: base,
        readSet: { points: [{ type: 'kv', projectId: 'p', scopeId: 's', key: 'a1', version }] },
        writeIntent: {
          mutations: [{ type: 'kvSet', projectId: 'p', scopeId: 's', key: 'z', value: '1' }],
        },
      };
      expect(await outcome(reopened, env)).toBe('applied');
    } finally {
      await reopened.close();
    }
  });
});
