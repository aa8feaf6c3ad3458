/**
 * The offline verifier (`verifyDatabase`, `aedb verify`): a sound database passes every check
 * and is left byte for byte as it was; each kind of damage fails the check that owns it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  AedbInstance,
  ConfigError,
  LockedError,
  NotFoundError,
  VERIFY_CHECK_NAMES,
  verifyDatabase,
  type VerifyCheckName,
  type VerifyReport,
} from '../../src/index';
import { runCli } from '../../src/cli/main';
import { writePut } from '../../src/storage/effects/effect-codec';
import { encodeRow } from '../../src/storage/values/row-codec';
import { rowIndexKey, rowPrimaryKey, tableLayout } from '../../src/storage/commit/table-layout';
import type { Value } from '../../src/storage/schema';
import { useTempDirs } from '../support/temp-dir';
import {
  appendRawFrame,
  fingerprint,
  populate,
  rewriteNewestCheckpoint,
  walFiles,
} from './verify-fixture';

const dirs = useTempDirs();
const KEY = Buffer.alloc(32, 3);

function check(report: VerifyReport, name: VerifyCheckName): { ok: boolean; detail: string } {
  const found = report.checks.find((c) => c.name === name);
  if (found === undefined)
    throw new Error(`no '${name}' check in ${JSON.stringify(report.checks)}`);
  return found;
}

function failed(report: VerifyReport): VerifyCheckName[] {
  return report.checks.filter((c) => !c.ok).map((c) => c.name);
}

async function cli(...args: string[]): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const code = await runCli(args, (l) => lines.push(l));
  return { code, text: lines.join('\n') };
}

describe('verifyDatabase on a sound database', () => {
  it('passes every check, reports what it saw, and changes nothing on disk', async () => {
    const dir = dirs.make();
    await populate(dir);
    const before = fingerprint(dir);
    const report = await verifyDatabase(dir);
    expect(failed(report)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual([...VERIFY_CHECK_NAMES]);
    expect(report.notes).toEqual([]);
    expect(check(report, 'checkpoints').detail).toMatch(/2 checkpoint\(s\) verify/);
    expect(check(report, 'rows').detail).toMatch(/^35 rows/);
    expect(check(report, 'indexes').detail).toMatch(/2 indexes: 70 entries/);
    expect(report.recoveredSeq).toBeGreaterThan(50);
    expect(fingerprint(dir)).toEqual(before);
    // The lock was released: the database opens and holds everything it held.
    const db = await AedbInstance.open(dir, { durabilityMode: 'os' });
    expect(db.recoveryReport.recoveredSeq).toBe(report.recoveredSeq);
    await db.close();
  });

  it('verifies the hash chain and the HMAC with the key, and fails both without it', async () => {
    const dir = dirs.make();
    await populate(dir, { hashChain: true, hmacKey: KEY, checkpointOnClose: false });
    const good = await verifyDatabase(dir, { hashChain: true, hmacKey: KEY });
    expect(failed(good)).toEqual([]);
    expect(check(good, 'wal').detail).toMatch(/hash chain, HMAC verify/);

    const wrong = await verifyDatabase(dir, { hashChain: true, hmacKey: Buffer.alloc(32, 4) });
    expect(failed(wrong)).toEqual(['checkpoints', 'wal', 'replay']);
    expect(check(wrong, 'wal').detail).toMatch(/CORRUPTION: .*HMAC/);
    expect(check(wrong, 'checkpoints').detail).toMatch(/HMAC mismatch/);
    const unkeyed = await verifyDatabase(dir);
    expect(unkeyed.ok).toBe(false);
    expect(check(unkeyed, 'wal').detail).toMatch(/configured for/);
  });

  it('reports a torn WAL tail as a note, not a failure, and does not cut it', async () => {
    const dir = dirs.make();
    await populate(dir, { checkpointOnClose: false });
    const segment = walFiles(dir).at(-1) as string;
    fs.truncateSync(segment, fs.statSync(segment).size - 3);
    const before = fingerprint(dir);
    const report = await verifyDatabase(dir);
    expect(failed(report)).toEqual([]);
    expect(report.notes).toEqual([expect.stringMatching(/torn tail in .*\.wal at offset \d+/)]);
    expect(check(report, 'wal').detail).toMatch(/torn tail noted/);
    expect(fingerprint(dir)).toEqual(before);
  });

  it('checks a log without checkpoints in the replay itself, torn tail included', async () => {
    const dir = dirs.make();
    const config = { durabilityMode: 'os', hashChain: true, hmacKey: KEY } as const;
    const db = await AedbInstance.open(dir, { ...config, checkpointOnClose: false });
    await db.createProject('p');
    await db.createScope('p', 's');
    for (let i = 0; i < 30; i++) await db.kvSet('p', 's', `k${i}`, `v${i}`);
    await db.close();
    const segment = walFiles(dir).at(-1) as string;
    fs.truncateSync(segment, fs.statSync(segment).size - 2);
    const report = await verifyDatabase(dir, config);
    expect(failed(report)).toEqual([]);
    expect(check(report, 'wal').detail).toMatch(
      /^1 segment\(s\), 31 frames \(seqs 1\.\.31\): CRCs, seq contiguity, hash chain, HMAC and effects verified by the replay; torn tail noted$/,
    );
    expect(report.notes).toEqual([expect.stringMatching(/torn tail/)]);
    // The same damage in a frame before the tail fails both checks.
    const bytes = fs.readFileSync(segment);
    bytes[200] ^= 0x20;
    fs.writeFileSync(segment, bytes);
    const broken = await verifyDatabase(dir, config);
    expect(failed(broken)).toEqual(['wal', 'replay']);
  });

  it('notes a checkpoint temp file left by a crash without removing it', async () => {
    const dir = dirs.make();
    await populate(dir);
    const tmp = path.join(dir, 'checkpoints', '00000000000000000999.ckpt.tmp');
    fs.writeFileSync(tmp, 'half a checkpoint');
    const report = await verifyDatabase(dir);
    expect(report.ok).toBe(true);
    expect(report.notes).toEqual([expect.stringContaining('999.ckpt.tmp')]);
    expect(fs.existsSync(tmp)).toBe(true);
  });

  it('refuses a directory an instance holds, a missing directory and bad options', async () => {
    const dir = dirs.make();
    const db = await AedbInstance.open(dir, { durabilityMode: 'os' });
    try {
      await expect(verifyDatabase(dir)).rejects.toBeInstanceOf(LockedError);
    } finally {
      await db.close();
    }
    await expect(verifyDatabase(path.join(dir, 'missing'))).rejects.toBeInstanceOf(NotFoundError);
    await expect(verifyDatabase(dir, { hmacKey: Buffer.alloc(3) })).rejects.toBeInstanceOf(
      ConfigError,
    );
    expect(fs.existsSync(path.join(dir, 'missing'))).toBe(false);
  });

  it('creates nothing in an empty directory', async () => {
    const dir = dirs.make();
    const report = await verifyDatabase(dir);
    expect(report.ok).toBe(true);
    expect(report.recoveredSeq).toBe(0);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('verifyDatabase on damaged files', () => {
  it('a corrupt checkpoint fails `checkpoints` naming the file; replay falls back to the older one', async () => {
    const dir = dirs.make();
    await populate(dir);
    const ckpts = fs.readdirSync(path.join(dir, 'checkpoints')).sort();
    const newest = path.join(dir, 'checkpoints', ckpts[ckpts.length - 1]);
    const bytes = fs.readFileSync(newest);
    bytes[Math.floor(bytes.length / 2)] ^= 0x10;
    fs.writeFileSync(newest, bytes);
    const report = await verifyDatabase(dir);
    expect(failed(report)).toEqual(['checkpoints']);
    expect(check(report, 'checkpoints').detail).toContain(newest);
    expect(check(report, 'checkpoints').detail).toMatch(/CORRUPTION: .*checksum mismatch/);
    expect(report.notes).toEqual([expect.stringContaining(`recovery skips checkpoint ${newest}`)]);
  });

  it('a flipped WAL byte fails `wal` and a strict `replay` naming file and offset', async () => {
    const dir = dirs.make();
    await populate(dir, { checkpointOnClose: false });
    const [segment] = walFiles(dir);
    const bytes = fs.readFileSync(segment);
    const offset = Math.floor(bytes.length * 0.7);
    bytes[offset] ^= 0x01;
    fs.writeFileSync(segment, bytes);
    const before = fingerprint(dir);

    const strict = await verifyDatabase(dir);
    expect(failed(strict)).toEqual(['wal', 'replay']);
    expect(strict.checks.map((c) => c.name)).toEqual(['checkpoints', 'wal', 'replay']);
    expect(check(strict, 'wal').detail).toMatch(
      new RegExp(`CORRUPTION: WAL corruption in ${segment} at offset \\d+: frame CRC mismatch`),
    );
    expect(check(strict, 'replay').detail).toContain(segment);

    const permissive = await verifyDatabase(dir, { recoveryMode: 'permissive' });
    expect(failed(permissive)).toEqual(['wal']);
    expect(permissive.notes).toEqual([
      expect.stringMatching(/permissive recovery would drop .*\.wal from offset \d+/),
    ]);
    expect(fingerprint(dir)).toEqual(before); // nothing quarantined or cut

    const text = await cli('verify', '--data-dir', dir);
    expect(text.code).toBe(1);
    expect(text.text).toMatch(/FAIL {2}wal {9}CORRUPTION/);
    expect(text.text).toMatch(/verify FAILED {3}2 of 3 checks/);
  });

  it('an index entry pointing at a missing row fails `indexes` (and only it)', async () => {
    const dir = dirs.make();
    const schema = await populate(dir);
    const layout = tableLayout(schema);
    const victim = rowPrimaryKey(layout, [12, 'a12', 0, null, null] as Value[]);
    await rewriteNewestCheckpoint(dir, (trees) => {
      expect(trees.get(layout.rowsTreeId)?.delete(victim)).toBe(true);
    });
    const report = await verifyDatabase(dir);
    expect(failed(report)).toEqual(['indexes']);
    const detail = check(report, 'indexes').detail;
    expect(detail).toMatch(/^2 problem\(s\)/);
    expect(detail).toContain(`index 'by_a': entry`);
    expect(detail).toContain(`points at a missing row (id) = (12)`);
    expect(detail).toContain(`index 'by_b': entry`);
  });

  it('a row without its index entry, a unique duplicate and a stray tree fail their checks', async () => {
    const dir = dirs.make();
    const schema = await populate(dir);
    const layout = tableLayout(schema);
    const [byA, byB] = layout.indexes;
    // Row 500 duplicates 'a2' (unique) with full index entries; row 2 loses its by_b entry.
    const dup: Value[] = [500, 'a2', 3, null, null];
    const pk500 = rowPrimaryKey(layout, dup);
    const row2: Value[] = [2, 'a2', 2, null, null];
    const pk2 = rowPrimaryKey(layout, row2);
    await rewriteNewestCheckpoint(dir, (trees) => {
      trees.get(layout.rowsTreeId)?.set(pk500, [encodeRow(schema, dup), 1]);
      trees.get(byA.treeId)?.set(rowIndexKey(byA, dup, pk500), [pk500, 1]);
      trees.get(byB.treeId)?.set(rowIndexKey(byB, dup, pk500), [pk500, 1]);
      expect(trees.get(byB.treeId)?.delete(rowIndexKey(byB, row2, pk2))).toBe(true);
      trees.set('t:999', new Map([['x', ['y', 1]]]));
    });
    const report = await verifyDatabase(dir);
    expect(failed(report)).toEqual(['checkpoints', 'trees', 'indexes', 'unique']);
    expect(check(report, 'checkpoints').detail).toContain(
      `tree 't:999' belongs to nothing in its catalog`,
    );
    expect(check(report, 'trees').detail).toContain(`tree 't:999' belongs to no project`);
    expect(check(report, 'indexes').detail).toBe(
      `1 problem(s): table 'p.s.t' index 'by_b': row (id) = (2) has no entry`,
    );
    expect(check(report, 'unique').detail).toBe(
      `1 problem(s): table 'p.s.t' index 'by_a': two rows hold (a) = ('a2')`,
    );
  });

  it('an undecodable row and a row under the wrong key fail `rows`', async () => {
    const dir = dirs.make();
    const schema = await populate(dir);
    const layout = tableLayout(schema);
    const pk4 = rowPrimaryKey(layout, [4] as Value[]);
    const pk6 = rowPrimaryKey(layout, [6] as Value[]);
    const pk9 = rowPrimaryKey(layout, [9] as Value[]);
    await rewriteNewestCheckpoint(dir, (trees) => {
      const rows = trees.get(layout.rowsTreeId) as Map<string, [string, number]>;
      rows.set(pk4, ['\x07garbage', 1]);
      rows.set(pk6, [(rows.get(pk9) as [string, number])[0], 1]); // row 9's bytes under key 6
    });
    const report = await verifyDatabase(dir);
    expect(failed(report)).toContain('rows');
    const detail = check(report, 'rows').detail;
    expect(detail).toContain(`row (id) = (4) does not decode: `);
    expect(detail).toContain(`row (id) = (6) is stored under another key`);
  });

  it('a logged effect that bypassed the write path replays, and fails `indexes`', async () => {
    const dir = dirs.make();
    const schema = await populate(dir, { checkpointOnClose: false });
    const layout = tableLayout(schema);
    const [byA] = layout.indexes;
    const ghost: Value[] = [777, 'ghost', null, null, null];
    const pk = rowPrimaryKey(layout, ghost);
    const seq = await appendRawFrame(dir, (w) =>
      writePut(w, byA.treeId, rowIndexKey(byA, ghost, pk), pk),
    );
    const report = await verifyDatabase(dir);
    expect(report.recoveredSeq).toBe(seq);
    expect(failed(report)).toEqual(['indexes']);
    expect(check(report, 'indexes').detail).toContain('points at a missing row (id) = (777)');
  });
});

describe('aedb verify', () => {
  it('prints each check and exits 0 on a sound database', async () => {
    const dir = dirs.make();
    await populate(dir, { hashChain: true, hmacKey: KEY });
    const out = await cli(
      'verify',
      '--data-dir',
      dir,
      '--hash-chain',
      '--hmac-key-hex',
      KEY.toString('hex'),
    );
    expect(out.code).toBe(0);
    for (const name of VERIFY_CHECK_NAMES)
      expect(out.text).toMatch(new RegExp(`^ok {4}${name}`, 'm'));
    expect(out.text).toMatch(/verified {8}all 11 checks pass/);
    const noKey = await cli('verify', '--data-dir', dir, '--hash-chain');
    expect(noKey.code).toBe(1);
  });

  it('exits 1 with the error for a held or missing directory', async () => {
    const dir = dirs.make();
    const missing = await cli('verify', '--data-dir', path.join(dir, 'nope'));
    expect(missing.code).toBe(1);
    expect(missing.text).toMatch(/^NOT_FOUND: /);
    const db = await AedbInstance.open(dir, { durabilityMode: 'os' });
    try {
      const held = await cli('verify', '--data-dir', dir);
      expect(held.code).toBe(1);
      expect(held.text).toMatch(/^LOCKED: /);
    } finally {
      await db.close();
    }
  });
});
