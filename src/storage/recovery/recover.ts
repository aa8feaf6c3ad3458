import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PersistentBTree } from '../btree/persistent-btree';
import { Catalog } from '../catalog/catalog';
import { loadNewestValidCheckpoint, removeTempFiles } from '../checkpoint';
import type { AedbConfig } from '../config';
import { readEffects } from '../effects/effect-codec';
import { CorruptionError, IoError, describeError } from '../errors';
import { DbState } from '../state/db-state';
import { ReplayVisitor } from '../state/replay-visitor';
import { WorkingState } from '../state/working-state';
import { listSegments } from '../wal/wal-files';
import { repairWal } from '../wal/wal-repair';
import { scanWal } from '../wal/wal-reader';
import { WalWriter } from '../wal/wal-writer';
import { FRAME_KIND_COMMIT, FRAME_KIND_VOLATILE } from '../commit/commit-pipeline';
import { decodeCheckpointMeta } from './checkpoint-meta';
import type { RecoveryReport } from './recovery-report';

/** The directory layout. */
export function dataPaths(dir: string): { wal: string; checkpoints: string; quarantine: string } {
  return {
    wal: path.join(dir, 'wal'),
    checkpoints: path.join(dir, 'checkpoints'),
    quarantine: path.join(dir, 'quarantine'),
  };
}

/** What recovery hands to the instance. */
export interface Recovered {
  readonly working: WorkingState;
  /** The published state after replay. */
  readonly state: DbState;
  /** The state of the checkpoint recovery started from (for `atCheckpoint`). */
  readonly checkpointState: DbState;
  readonly wal: WalWriter;
  readonly report: RecoveryReport;
}

/** What a read-only recovery returns: the same, without a WAL writer. */
export type RecoveredReadOnly = Omit<Recovered, 'wal'>;

/**
 * Rebuild the state of a data directory (DESIGN.md §4.5): load the newest checkpoint that
 * verifies (falling back to older ones), replay the WAL after its seq with CRC, chain and HMAC
 * checks, cut a torn tail (and, in permissive mode, a damaged suffix) so new writes continue
 * from a clean log, and open the WAL writer. The directory lock must already be held.
 */
export async function recover(dir: string, config: AedbConfig): Promise<Recovered>;
/**
 * The same recovery, read-only (the offline verifier): nothing on disk is created, removed or
 * repaired — no temp-file cleanup, no WAL repair, no WAL writer — and no writer is returned.
 */
export async function recover(
  dir: string,
  config: AedbConfig,
  options: { readonly readOnly: true },
): Promise<RecoveredReadOnly>;
export async function recover(
  dir: string,
  config: AedbConfig,
  options: { readonly readOnly?: boolean } = {},
): Promise<Recovered | RecoveredReadOnly> {
  const readOnly = options.readOnly === true;
  const started = performance.now();
  const paths = dataPaths(dir);
  for (const d of readOnly ? [] : [paths.wal, paths.checkpoints]) {
    try {
      fs.mkdirSync(d, { recursive: true });
    } catch (err) {
      throw new IoError(`cannot create ${d}: ${describeError(err)}`, { file: d });
    }
  }
  const hmacKey = config.hmacKey === undefined ? undefined : Buffer.from(config.hmacKey);

  // A temp file is a checkpoint whose writer died before the rename; we hold the lock, so no
  // writer is running now.
  if (!readOnly) await removeTempFiles(paths.checkpoints);
  const { loaded, skipped } = await loadNewestValidCheckpoint(paths.checkpoints, { hmacKey });
  let base: DbState;
  if (loaded !== undefined) {
    const meta = decodeCheckpointMeta(loaded.meta, loaded.file);
    const trees = new Map<string, PersistentBTree>();
    for (const t of loaded.trees) {
      trees.set(t.id, PersistentBTree.fromSorted(t.keys, t.values, t.seqs).snapshot());
    }
    // Checkpoint trees carry no deletion marks: range read sets from before it must conflict.
    base = new DbState(loaded.seq, Catalog.fromPlain(meta.catalog), trees, undefined, loaded.seq);
  } else {
    base = new DbState(0, Catalog.empty(), new Map());
  }

  // No checkpoint verifies (or none is left): only a WAL that still starts at seq 1 can help.
  // Checked before the scan, which in permissive mode would otherwise "keep the valid prefix"
  // of such a log — nothing — and quarantine all of it.
  if (loaded === undefined) {
    const first = listSegments(paths.wal)[0];
    if (first !== undefined && first.firstSeq > 1) {
      const why =
        skipped.length > 0
          ? `no checkpoint verifies (${skipped.map((s) => path.basename(s.file)).join(', ')}; first failure: ${skipped[0].reason})`
          : 'there is no checkpoint';
      throw new CorruptionError(
        `${why} and the WAL starts at seq ${first.firstSeq}, so seqs 1-${first.firstSeq - 1} cannot be recovered`,
        { skipped: skipped.map((s) => s.file), file: first.file, offset: 0 },
      );
    }
  }
  const working = new WorkingState(base);
  const visitor = new ReplayVisitor(working);
  const scan = scanWal(paths.wal, {
    afterSeq: base.seq,
    expectedChainAt:
      loaded !== undefined && config.hashChain
        ? { seq: loaded.seq, chain: loaded.chainHead }
        : undefined,
    hashChain: config.hashChain,
    hmacKey,
    mode: config.recoveryMode,
    onFrame: (seq, _ts, kind, payload) => {
      // A volatile commit's frame is a marker without effects: the commit is lost on crash.
      if (kind === FRAME_KIND_VOLATILE) return;
      if (kind !== FRAME_KIND_COMMIT) {
        throw new CorruptionError(`WAL frame ${seq} has unknown kind ${kind}`, { seq, kind });
      }
      visitor.seq = seq;
      try {
        readEffects(payload, 0, payload.length, visitor);
      } catch (err) {
        throw new CorruptionError(
          `WAL frame ${seq} passed its checksum but its effects do not decode: ${describeError(err)}`,
          { seq },
        );
      }
    },
  });
  const repair =
    !readOnly && (scan.tornTail !== undefined || scan.dropped !== undefined)
      ? repairWal(paths.wal, scan)
      : undefined;

  const lastSeq = Math.max(base.seq, scan.lastSeq);
  const state = working.publish(lastSeq);
  const wal = readOnly
    ? undefined
    : WalWriter.open({
        dir: paths.wal,
        nextSeq: scan.resume.nextSeq,
        prevChain: scan.resume.prevChain,
        hashChain: config.hashChain,
        hmacKey,
        maxSegmentBytes: config.maxSegmentBytes,
        appendTo: scan.resume.appendTo,
      });

  const report: RecoveryReport = {
    checkpoint:
      loaded === undefined
        ? undefined
        : {
            file: loaded.file,
            seq: loaded.seq,
            entries: loaded.entries,
            bytes: loaded.bytes,
            loadMs: loaded.durationMs,
          },
    skippedCheckpoints: skipped.map((s) => ({ file: s.file, reason: s.reason })),
    framesReplayed: scan.framesApplied,
    framesScanned: scan.framesScanned,
    recoveredSeq: lastSeq,
    tornTail: scan.tornTail,
    dropped: scan.dropped,
    quarantined: repair?.quarantined ?? [],
    durationMs: performance.now() - started,
  };
  if (wal === undefined) return { working, state, checkpointState: base, report };
  return { working, state, checkpointState: base, wal, report };
}
