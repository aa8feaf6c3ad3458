/**
 * Recovery through the public API: real databases whose files are damaged on disk, then reopened.
 * (The WAL and checkpoint modules have byte-level matrices of their own; these tests check what
 * a user of AedbInstance sees.)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AedbInstance, CorruptionError, type AedbConfigInput } from '../../src/index';

const KEY = Buffer.alloc(32, 9);

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aedb-recovery-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Commit `n` KV entries k0..k{n-1} (one commit each) and close without a checkpoint. */
async function populate(config: AedbConfigInput, n: number, from = 0): Promise<number[]> {
  const db = await AedbInstance.open(dir, { ...config, checkpointOnClose: false });
  await db.createProject('p', { ifNotExists: true });
  await db.createScope('p', 's', { ifNotExists: true });
  const seqs: number[] = [];
  for (let i = from; i < from + n; i++) {
    seqs.push((await db.kvSet('p', 's', `k${i}`, `value-${i}`)).commitSeq);
  }
  await db.close();
  return seqs;
}

function walFiles(): string[] {
  return fs
    .readdirSync(path.join(dir, 'wal'))
    .sort()
    .map((f) => path.join(dir, 'wal', f));
}

async function keys(config: AedbConfigInput): Promise<{ present: number[]; db: AedbInstance }> {
  const db = await AedbInstance.open(dir, { ...config, checkpointOnClose: false });
  const page = db.snapshot().kvScanPrefix('p', 's', 'k', { limit: 10_000 });
  const present = page.entries
    .map((e) => Number(Buffer.from(e.key).toString().slice(1)))
    .sort((a, b) => a - b);
  return { present, db };
}

describe('recovery of a damaged data directory', () => {
  it('cuts a torn tail (a half-written last frame), reports it, and keeps every complete commit', async () => {
    await populate({ durabilityMode: 'os' }, 20);
    const [segment] = walFiles();
    const size = fs.statSync(segment).size;
    fs.truncateSync(segment, size - 5); // the last frame loses its end
    const { present, db } = await keys({ durabilityMode: 'os' });
    expect(present).toEqual(Array.from({ length: 19 }, (_, i) => i));
    expect(db.recoveryReport.tornTail?.file).toBe(segment);
    // The engine continues from the cut: new commits and a strict reopen work.
    await db.kvSet('p', 's', 'k99', 'after');
    await db.close();
    const again = await keys({ durabilityMode: 'os', recoveryMode: 'strict' });
    expect(again.present).toEqual([...Array.from({ length: 19 }, (_, i) => i), 99]);
    expect(again.db.recoveryReport.tornTail).toBeUndefined();
    await again.db.close();
  });

  it('strict recovery fails on a flipped byte in a middle frame, naming file and offset; permissive keeps the prefix', async () => {
    await populate({ durabilityMode: 'os' }, 30);
    const [segment] = walFiles();
    const bytes = fs.readFileSync(segment);
    const offset = Math.floor(bytes.length / 2);
    bytes[offset] ^= 0x40;
    fs.writeFileSync(segment, bytes);

    const err: unknown = await AedbInstance.open(dir, { durabilityMode: 'os' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CorruptionError);
    const corruption = err as CorruptionError;
    expect(corruption.code).toBe('CORRUPTION');
    expect(corruption.message).toContain(path.basename(segment));
    expect(typeof corruption.details.offset).toBe('number');
    // Nothing was changed by the failed open: strict still fails the same way.
    await expect(AedbInstance.open(dir, { durabilityMode: 'os' })).rejects.toBeInstanceOf(
      CorruptionError,
    );

    const { present, db } = await keys({ durabilityMode: 'os', recoveryMode: 'permissive' });
    expect(present.length).toBeGreaterThan(0);
    expect(present.length).toBeLessThan(30);
    expect(present).toEqual(Array.from({ length: present.length }, (_, i) => i)); // a prefix
    expect(db.recoveryReport.dropped?.file).toBe(segment);
    expect(db.recoveryReport.quarantined.length).toBeGreaterThan(0);
    await db.close();
    // After the permissive repair the directory is clean: strict opens it.
    const strict = await keys({ durabilityMode: 'os', recoveryMode: 'strict' });
    expect(strict.present).toEqual(present);
    await strict.db.close();
  });

  it('falls back to the older checkpoint (plus the WAL after it) when the newest is corrupt', async () => {
    const config: AedbConfigInput = { durabilityMode: 'os', checkpointRetention: 2 };
    let db = await AedbInstance.open(dir, { ...config, checkpointOnClose: false });
    await db.createProject('p');
    await db.createScope('p', 's');
    for (let i = 0; i < 10; i++) await db.kvSet('p', 's', `k${i}`, 'a');
    const first = await db.checkpointNow();
    for (let i = 10; i < 20; i++) await db.kvSet('p', 's', `k${i}`, 'b');
    const second = await db.checkpointNow();
    await db.close();
    expect(first && second && second.seq > first.seq).toBe(true);
    const bytes = fs.readFileSync(second!.file);
    bytes[bytes.length - 40] ^= 0xff;
    fs.writeFileSync(second!.file, bytes);

    db = await AedbInstance.open(dir, { ...config, checkpointOnClose: false });
    expect(db.recoveryReport.checkpoint?.seq).toBe(first!.seq);
    expect(db.recoveryReport.skippedCheckpoints.map((s) => s.file)).toEqual([second!.file]);
    expect(db.snapshot().kvScanPrefix('p', 's', 'k').entries).toHaveLength(20);
    await db.close();
  });

  it('refuses to open with the wrong HMAC key, in strict and in permissive mode, and changes nothing', async () => {
    const config: AedbConfigInput = { durabilityMode: 'os', hashChain: true, hmacKey: KEY };
    await populate(config, 5);
    const before = walFiles().map((f) => fs.readFileSync(f));
    for (const recoveryMode of ['strict', 'permissive'] as const) {
      const err: unknown = await AedbInstance.open(dir, {
        ...config,
        recoveryMode,
        hmacKey: Buffer.alloc(32, 1),
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CorruptionError);
      expect((err as Error).message).toMatch(/HMAC/);
    }
    expect(walFiles().map((f) => fs.readFileSync(f))).toEqual(before);
    const { present, db } = await keys(config);
    expect(present).toEqual([0, 1, 2, 3, 4]);
    await db.close();
  });

  it('detects a deleted middle WAL segment (a seq gap) in strict mode', async () => {
    const config: AedbConfigInput = {
      durabilityMode: 'os',
      maxSegmentBytes: 512,
      checkpointCommits: 0,
    };
    await populate(config, 60);
    const segments = walFiles();
    expect(segments.length).toBeGreaterThan(3);
    fs.rmSync(segments[1]);
    const err: unknown = await AedbInstance.open(dir, config).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptionError);
    expect((err as Error).message).toMatch(/seq/);
  });

  it('keeps the hash chain valid across many restarts between checkpoints (strict + chain + HMAC)', async () => {
    const config: AedbConfigInput = {
      durabilityMode: 'os',
      hashChain: true,
      hmacKey: KEY,
      recoveryMode: 'strict',
      maxSegmentBytes: 1024,
      checkpointCommits: 0,
      checkpointWalBytes: 0,
      checkpointIntervalMs: 0,
    };
    for (let round = 0; round < 6; round++) await populate(config, 8, round * 8);
    const { present, db } = await keys(config);
    expect(present).toEqual(Array.from({ length: 48 }, (_, i) => i));
    expect(db.recoveryReport.checkpoint).toBeUndefined();
    await db.close();
  });
});
