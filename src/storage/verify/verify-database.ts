/**
 * The offline verifier (`aedb verify`): checks a data directory without changing it.
 *
 * It takes the directory lock (so it never reads files an open instance is writing; a lock left
 * by a dead process is taken over, exactly as `open` does, and released at the end), then:
 *
 * 1. `checkpoints` — every checkpoint file, not only the newest: header, trailer (SHA-256, or
 *    HMAC when keyed), structure, metadata, seq against the file name, and that each of its
 *    trees belongs to its catalog. Temp files of interrupted writes are notes.
 * 2. `wal` — every segment from the oldest: headers, frame CRCs, seq contiguity within and
 *    across segments, the hash chain and the HMAC when configured, and that every commit's
 *    effects decode (a strict scan; a torn tail — what a crash leaves — is a note).
 * 3. `replay` — recovery exactly as `open` would run it (newest verifying checkpoint plus the
 *    WAL after it, chain anchored at the checkpoint), but read-only: nothing is repaired,
 *    cut or deleted.
 * 4. Invariants of the recovered state: `catalog`, `trees`, `btree`, `seqs`, `rows`, `indexes`,
 *    `unique` (see `verify-state.ts`), and `system`: the engine's tables in `_system.app`
 *    (event outbox, idempotency records, processor checkpoints, registry and dead letters; see
 *    `verify-system.ts`).
 *
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Catalog } from '../catalog/catalog';
import { CHECKPOINT_TEMP_SUFFIX, listCheckpoints, readCheckpoint } from '../checkpoint';
import { FRAME_KIND_COMMIT, FRAME_KIND_VOLATILE } from '../commit/commit-pipeline';
import { resolveConfig, type AedbConfig, type RecoveryMode } from '../config';
import { DirLock } from '../dir-lock';
import { readEffects, type EffectVisitor } from '../effects/effect-codec';
import { AedbError, ConfigError, CorruptionError, NotFoundError, describeError } from '../errors';
import { decodeCheckpointMeta } from '../recovery/checkpoint-meta';
import type { RecoveryReport } from '../recovery/recovery-report';
import { dataPaths, recover, type RecoveredReadOnly } from '../recovery/recover';
import { listSegments } from '../wal/wal-files';
import { scanWal } from '../wal/wal-reader';
import { checkFrom, checkStateInvariants, type VerifyCheck } from './verify-state';
import { checkSystemTables } from './verify-system';

export { VERIFY_CHECK_NAMES } from './verify-state';
export type { VerifyCheck, VerifyCheckName } from './verify-state';

/** Options of {@link verifyDatabase}: the settings the directory was written with. */
export interface VerifyOptions {
  /** The WAL carries a SHA-256 hash chain (default `false`). */
  readonly hashChain?: boolean;
  /** The HMAC key of the WAL and checkpoints, if they are keyed. */
  readonly hmacKey?: Uint8Array;
  /**
   * The recovery mode for the `replay` check (default `'strict'`). The `wal` check is always
   * strict: damage is reported even where permissive recovery would accept it.
   */
  readonly recoveryMode?: RecoveryMode;
}

/** What {@link verifyDatabase} found. */
export interface VerifyReport {
  /** The data directory (absolute). */
  readonly dir: string;
  /** Every check passed. */
  readonly ok: boolean;
  /** One entry per check that ran, in order (state checks run only when replay succeeds). */
  readonly checks: readonly VerifyCheck[];
  /** Findings that are not failures: torn tails, temp files, skipped checkpoints. */
  readonly notes: readonly string[];
  /** The seq recovery would reach, when replay succeeded. */
  readonly recoveredSeq?: number;
  readonly durationMs: number;
}

/**
 * Verify the data directory `dir` offline; changes nothing in it (see the module docs).
 *
 * @example
 * ```ts
 * const report = await verifyDatabase('./data', { hashChain: true, hmacKey: key });
 * for (const c of report.checks) console.log(c.ok ? 'ok  ' : 'FAIL', c.name, c.detail);
 * if (!report.ok) process.exitCode = 1;
 * ```
 * @throws NotFoundError when `dir` is not a directory, `LockedError` when an instance has it
 *   open, `ConfigError` for bad options. Damage is reported in the checks, never thrown.
 */
export async function verifyDatabase(
  dir: string,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const started = performance.now();
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new ConfigError(`verify: expected a data directory path, got ${typeof dir}`);
  }
  if (options === null || typeof options !== 'object') {
    throw new ConfigError(
      'verify: options must be an object { hashChain?, hmacKey?, recoveryMode? }',
    );
  }
  const config = resolveConfig({
    hashChain: options.hashChain,
    hmacKey: options.hmacKey,
    recoveryMode: options.recoveryMode,
  });
  const absolute = path.resolve(dir);
  if (!isDirectory(absolute)) {
    throw new NotFoundError(`verify: data directory ${absolute} does not exist`, { dir: absolute });
  }
  const { lock } = DirLock.acquire(absolute);
  try {
    const notes: string[] = [];
    const checks: VerifyCheck[] = [await checkCheckpoints(absolute, config, notes)];
    let recovered: RecoveredReadOnly | undefined;
    let replayError: unknown;
    try {
      recovered = await recover(absolute, config, { readOnly: true });
    } catch (err) {
      replayError = err;
    }
    // A strict replay without a checkpoint has verified every frame from the oldest segment on,
    // exactly as the WAL check would: do not read the log twice.
    const r = recovered?.report;
    if (r !== undefined && r.checkpoint === undefined && config.recoveryMode === 'strict') {
      checks.push(walCheckedByReplay(absolute, config, r, notes));
    } else {
      checks.push(checkWal(absolute, config, notes));
    }
    if (recovered === undefined || r === undefined) {
      checks.push({ name: 'replay', ok: false, detail: describeFailure(replayError) });
    } else {
      for (const s of r.skippedCheckpoints) {
        notes.push(`recovery skips checkpoint ${s.file}: ${s.reason}`);
      }
      if (r.dropped !== undefined) {
        notes.push(
          `permissive recovery would drop ${r.dropped.file} from offset ${r.dropped.offset} (${r.dropped.reason})` +
            (r.dropped.laterSegments.length > 0
              ? ` and ${r.dropped.laterSegments.length} later segment(s)`
              : ''),
        );
      }
      const from =
        r.checkpoint === undefined
          ? 'no checkpoint'
          : `checkpoint ${path.basename(r.checkpoint.file)}`;
      checks.push({
        name: 'replay',
        ok: true,
        detail: `recovers seq ${r.recoveredSeq} from ${from} + ${r.framesReplayed} WAL frames`,
      });
      checks.push(...checkStateInvariants(recovered.state), checkSystemTables(recovered.state));
    }
    const recoveredSeq = r?.recoveredSeq;
    return {
      dir: absolute,
      ok: checks.every((c) => c.ok),
      checks,
      notes,
      ...(recoveredSeq === undefined ? {} : { recoveredSeq }),
      durationMs: performance.now() - started,
    };
  } finally {
    lock.release();
  }
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

async function checkCheckpoints(
  dir: string,
  config: AedbConfig,
  notes: string[],
): Promise<VerifyCheck> {
  const { checkpoints: ckptDir } = dataPaths(dir);
  const problems: string[] = [];
  let files: { file: string; seq: number }[];
  try {
    files = await listCheckpoints(ckptDir);
    for (const name of fs.existsSync(ckptDir) ? fs.readdirSync(ckptDir) : []) {
      if (name.endsWith(CHECKPOINT_TEMP_SUFFIX)) {
        notes.push(
          `checkpoint temp file ${path.join(ckptDir, name)} (an interrupted write; removed on the next open)`,
        );
      }
    }
  } catch (err) {
    return { name: 'checkpoints', ok: false, detail: describeFailure(err) };
  }
  const hmacKey = config.hmacKey === undefined ? undefined : Buffer.from(config.hmacKey);
  let entries = 0;
  for (const { file, seq } of files) {
    try {
      const loaded = await readCheckpoint(file, { hmacKey });
      if (loaded.seq !== seq)
        problems.push(`${file}: header seq ${loaded.seq} does not match the file name`);
      const meta = decodeCheckpointMeta(loaded.meta, file);
      const owned = new Set(Catalog.fromPlain(meta.catalog).allTreeIds());
      for (const tree of loaded.trees) {
        if (!owned.has(tree.id))
          problems.push(`${file}: tree '${tree.id}' belongs to nothing in its catalog`);
      }
      entries += loaded.entries;
    } catch (err) {
      problems.push(`${file}: ${describeFailure(err)}`);
    }
  }
  const seqs = files.map((f) => f.seq).join(', ');
  return checkFrom(
    'checkpoints',
    problems,
    files.length === 0
      ? 'no checkpoints'
      : `${files.length} checkpoint(s) verify (seq ${seqs}; ${entries} entries)`,
  );
}

/** Counts effects; decoding them is the check. */
class EffectCounter implements EffectVisitor {
  effects = 0;
  put(): void {
    this.effects++;
  }
  del(): void {
    this.effects++;
  }
  catalog(): void {
    this.effects++;
  }
}

function checkWal(dir: string, config: AedbConfig, notes: string[]): VerifyCheck {
  const { wal: walDir } = dataPaths(dir);
  const hmacKey = config.hmacKey === undefined ? undefined : Buffer.from(config.hmacKey);
  const counter = new EffectCounter();
  try {
    const segments = listSegments(walDir);
    if (segments.length === 0) return { name: 'wal', ok: true, detail: 'no WAL segments' };
    const scan = scanWal(walDir, {
      afterSeq: segments[0].firstSeq - 1,
      hashChain: config.hashChain,
      hmacKey,
      mode: 'strict',
      onFrame: (seq, _ts, kind, payload) => {
        // A volatile commit's frame only keeps seqs contiguous: it has no effects.
        if (kind === FRAME_KIND_VOLATILE) return;
        if (kind !== FRAME_KIND_COMMIT) {
          throw new CorruptionError(`WAL frame ${seq} has unknown kind ${kind}`, { seq, kind });
        }
        try {
          readEffects(payload, 0, payload.length, counter);
        } catch (err) {
          throw new CorruptionError(
            `WAL frame ${seq} passed its checksum but its effects do not decode: ${describeError(err)}`,
            {
              seq,
            },
          );
        }
      },
    });
    if (scan.tornTail !== undefined) {
      const t = scan.tornTail;
      notes.push(
        `WAL torn tail in ${t.file} at offset ${t.offset} (${t.bytes} bytes): an unacknowledged write, cut on the next open`,
      );
    }
    const seqs =
      scan.framesScanned === 0 ? 'no frames' : `seqs ${segments[0].firstSeq}..${scan.lastSeq}`;
    const extras = [
      config.hashChain ? 'hash chain' : '',
      hmacKey !== undefined ? 'HMAC' : '',
    ].filter((s) => s !== '');
    return {
      name: 'wal',
      ok: true,
      detail:
        `${segments.length} segment(s), ${scan.framesScanned} frames (${seqs}), ${counter.effects} effects: ` +
        `CRCs, seq contiguity${extras.length > 0 ? `, ${extras.join(', ')}` : ''} verify` +
        (scan.tornTail === undefined ? '' : '; torn tail noted'),
    };
  } catch (err) {
    return { name: 'wal', ok: false, detail: describeFailure(err) };
  }
}

/** The `wal` check from a strict replay that read every frame (no checkpoint to start from). */
function walCheckedByReplay(
  dir: string,
  config: AedbConfig,
  r: RecoveryReport,
  notes: string[],
): VerifyCheck {
  const segments = listSegments(dataPaths(dir).wal);
  if (r.tornTail !== undefined) {
    const t = r.tornTail;
    notes.push(
      `WAL torn tail in ${t.file} at offset ${t.offset} (${t.bytes} bytes): an unacknowledged write, cut on the next open`,
    );
  }
  if (segments.length === 0) return { name: 'wal', ok: true, detail: 'no WAL segments' };
  const extras = [config.hashChain ? 'hash chain' : '', config.hmacKey !== undefined ? 'HMAC' : ''];
  const verified = ['CRCs', 'seq contiguity', ...extras.filter((e) => e !== '')].join(', ');
  return {
    name: 'wal',
    ok: true,
    detail:
      `${segments.length} segment(s), ${r.framesScanned} frames (seqs ${segments[0].firstSeq}..${r.recoveredSeq}): ` +
      `${verified} and effects verified by the replay` +
      (r.tornTail === undefined ? '' : '; torn tail noted'),
  };
}

function describeFailure(err: unknown): string {
  if (err instanceof AedbError) return `${err.code}: ${err.message}`;
  return `unexpected ${err instanceof Error ? err.name : typeof err}: ${describeError(err)}`;
}
