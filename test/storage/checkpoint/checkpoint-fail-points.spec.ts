import * as fs from 'node:fs';

import { IoError, UnavailableError } from '../../../src/storage/errors';
import { FailPoints, type FailPointName } from '../../../src/storage/fail-points';
import { listCheckpoints } from '../../../src/storage/checkpoint/checkpoint-catalog';
import { readCheckpoint } from '../../../src/storage/checkpoint/checkpoint-reader';
import { writeCheckpoint } from '../../../src/storage/checkpoint/checkpoint-writer';
import {
  entriesOf,
  imageOf,
  makeTmpDir,
  namesIn,
  removeTmpDir,
  userEntries,
} from './checkpoint-test-helpers';

const OLD = userEntries(300);
const NEW = userEntries(3_000, 50);

describe('checkpoint fail points', () => {
  let dir: string;
  let oldFile: string;
  let oldBytes: Buffer;

  beforeEach(async () => {
    FailPoints.reset();
    dir = makeTmpDir();
    oldFile = (await writeCheckpoint(dir, imageOf(300, { t: OLD }))).file;
    oldBytes = fs.readFileSync(oldFile);
  });
  afterEach(() => {
    FailPoints.reset();
    removeTmpDir(dir);
  });

  /** The older checkpoint is byte-for-byte intact, still loads, and nothing else is left. */
  async function expectOnlyOldCheckpoint(): Promise<void> {
    expect(namesIn(dir)).toEqual(['00000000000000000300.ckpt']);
    expect(fs.readFileSync(oldFile).equals(oldBytes)).toBe(true);
    const loaded = await readCheckpoint(oldFile);
    expect(entriesOf(loaded.trees[0])).toEqual(OLD);
  }

  const stages: [FailPointName, 'throw' | 'ENOSPC' | 'EIO', number][] = [
    ['checkpoint.write', 'ENOSPC', 0],
    ['checkpoint.write', 'EIO', 3],
    ['checkpoint.write', 'throw', 1],
    ['checkpoint.sync', 'EIO', 0],
    ['checkpoint.rename', 'throw', 0],
    ['dir.sync', 'EIO', 0],
  ];

  it.each(stages)(
    'a %s failure (%s after %d hits) rejects with IoError and leaves the old checkpoint alone',
    async (point, error, after) => {
      FailPoints.arm(point, { error, after, times: 1 });
      const promise = writeCheckpoint(dir, imageOf(3_000, { t: NEW }), { chunkBytes: 16_384 });
      await expect(promise).rejects.toThrow(IoError);
      await promise.catch((err: unknown) => {
        expect(err).toBeInstanceOf(IoError);
        const io = err as IoError;
        expect(io.message).toContain('00000000000000003000.ckpt');
        if (error !== 'throw') expect(io.message).toContain(error);
        expect(io.details).toMatchObject({ seq: 3_000 });
      });
      expect(FailPoints.trippedCount(point)).toBe(1);
      await expectOnlyOldCheckpoint();

      // The fail point fired once; the next attempt succeeds.
      const written = await writeCheckpoint(dir, imageOf(3_000, { t: NEW }));
      expect(entriesOf((await readCheckpoint(written.file)).trees[0])).toEqual(NEW);
      expect((await listCheckpoints(dir)).map((c) => c.seq)).toEqual([3_000, 300]);
    },
  );

  it('stops with UnavailableError when aborted, leaving no temp file', async () => {
    const signal = { aborted: false };
    const promise = writeCheckpoint(dir, imageOf(3_000, { t: NEW }), {
      signal,
      chunkBytes: 4_096,
      sliceBudgetMs: 0.01,
    });
    setImmediate(() => {
      signal.aborted = true;
    });
    await expect(promise).rejects.toThrow(UnavailableError);
    await expectOnlyOldCheckpoint();
  });
});
