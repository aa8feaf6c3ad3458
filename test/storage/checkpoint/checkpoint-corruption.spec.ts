import { createHash, createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { CorruptionError, IoError } from '../../../src/storage/errors';
import {
  readCheckpoint,
  readCheckpointHeader,
  type CheckpointReadOptions,
} from '../../../src/storage/checkpoint/checkpoint-reader';
import { writeCheckpoint } from '../../../src/storage/checkpoint/checkpoint-writer';
import {
  entriesOf,
  imageOf,
  makeTmpDir,
  removeTmpDir,
  userEntries,
  type Entry,
} from './checkpoint-test-helpers';

const KEY = Buffer.from('a secret HMAC key of some length');

/** A small checkpoint that still has multi-byte varints, several trees and meta. */
const ENTRIES: Entry[] = [
  ['', 'empty key', 1],
  ['a', 'x'.repeat(200), 300],
  ['b\xff', '', 2 ** 33],
  ['k'.repeat(130), 'v', 5],
];

/** Expect `promise` to reject with a CorruptionError (and nothing else) naming `file`. */
async function expectCorruption(promise: Promise<unknown>, file: string): Promise<CorruptionError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  if (!(caught instanceof CorruptionError)) {
    throw new Error(`expected a CorruptionError, got ${String(caught)}`);
  }
  expect(caught.message).toContain(file);
  return caught;
}

describe('checkpoint corruption', () => {
  let dir: string;
  let plainFile: string;
  let keyedFile: string;
  let plain: Buffer;
  let keyed: Buffer;

  beforeAll(async () => {
    dir = makeTmpDir();
    const image = imageOf(2 ** 40, { a: ENTRIES, b: userEntries(5, 3), c: [] });
    plainFile = (await writeCheckpoint(path.join(dir, 'plain'), image)).file;
    keyedFile = (await writeCheckpoint(path.join(dir, 'keyed'), image, { hmacKey: KEY })).file;
    plain = fs.readFileSync(plainFile);
    keyed = fs.readFileSync(keyedFile);
  });
  afterAll(() => removeTmpDir(dir));

  const damaged = (name: string, bytes: Uint8Array): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    return file;
  };

  const cases: [string, () => Buffer, CheckpointReadOptions][] = [
    ['an unkeyed file', () => plain, {}],
    ['a keyed file', () => keyed, { hmacKey: KEY }],
  ];

  it.each(cases)('detects truncation at every offset of %s', async (_name, bytes, opts) => {
    const original = bytes();
    for (let len = 0; len < original.length; len++) {
      const file = damaged('truncated.ckpt', original.subarray(0, len));
      await expectCorruption(readCheckpoint(file, opts), file);
    }
  });

  it.each(cases)('detects a single-bit flip at every offset of %s', async (_name, bytes, opts) => {
    const original = bytes();
    for (let offset = 0; offset < original.length; offset++) {
      const copy = Buffer.from(original);
      copy[offset] ^= 1 << (offset % 8);
      const file = damaged('flipped.ckpt', copy);
      await expectCorruption(readCheckpoint(file, opts), file);
    }
  });

  it('detects extra bytes appended after the trailer', async () => {
    const file = damaged('appended.ckpt', Buffer.concat([plain, Buffer.from([0])]));
    await expectCorruption(readCheckpoint(file), file);
  });

  it('reports the trailer offset of a checksum mismatch', async () => {
    const copy = Buffer.from(plain);
    copy[copy.length - 40] ^= 0x10;
    const file = damaged('offset.ckpt', copy);
    const err = await expectCorruption(readCheckpoint(file), file);
    expect(err.details).toMatchObject({ file, offset: copy.length - 32 });
    expect(err.message).toMatch(/checksum mismatch/);
  });

  it('refuses a keyed file without a key, naming the HMAC key', async () => {
    const err = await expectCorruption(readCheckpoint(keyedFile), keyedFile);
    expect(err.message).toMatch(/HMAC key/);
  });

  it('refuses a keyed file with the wrong key, naming the HMAC key', async () => {
    const err = await expectCorruption(
      readCheckpoint(keyedFile, { hmacKey: Buffer.from('another key') }),
      keyedFile,
    );
    expect(err.message).toMatch(/HMAC key is wrong/);
  });

  it('refuses an unkeyed file when a key is configured unless allowed', async () => {
    const err = await expectCorruption(readCheckpoint(plainFile, { hmacKey: KEY }), plainFile);
    expect(err.message).toMatch(/HMAC key/);
    const loaded = await readCheckpoint(plainFile, { hmacKey: KEY, allowUnkeyed: true });
    expect(entriesOf(loaded.trees[0])).toEqual(ENTRIES);
  });

  it('rejects an empty file, a foreign file and a header-only file', async () => {
    for (const [name, bytes] of [
      ['empty.ckpt', Buffer.alloc(0)],
      ['foreign.ckpt', Buffer.from('{"this is": "not a checkpoint"}'.repeat(10))],
      ['header-only.ckpt', plain.subarray(0, 72)],
    ] as const) {
      const file = damaged(name, bytes);
      await expectCorruption(readCheckpoint(file), file);
      if (bytes.length < 72) await expectCorruption(readCheckpointHeader(file), file);
    }
  });

  it('reports a missing file as IoError', async () => {
    await expect(readCheckpoint(path.join(dir, 'nope.ckpt'))).rejects.toThrow(IoError);
  });

  /**
   * Behind a valid trailer (recomputed after the damage, as a writer bug or a forger without
   * the key could produce) the parser must still never throw anything but CorruptionError.
   */
  it.each([
    ['SHA-256', undefined],
    ['HMAC', KEY],
  ])('parses damaged structure behind a valid %s trailer safely', async (_name, hmacKey) => {
    const original = hmacKey === undefined ? plain : keyed;
    let loadedCount = 0;
    for (let offset = 0; offset < original.length - 32; offset++) {
      for (const mask of [0x01, 0x80]) {
        const copy = Buffer.from(original);
        copy[offset] ^= mask;
        resign(copy, hmacKey);
        const file = damaged('resigned.ckpt', copy);
        try {
          const loaded = await readCheckpoint(file, { hmacKey });
          loadedCount++;
          for (const tree of loaded.trees) {
            for (let i = 1; i < tree.keys.length; i++)
              expect(tree.keys[i - 1] < tree.keys[i]).toBe(true);
            for (const seq of tree.seqs) expect(seq).toBeLessThanOrEqual(loaded.seq);
          }
        } catch (err) {
          if (!(err instanceof CorruptionError)) {
            throw new Error(`offset ${offset} mask ${mask}: ${String(err)}`);
          }
        }
      }
    }
    // Flips inside value bytes, meta or the chain head load fine: the structure is intact.
    expect(loadedCount).toBeGreaterThan(0);
  });

  it('names the offset of structural damage behind a valid trailer', async () => {
    const copy = Buffer.from(plain);
    copy.writeUInt32LE(1_000_000, 64); // tree count
    resign(copy, undefined);
    const file = damaged('tree-count.ckpt', copy);
    const err = await expectCorruption(readCheckpoint(file), file);
    expect(err.details).toMatchObject({ offset: 64 });
    expect(err.message).toMatch(/tree count/);
  });
});

/** Recompute the trailer of a checkpoint image in place. */
function resign(bytes: Buffer, hmacKey: Buffer | undefined): void {
  const body = bytes.subarray(0, bytes.length - 32);
  const digest =
    hmacKey === undefined
      ? createHash('sha256').update(body).digest()
      : createHmac('sha256', hmacKey).update(body).digest();
  digest.copy(bytes, bytes.length - 32);
}
