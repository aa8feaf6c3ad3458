import * as fs from 'node:fs';
import * as path from 'node:path';

import fc from 'fast-check';

import { ValidationError } from '../../../src/storage/errors';
import {
  checkpointFileName,
  parseCheckpointFileName,
} from '../../../src/storage/checkpoint/checkpoint-format';
import {
  readCheckpoint,
  readCheckpointHeader,
} from '../../../src/storage/checkpoint/checkpoint-reader';
import {
  writeCheckpoint,
  type CheckpointImage,
  type CheckpointSource,
} from '../../../src/storage/checkpoint/checkpoint-writer';
import type { LeafView } from '../../../src/storage/btree/ordered-map';
import {
  entriesOf,
  imageOf,
  makeTmpDir,
  namesIn,
  removeTmpDir,
  userEntries,
  type Entry,
} from './checkpoint-test-helpers';

const ALL_BYTES = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');

describe('checkpoint round trip', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTmpDir();
  });
  afterEach(() => removeTmpDir(dir));

  it('writes several trees, an empty tree, meta and chain head, and reads them back', async () => {
    const users = userEntries(500);
    const image = imageOf(1234, {
      'table:demo/app/users': users,
      'index:demo/app/users/by_name': [['alice\x00\x01', 'k1', 7]],
      'kv:demo/app': [],
    });
    const written = await writeCheckpoint(dir, image);
    expect(written.file).toBe(path.join(dir, '00000000000000001234.ckpt'));
    expect(written.seq).toBe(1234);
    expect(written.entries).toBe(501);
    expect(written.bytes).toBe(fs.statSync(written.file).size);
    expect(written.longestSliceMs).toBeGreaterThan(0);
    expect(namesIn(dir)).toEqual(['00000000000000001234.ckpt']);

    const loaded = await readCheckpoint(written.file);
    expect(loaded.seq).toBe(1234);
    expect(loaded.createdAtMicros).toBe(image.createdAtMicros);
    expect(loaded.chainHead.equals(Buffer.from(image.chainHead))).toBe(true);
    expect(loaded.meta.equals(Buffer.from(image.meta))).toBe(true);
    expect(loaded.keyed).toBe(false);
    expect(loaded.bytes).toBe(written.bytes);
    expect(loaded.entries).toBe(501);
    expect(loaded.trees.map((t) => t.id)).toEqual([
      'table:demo/app/users',
      'index:demo/app/users/by_name',
      'kv:demo/app',
    ]);
    expect(entriesOf(loaded.trees[0])).toEqual(users);
    expect(entriesOf(loaded.trees[1])).toEqual([['alice\x00\x01', 'k1', 7]]);
    expect(entriesOf(loaded.trees[2])).toEqual([]);
  });

  it('keeps binary keys and values with all 256 byte values and seqs up to 2^53-1', async () => {
    const max = Number.MAX_SAFE_INTEGER;
    const entries: Entry[] = [['', '', 0]];
    for (let b = 0; b < 256; b++) {
      entries.push([`k${String.fromCharCode(b)}`, ALL_BYTES.slice(b) + ALL_BYTES.slice(0, b), b]);
    }
    entries.push([ALL_BYTES, ALL_BYTES, max], ['\xff\xff', 'x'.repeat(70_000), 2 ** 40 + 3]);
    entries.push([ALL_BYTES.repeat(3), '', 128], ['\xff\x00', '\x00', 2 ** 31]);
    const image = imageOf(max, { bytes: entries });
    const written = await writeCheckpoint(dir, image);
    const loaded = await readCheckpoint(written.file);
    expect(loaded.seq).toBe(max);
    const sorted = [...entries].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    expect(entriesOf(loaded.trees[0])).toEqual(sorted);
  });

  it('round-trips a keyed (HMAC) checkpoint and flags it in the header', async () => {
    const hmacKey = Buffer.from('0123456789abcdef0123456789abcdef');
    const image = imageOf(90, { t: userEntries(50) });
    const written = await writeCheckpoint(dir, image, { hmacKey });
    const header = await readCheckpointHeader(written.file);
    expect(header).toMatchObject({ seq: 90, keyed: true, treeCount: 1, bytes: written.bytes });
    const loaded = await readCheckpoint(written.file, { hmacKey });
    expect(loaded.keyed).toBe(true);
    expect(entriesOf(loaded.trees[0])).toEqual(userEntries(50));
  });

  it('handles entries larger than the chunk buffer and many chunk boundaries', async () => {
    const entries: Entry[] = userEntries(2_000, 37);
    entries.push(['user:big', 'B'.repeat(50_000), 3], ['user:big2', 'C'.repeat(4_096), 4]);
    const image = imageOf(5_000, { t: entries, u: userEntries(10, 9_000) });
    const written = await writeCheckpoint(dir, image, { chunkBytes: 4_096, sliceBudgetMs: 0.01 });
    const loaded = await readCheckpoint(written.file, { sliceBudgetMs: 0.01 });
    const sorted = [...entries].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    expect(entriesOf(loaded.trees[0])).toEqual(sorted);
    expect(entriesOf(loaded.trees[1])).toEqual(userEntries(10, 9_000));
  });

  it('writes an image with no trees and empty meta', async () => {
    const image = imageOf(0, {}, { meta: new Uint8Array(0) });
    const written = await writeCheckpoint(dir, image);
    const loaded = await readCheckpoint(written.file);
    expect(loaded).toMatchObject({ seq: 0, trees: [], entries: 0 });
    expect(loaded.meta.length).toBe(0);
  });

  it('keeps non-ASCII tree ids', async () => {
    const image = imageOf(3, { 'tâble/ünïcode/日本': [['a', 'b', 1]] });
    const loaded = await readCheckpoint((await writeCheckpoint(dir, image)).file);
    expect(loaded.trees[0].id).toBe('tâble/ünïcode/日本');
  });

  it('replaces a checkpoint of the same seq', async () => {
    await writeCheckpoint(dir, imageOf(4, { t: [['a', 'old', 1]] }));
    const written = await writeCheckpoint(dir, imageOf(4, { t: [['a', 'new', 2]] }));
    expect(namesIn(dir)).toEqual(['00000000000000000004.ckpt']);
    expect(entriesOf((await readCheckpoint(written.file)).trees[0])).toEqual([['a', 'new', 2]]);
  });

  it('creates the checkpoints directory when missing', async () => {
    const nested = path.join(dir, 'data', 'checkpoints');
    const written = await writeCheckpoint(nested, imageOf(1, { t: [['a', 'b', 1]] }));
    expect(fs.existsSync(written.file)).toBe(true);
  });

  it('round-trips random trees (property)', async () => {
    const byteString = fc
      .uint8Array({ maxLength: 40 })
      .map((bytes) => Buffer.from(bytes).toString('latin1'));
    const entry = fc.tuple(byteString, byteString, fc.nat({ max: 1_000_000 }));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(entry, { maxLength: 60 }), { maxLength: 4 }),
        async (t) => {
          const trees: Record<string, Entry[]> = {};
          t.forEach((entries, i) => {
            const unique = new Map<string, Entry>(entries.map((e) => [e[0], e]));
            trees[`tree${i}`] = [...unique.values()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
          });
          const written = await writeCheckpoint(dir, imageOf(1_000_000, trees));
          const loaded = await readCheckpoint(written.file);
          expect(loaded.trees.map((x) => [x.id, entriesOf(x)])).toEqual(Object.entries(trees));
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('checkpoint file names', () => {
  it('zero-pads the seq to 20 digits and parses it back', () => {
    expect(checkpointFileName(42)).toBe('00000000000000000042.ckpt');
    expect(parseCheckpointFileName('00000000000000000042.ckpt')).toBe(42);
    expect(parseCheckpointFileName(checkpointFileName(Number.MAX_SAFE_INTEGER))).toBe(
      Number.MAX_SAFE_INTEGER,
    );
    expect(parseCheckpointFileName('00000000000000000042.ckpt.tmp')).toBeUndefined();
    expect(parseCheckpointFileName('42.ckpt')).toBeUndefined();
    expect(parseCheckpointFileName('99999999999999999999.ckpt')).toBeUndefined();
  });
});

/** A source whose leaves are given explicitly (to feed the writer what a real tree never would). */
function fakeSource(size: number, leaves: LeafView[]): CheckpointSource {
  return { size, leaves: () => leaves };
}

describe('checkpoint writer validation', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTmpDir();
  });
  afterEach(() => removeTmpDir(dir));

  const base = (): CheckpointImage => imageOf(10, { t: [['a', 'b', 1]] });
  const invalid: [string, () => CheckpointImage][] = [
    ['a fractional seq', () => ({ ...base(), seq: 1.5 })],
    ['a negative seq', () => ({ ...base(), seq: -1 })],
    ['a seq above 2^53-1', () => ({ ...base(), seq: 2 ** 53 })],
    ['a bad createdAtMicros', () => ({ ...base(), createdAtMicros: Number.NaN })],
    ['a short chain head', () => ({ ...base(), chainHead: new Uint8Array(31) })],
    ['a duplicate tree id', () => ({ ...base(), trees: [...base().trees, ...base().trees] })],
    [
      'a lone surrogate in a tree id',
      () => ({ ...base(), trees: [{ ...base().trees[0], id: '\ud800' }] }),
    ],
    [
      'unsorted keys',
      () => ({
        ...base(),
        trees: [
          { id: 't', map: fakeSource(2, [{ keys: ['b', 'a'], values: ['', ''], seqs: [1, 1] }]) },
        ],
      }),
    ],
    [
      'duplicate keys across leaves',
      () => ({
        ...base(),
        trees: [
          {
            id: 't',
            map: fakeSource(2, [
              { keys: ['a'], values: [''], seqs: [1] },
              { keys: ['a'], values: [''], seqs: [1] },
            ]),
          },
        ],
      }),
    ],
    [
      'an entry seq above the image seq',
      () => ({
        ...base(),
        trees: [{ id: 't', map: fakeSource(1, [{ keys: ['a'], values: [''], seqs: [11] }]) }],
      }),
    ],
    [
      'a size that does not match the leaves',
      () => ({
        ...base(),
        trees: [{ id: 't', map: fakeSource(3, [{ keys: ['a'], values: [''], seqs: [1] }]) }],
      }),
    ],
    [
      'leaf arrays of different lengths',
      () => ({
        ...base(),
        trees: [{ id: 't', map: fakeSource(1, [{ keys: ['a'], values: [], seqs: [1] }]) }],
      }),
    ],
  ];

  it.each(invalid)('rejects %s with ValidationError and leaves no file', async (_name, make) => {
    await expect(writeCheckpoint(dir, make())).rejects.toThrow(ValidationError);
    expect(namesIn(dir)).toEqual([]);
  });

  it('rejects bad options with ValidationError', async () => {
    await expect(writeCheckpoint(dir, base(), { sliceBudgetMs: 0 })).rejects.toThrow(
      ValidationError,
    );
    await expect(writeCheckpoint(dir, base(), { chunkBytes: 10 })).rejects.toThrow(ValidationError);
    await expect(writeCheckpoint(dir, base(), { hmacKey: new Uint8Array(0) })).rejects.toThrow(
      ValidationError,
    );
    expect(namesIn(dir)).toEqual([]);
  });
});
