import * as fs from 'node:fs';
import * as path from 'node:path';

import { IoError, ValidationError } from '../../../src/storage/errors';
import {
  listCheckpoints,
  loadNewestValidCheckpoint,
  pruneCheckpoints,
  removeTempFiles,
} from '../../../src/storage/checkpoint/checkpoint-catalog';
import { checkpointFileName } from '../../../src/storage/checkpoint/checkpoint-format';
import { writeCheckpoint } from '../../../src/storage/checkpoint/checkpoint-writer';
import { entriesOf, imageOf, makeTmpDir, namesIn, removeTmpDir } from './checkpoint-test-helpers';

const KEY = Buffer.from('catalog test key');

describe('checkpoint catalog', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTmpDir();
  });
  afterEach(() => removeTmpDir(dir));

  /** Write checkpoints at each seq, each with one entry `seq -> v<seq>`. */
  async function writeAt(seqs: number[], hmacKey?: Buffer): Promise<string[]> {
    const files: string[] = [];
    for (const seq of seqs) {
      const image = imageOf(seq, { t: [[`k${seq}`, `v${seq}`, seq]] });
      files.push((await writeCheckpoint(dir, image, { hmacKey })).file);
    }
    return files;
  }

  it('lists checkpoints newest first, ignoring temp and foreign files', async () => {
    await writeAt([5, 100, 20]);
    fs.writeFileSync(path.join(dir, '00000000000000000200.ckpt.tmp'), 'partial');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello');
    fs.writeFileSync(path.join(dir, '300.ckpt'), 'short name');
    const list = await listCheckpoints(dir);
    expect(list).toEqual(
      [100, 20, 5].map((seq) => ({ seq, file: path.join(dir, checkpointFileName(seq)) })),
    );
    // Listing never deletes: a temp file may belong to a write in progress.
    expect(namesIn(dir)).toContain('00000000000000000200.ckpt.tmp');
  });

  it('lists nothing for a missing directory', async () => {
    expect(await listCheckpoints(path.join(dir, 'missing'))).toEqual([]);
    expect(await loadNewestValidCheckpoint(path.join(dir, 'missing'))).toEqual({ skipped: [] });
  });

  it('removes temp files left by interrupted writes', async () => {
    await writeAt([1]);
    fs.writeFileSync(path.join(dir, '00000000000000000002.ckpt.tmp'), 'partial');
    const removed = await removeTempFiles(dir);
    expect(removed).toEqual([path.join(dir, '00000000000000000002.ckpt.tmp')]);
    expect(namesIn(dir)).toEqual(['00000000000000000001.ckpt']);
    expect(await removeTempFiles(dir)).toEqual([]);
  });

  it('prunes all but the newest `keep` checkpoints', async () => {
    await writeAt([1, 2, 3, 4, 5]);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'kept');
    const deleted = await pruneCheckpoints(dir, 2);
    expect(deleted.map((f) => path.basename(f))).toEqual([
      '00000000000000000003.ckpt',
      '00000000000000000002.ckpt',
      '00000000000000000001.ckpt',
    ]);
    expect(namesIn(dir)).toEqual([
      '00000000000000000004.ckpt',
      '00000000000000000005.ckpt',
      'notes.txt',
    ]);
    expect(await pruneCheckpoints(dir, 2)).toEqual([]);
    await pruneCheckpoints(dir, 0);
    expect(namesIn(dir)).toEqual(['notes.txt']);
    await expect(pruneCheckpoints(dir, -1)).rejects.toThrow(ValidationError);
    await expect(pruneCheckpoints(dir, 1.5)).rejects.toThrow(ValidationError);
  });

  it('loads the newest checkpoint when it verifies', async () => {
    await writeAt([1, 2, 3]);
    const { loaded, skipped } = await loadNewestValidCheckpoint(dir);
    expect(skipped).toEqual([]);
    expect(loaded?.seq).toBe(3);
    expect(entriesOf(loaded!.trees[0])).toEqual([['k3', 'v3', 3]]);
  });

  it('falls back to an older checkpoint when newer ones are corrupt, saying why', async () => {
    const [, second, third, fourth] = await writeAt([1, 2, 3, 4]);
    const bytes = fs.readFileSync(fourth);
    bytes[bytes.length - 50] ^= 0x04;
    fs.writeFileSync(fourth, bytes);
    fs.truncateSync(third, 100);
    const { loaded, skipped } = await loadNewestValidCheckpoint(dir);
    expect(loaded?.file).toBe(second);
    expect(loaded?.seq).toBe(2);
    expect(skipped.map((s) => s.file)).toEqual([fourth, third]);
    expect(skipped[0].reason).toMatch(/checksum mismatch/);
    expect(skipped[1].reason).toMatch(/checksum mismatch|truncated/);
    expect(skipped[0].error.details).toMatchObject({ file: fourth });
  });

  it('reports every checkpoint as skipped when none verifies', async () => {
    const files = await writeAt([7, 8], KEY);
    const outcome = await loadNewestValidCheckpoint(dir, { hmacKey: Buffer.from('wrong') });
    expect(outcome.loaded).toBeUndefined();
    expect(outcome.skipped.map((s) => s.file)).toEqual([files[1], files[0]]);
    expect(outcome.skipped[0].reason).toMatch(/HMAC key/);
    const withKey = await loadNewestValidCheckpoint(dir, { hmacKey: KEY });
    expect(withKey.loaded?.seq).toBe(8);
  });

  it('reports an unusable directory as IoError', async () => {
    const notADir = path.join(dir, 'file');
    fs.writeFileSync(notADir, 'x');
    await expect(listCheckpoints(notADir)).rejects.toThrow(IoError);
    await expect(writeCheckpoint(notADir, imageOf(1, {}))).rejects.toThrow(IoError);
  });
});
