import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AedbInstance } from '../src/index';
import { runCli } from '../src/cli/main';

describe('aedb CLI', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aedb-cli-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function run(...args: string[]): Promise<{ code: number; text: string }> {
    const lines: string[] = [];
    const code = await runCli(args, (l) => lines.push(l));
    return { code, text: lines.join('\n') };
  }

  it('prints the recovery report and the catalog, and writes a checkpoint on request', async () => {
    const db = await AedbInstance.open(dir, { durabilityMode: 'os', checkpointOnClose: false });
    await db.createProject('shop');
    await db.createScope('shop', 'eu');
    await db.createTable({
      projectId: 'shop',
      scopeId: 'eu',
      tableName: 'orders',
      columns: [{ name: 'id', type: 'integer' }],
      primaryKey: ['id'],
    });
    await db.close();
    const info = await run('info', '--data-dir', dir);
    expect(info.code).toBe(0);
    expect(info.text).toContain('recovered seq   3');
    expect(info.text).toContain('shop.eu: 1 table(s) (orders)');
    const ckpt = await run('checkpoint', '--data-dir', dir);
    expect(ckpt.code).toBe(0);
    expect(ckpt.text).toMatch(/checkpoint {6}.*\.ckpt \(seq 3/);
    expect(fs.readdirSync(path.join(dir, 'checkpoints'))).toHaveLength(1);
  });

  it('reports usage errors and engine errors with a non-zero exit code', async () => {
    expect((await run('nope')).code).toBe(2);
    expect((await run('info')).code).toBe(2);
    expect((await run('info', '--data-dir', dir, '--bogus')).code).toBe(2);
    expect((await run('info', '--data-dir', dir, '--hmac-key-hex', 'xyz')).code).toBe(2);
    const held = await AedbInstance.open(dir, { durabilityMode: 'os' });
    try {
      const locked = await run('info', '--data-dir', dir);
      expect(locked.code).toBe(1);
      expect(locked.text).toContain(`LOCKED`);
      expect(locked.text).toContain(String(process.pid));
    } finally {
      await held.close();
    }
  });
});
