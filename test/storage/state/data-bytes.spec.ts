import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AedbInstance } from '../../../src/index';

/** What the estimate must equal for a KV-only database: key + value + 56 bytes per entry. */
async function recount(db: AedbInstance): Promise<number> {
  let total = 0;
  for (const scope of ['a', 'b']) {
    let cursor: string | undefined;
    do {
      const page = await db.kvScanPrefix('p', scope, '', { limit: 10_000, cursor });
      for (const e of page.entries) total += e.key.length + e.value.length + 56;
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  }
  return total;
}

describe('estimatedMemoryBytes', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aedb-bytes-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is kept exactly through puts, overwrites, deletes, rolled-back commits, dropped tables and reopen', async () => {
    let db = await AedbInstance.open(dir, { durabilityMode: 'os' });
    await db.createProject('p');
    await db.createScope('p', 'a');
    await db.createScope('p', 'b');
    const bytes = () => db.operationalMetrics().estimatedMemoryBytes;
    expect(bytes()).toBe(0);
    for (let i = 0; i < 500; i++) {
      const scope = i % 2 === 0 ? 'a' : 'b';
      await db.kvSet('p', scope, `k${i % 97}`, 'x'.repeat(i % 13));
      if (i % 7 === 0) await db.kvDel('p', scope, `k${(i * 3) % 97}`);
      if (i % 11 === 0) {
        // Applies a put, then fails: the rollback must give its bytes back.
        await expect(
          db.commitMany([
            {
              type: 'kvSet',
              projectId: 'p',
              scopeId: 'a',
              key: `rolled${i}`,
              value: 'y'.repeat(50),
            },
            { type: 'kvDel', projectId: 'p', scopeId: 'nope', key: 'x' },
          ]),
        ).rejects.toThrow();
      }
    }
    expect(bytes()).toBe(await recount(db));
    await db.createTable({
      projectId: 'p',
      scopeId: 'a',
      tableName: 't',
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'v', type: 'text' },
      ],
      primaryKey: ['id'],
    });
    await db.createIndex({
      projectId: 'p',
      scopeId: 'a',
      tableName: 't',
      indexName: 'by_v',
      columns: ['v'],
    });
    for (let i = 0; i < 50; i++) {
      await db.commit({
        type: 'insert',
        projectId: 'p',
        scopeId: 'a',
        tableName: 't',
        row: { id: i, v: `v${i}` },
      });
    }
    expect(bytes()).toBeGreaterThan(await recount(db));
    await db.dropTable({ projectId: 'p', scopeId: 'a', tableName: 't' });
    expect(bytes()).toBe(await recount(db));
    const before = bytes();
    await db.close();
    db = await AedbInstance.open(dir, { durabilityMode: 'os' });
    expect(db.operationalMetrics().estimatedMemoryBytes).toBe(before);
    await db.close();
  });
});
