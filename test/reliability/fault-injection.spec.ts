/**
 * Fault-injection matrix: every named fail point × (`throw`, `ENOSPC`, `EIO`) × each durability
 * mode in which the fail point is on a path the engine takes.
 *
 * WAL fail points (`wal.append`, `wal.sync`, `wal.rotate`, and `dir.sync` while a segment is
 * created) are fail-stop: nothing of the failing batch is acknowledged (its commit rejects with
 * `IO`; a rotation failure comes after the batch that filled the segment was made durable, so
 * the commits queued behind it are the ones refused), later writes reject with `UNAVAILABLE`,
 * reads keep serving the last visible state, `close()` works, and reopening recovers a
 * consistent state that `verifyDatabase` accepts: every acknowledged commit whole, every failed
 * one whole or absent.
 *
 * Checkpoint fail points (`checkpoint.write`, `checkpoint.sync`, `checkpoint.rename`, and
 * `dir.sync` after the rename) reject `checkpointNow()` with `IO`, leave the older checkpoints
 * byte for byte intact and no temp file behind, and the database stays writable; a reopen uses
 * the older checkpoint plus the WAL. A `dir.sync` failure while pruning after a good checkpoint
 * rejects `checkpointNow()` too, but the new checkpoint stands and the next open uses it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  AedbInstance,
  Expr,
  FailPoints,
  IoError,
  Query,
  UnavailableError,
  isAedbError,
  verifyDatabase,
  type AedbConfigInput,
  type CommitResult,
  type FailPointName,
  type FailPointPlan,
} from '../../src/index';
import { dumpState, expectRejects } from '../storage/engine/engine-fixture';
import { recordReliability } from '../support/reliability-stats';
import { useTempDirs } from '../support/temp-dir';

type ErrorKind = NonNullable<FailPointPlan['error']>;
type Mode = 'full' | 'batch' | 'os';

const ERRORS: readonly ErrorKind[] = ['throw', 'ENOSPC', 'EIO'];
const MODES: readonly Mode[] = ['full', 'batch', 'os'];
const T = { projectId: 'p', scopeId: 's', tableName: 't' } as const;

const opened: AedbInstance[] = [];
const dirs = useTempDirs(async () => {
  FailPoints.reset();
  for (const db of opened.splice(0)) await db.close().catch(() => undefined);
});
let faults = 0;
let verifications = 0;
afterAll(() => recordReliability('fault injection', { faultsInjected: faults, verifications }));

/** `verifyDatabase` must pass on `dir`. */
async function expectVerified(dir: string): Promise<void> {
  const report = await verifyDatabase(dir);
  expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  verifications++;
}

function config(mode: Mode, extra: AedbConfigInput = {}): AedbConfigInput {
  return { durabilityMode: mode, batchIntervalMs: 2, checkpointOnClose: false, ...extra };
}

async function open(dir: string, cfg: AedbConfigInput): Promise<AedbInstance> {
  const db = await AedbInstance.open(dir, cfg);
  opened.push(db);
  return db;
}

async function setup(cfg: AedbConfigInput): Promise<AedbInstance> {
  const db = await open(dirs.make(), cfg);
  const visible = { finality: 'visible' } as const;
  await db.ddl({ type: 'createProject', projectId: 'p' }, visible);
  await db.ddl({ type: 'createScope', projectId: 'p', scopeId: 's' }, visible);
  await db.ddl(
    {
      type: 'createTable',
      ...T,
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'v', type: 'text' },
      ],
      primaryKey: ['id'],
    },
    visible,
  );
  await db.ddl(
    { type: 'createIndex', ...T, indexName: 'by_v', columns: ['v'], unique: true },
    visible,
  );
  await db.forceFsync();
  return db;
}

/** Commit `i`: a row (under a unique index) and two KV entries, all or nothing. */
function unit(db: AedbInstance, i: number): Promise<CommitResult> {
  return db.commitMany([
    { type: 'kvSet', projectId: 'p', scopeId: 's', key: `a${i}`, value: `${i}`.repeat(20) },
    { type: 'insert', ...T, row: { id: i, v: `v${i}` } },
    { type: 'kvSet', projectId: 'p', scopeId: 's', key: `b${i}`, value: `${i}` },
  ]);
}

/** How much of commit `i` is present: 0 (none) or 3 (all) are consistent. */
async function partsPresent(db: AedbInstance, i: number): Promise<number> {
  let n = 0;
  if ((await db.kvGet('p', 's', `a${i}`)) !== undefined) n++;
  if ((await db.kvGet('p', 's', `b${i}`)) !== undefined) n++;
  n += (await db.query('p', 's', Query.select('id').from('t').where(Expr.eq('id', i)))).rows.length;
  return n;
}

function errorText(kind: ErrorKind, point: FailPointName): string {
  return kind === 'throw' ? `fail point '${point}' triggered` : kind;
}

/** After a WAL failure: writes refuse with UNAVAILABLE, reads work, close works. */
async function expectFailStopped(db: AedbInstance): Promise<void> {
  const before = dumpState(db);
  const refused = await expectRejects(unit(db, 9999), UnavailableError, 'UNAVAILABLE', 'reopen');
  expect(refused.details.cause).toBe('IO');
  await expectRejects(db.kvSet('p', 's', 'x', 'y'), UnavailableError, 'UNAVAILABLE');
  await expectRejects(db.createProject('other'), UnavailableError, 'UNAVAILABLE');
  await expectRejects(db.forceFsync(), IoError, 'IO');
  await expectRejects(db.checkpointNow(), IoError, 'IO');
  expect(dumpState(db)).toEqual(before);
  expect(await db.listTables('p', 's')).toEqual(['t']);
  await db.close();
  expect(db.closed).toBe(true);
}

/** Reopen without fail points: acknowledged commits whole, failed ones whole or absent, verify ok. */
async function reopenAndCheck(
  dir: string,
  acknowledged: readonly number[],
  failed: readonly number[],
): Promise<void> {
  FailPoints.reset();
  await expectVerified(dir);
  const db = await open(dir, { durabilityMode: 'os' });
  for (const i of acknowledged) expect([i, await partsPresent(db, i)]).toEqual([i, 3]);
  for (const i of failed) expect([0, 3]).toContain(await partsPresent(db, i));
  expect(await partsPresent(db, 9999)).toBe(0);
  await unit(db, 10_000);
  expect(await partsPresent(db, 10_000)).toBe(3);
  await db.close();
  await expectVerified(dir);
}

/** Where each WAL fail point is hit, per durability mode. */
type WalCase = [point: FailPointName, mode: Mode, trigger: 'commit' | 'forceFsync' | 'rotation'];
const WAL_CASES: WalCase[] = [
  ...MODES.map((m): WalCase => ['wal.append', m, 'commit']),
  ['wal.sync', 'full', 'commit'],
  ['wal.sync', 'batch', 'commit'],
  ['wal.sync', 'os', 'forceFsync'], // `os` mode syncs only when asked (or at checkpoints, close)
  ...MODES.map((m): WalCase => ['wal.rotate', m, 'rotation']),
  ...MODES.map((m): WalCase => ['dir.sync', m, 'rotation']), // a new segment's directory entry
];

describe.each(WAL_CASES)("WAL fail point '%s' in %s mode (%s)", (point, mode, trigger) => {
  it.each(ERRORS)(
    '%s: nothing of the failing batch is acknowledged; fail-stop; reopen is consistent',
    async (kind) => {
      const tiny = trigger === 'rotation' ? { maxSegmentBytes: 256 } : {};
      const db = await setup(config(mode, tiny));
      const acknowledged: number[] = [];
      const failed: number[] = [];
      for (let i = 1; i <= 5; i++) {
        await unit(db, i);
        acknowledged.push(i);
      }
      const visibleBefore = dumpState(db);
      FailPoints.arm(point, { error: kind });
      if (trigger === 'commit') {
        const err = await expectRejects(unit(db, 6), IoError, 'IO', errorText(kind, point));
        expect(err.message).toMatch(point === 'wal.sync' ? /fdatasync/ : /append/);
        failed.push(6);
        // Never published where the failed write or sync decides visibility.
        if (mode !== 'batch' || point === 'wal.append')
          expect(dumpState(db)).toEqual(visibleBefore);
      } else if (trigger === 'forceFsync') {
        await expectRejects(db.forceFsync(), IoError, 'IO', errorText(kind, point));
      } else {
        // Each batch overflows a 256-byte segment, so the rotation after the first batch fails.
        // That batch is durable in the old segment (acknowledged); the failure stops what follows.
        let refusal: unknown;
        for (let i = 6; i < 40 && refusal === undefined; i++) {
          try {
            await unit(db, i);
            acknowledged.push(i);
          } catch (err) {
            refusal = err;
            failed.push(i);
          }
        }
        expect(isAedbError(refusal, 'IO') || isAedbError(refusal, 'UNAVAILABLE')).toBe(true);
        await expectRejects(db.forceFsync(), IoError, 'IO', errorText(kind, point));
      }
      expect(FailPoints.trippedCount(point)).toBe(1);
      faults++;
      await expectFailStopped(db);
      await reopenAndCheck(db.dir, acknowledged, failed);
    },
  );
});

/** Checkpoint fail points, in the order a checkpoint write hits them. */
const CHECKPOINT_POINTS: readonly FailPointName[] = [
  'checkpoint.write',
  'checkpoint.sync',
  'checkpoint.rename',
  'dir.sync',
];

function snapshotDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir))
    out[name] = fs.readFileSync(path.join(dir, name)).toString('base64');
  return out;
}

describe("fail point 'dir.sync' while pruning after a good checkpoint", () => {
  it.each(ERRORS)(
    '%s: checkpointNow rejects with IO, the new checkpoint stands and is used',
    async (kind) => {
      const db = await setup(config('os', { checkpointRetention: 1 }));
      await unit(db, 1);
      const older = await db.checkpointNow();
      await unit(db, 2);
      // The first directory sync (after the rename) passes; the one after deleting the older fails.
      FailPoints.arm('dir.sync', { error: kind, after: 1 });
      await expectRejects(db.checkpointNow(), IoError, 'IO', errorText(kind, 'dir.sync'));
      expect(FailPoints.trippedCount('dir.sync')).toBe(1);
      faults++;
      FailPoints.reset();
      const head = db.headState().visibleHeadSeq;
      expect(dumpState(db, 'atCheckpoint').seq).toBe(head);
      await unit(db, 3);
      await db.close();
      const again = await open(db.dir, config('os'));
      expect(again.recoveryReport.checkpoint?.seq).toBe(head);
      expect(again.recoveryReport.checkpoint?.seq).not.toBe(older?.seq);
      for (let i = 1; i <= 3; i++) expect([i, await partsPresent(again, i)]).toEqual([i, 3]);
      await again.close();
      await expectVerified(db.dir);
    },
  );
});

describe.each(CHECKPOINT_POINTS.flatMap((p) => MODES.map((m): [FailPointName, Mode] => [p, m])))(
  "checkpoint fail point '%s' in %s mode",
  (point, mode) => {
    it.each(ERRORS)(
      '%s: checkpointNow rejects with IO, older checkpoints intact, still writable',
      async (kind) => {
        const db = await setup(config(mode));
        for (let i = 1; i <= 3; i++) await unit(db, i);
        const older = await db.checkpointNow();
        expect(older).toBeDefined();
        for (let i = 4; i <= 6; i++) await unit(db, i);
        const ckptDir = path.join(db.dir, 'checkpoints');
        const before = snapshotDir(ckptDir);
        const atCheckpoint = dumpState(db, 'atCheckpoint');

        FailPoints.arm(point, { error: kind });
        await expectRejects(db.checkpointNow(), IoError, 'IO', errorText(kind, point));
        expect(FailPoints.trippedCount(point)).toBe(1);
        faults++;
        expect(snapshotDir(ckptDir)).toEqual(before); // no temp file, no new file, older untouched
        expect(dumpState(db, 'atCheckpoint')).toEqual(atCheckpoint);

        // Not fail-stop: the WAL holds everything, so writes and reads go on.
        await unit(db, 7);
        expect(await partsPresent(db, 7)).toBe(3);
        FailPoints.reset();
        await db.close();

        // The reopen recovers from the older checkpoint plus the WAL after it.
        const again = await open(db.dir, config(mode));
        expect(again.recoveryReport.checkpoint?.seq).toBe(older?.seq);
        expect(again.recoveryReport.skippedCheckpoints).toEqual([]);
        for (let i = 1; i <= 7; i++) expect([i, await partsPresent(again, i)]).toEqual([i, 3]);
        const newer = await again.checkpointNow();
        expect(newer?.seq).toBe(again.headState().visibleHeadSeq);
        await again.close();
        await expectVerified(db.dir);
      },
    );
  },
);
