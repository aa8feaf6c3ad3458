import { readdir, unlink } from 'node:fs/promises';
import * as path from 'node:path';

import { CorruptionError, IoError, ValidationError, describeError } from '../errors';
import { CHECKPOINT_TEMP_SUFFIX, parseCheckpointFileName } from './checkpoint-format';
import {
  readCheckpoint,
  type CheckpointReadOptions,
  type LoadedCheckpoint,
} from './checkpoint-reader';
import { syncDirectory } from './sync-directory';

/** A complete checkpoint file found in the checkpoints directory. */
export interface CheckpointFileInfo {
  /** Path of the file. */
  readonly file: string;
  /** The seq in its name. */
  readonly seq: number;
}

/** A checkpoint recovery passed over, and why. */
export interface SkippedCheckpoint {
  /** Path of the file. */
  readonly file: string;
  /** The verification failure (the `CorruptionError` message). */
  readonly reason: string;
  /** The error itself, for its `details` (offset). */
  readonly error: CorruptionError;
}

/** What {@link loadNewestValidCheckpoint} found. */
export interface CheckpointLoadOutcome {
  /** The newest checkpoint that verified; `undefined` when none did (or none exist). */
  readonly loaded?: LoadedCheckpoint;
  /** Newer checkpoints that failed verification, newest first. */
  readonly skipped: SkippedCheckpoint[];
}

/**
 * The complete checkpoints in `dir`, newest (highest seq) first. Temp files and files that
 * do not look like checkpoints are ignored, never deleted here: a temp file may belong to a
 * checkpoint being written right now. A missing directory has no checkpoints.
 * @throws IoError when the directory cannot be read.
 */
export async function listCheckpoints(dir: string): Promise<CheckpointFileInfo[]> {
  const found: CheckpointFileInfo[] = [];
  for (const name of await readNames(dir)) {
    const seq = parseCheckpointFileName(name);
    if (seq !== undefined) found.push({ file: path.join(dir, name), seq });
  }
  return found.sort((a, b) => b.seq - a.seq);
}

/**
 * Delete the `*.tmp` files of interrupted checkpoint writes and fsync the directory.
 * Call it only when no checkpoint is being written (at open, under the directory lock).
 * @returns the deleted paths.
 * @throws IoError when a file cannot be deleted.
 */
export async function removeTempFiles(dir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readNames(dir)) {
    if (!name.endsWith(CHECKPOINT_TEMP_SUFFIX)) continue;
    const file = path.join(dir, name);
    await removeFile(file);
    removed.push(file);
  }
  if (removed.length > 0) await syncDir(dir);
  return removed;
}

/**
 * Delete all but the newest `keep` checkpoints and fsync the directory. Only names matching
 * the checkpoint pattern are considered; their contents are not verified, so call it after a
 * checkpoint has been written (the newest is then known good).
 * @returns the deleted paths, newest first.
 * @throws ValidationError when `keep` is not a non-negative integer.
 * @throws IoError when a file cannot be deleted.
 */
export async function pruneCheckpoints(dir: string, keep: number): Promise<string[]> {
  if (!(Number.isSafeInteger(keep) && keep >= 0)) {
    throw new ValidationError(`keep must be a non-negative integer`, { keep });
  }
  const doomed = (await listCheckpoints(dir)).slice(keep).map((c) => c.file);
  for (const file of doomed) await removeFile(file);
  if (doomed.length > 0) await syncDir(dir);
  return doomed;
}

/**
 * Recovery's choice of checkpoint: try the newest, and on a `CorruptionError` fall back to the
 * next older one, recording each skipped file and why. Any other error (an unreadable file,
 * a bad option) is thrown: silently going back further would hide it.
 * @throws IoError when the directory or a file cannot be read.
 */
export async function loadNewestValidCheckpoint(
  dir: string,
  opts: CheckpointReadOptions = {},
): Promise<CheckpointLoadOutcome> {
  const skipped: SkippedCheckpoint[] = [];
  for (const { file } of await listCheckpoints(dir)) {
    try {
      return { loaded: await readCheckpoint(file, opts), skipped };
    } catch (err) {
      if (!(err instanceof CorruptionError)) throw err;
      skipped.push({ file, reason: err.message, error: err });
    }
  }
  return { skipped };
}

async function readNames(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new IoError(
      `checkpoint directory ${dir}: cannot list: ${describeError(err)}`,
      { file: dir },
      { cause: err },
    );
  }
}

async function removeFile(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new IoError(
      `checkpoint ${file}: cannot delete: ${describeError(err)}`,
      { file },
      { cause: err },
    );
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    await syncDirectory(dir);
  } catch (err) {
    throw new IoError(
      `checkpoint directory ${dir}: fsync failed: ${describeError(err)}`,
      { file: dir },
      { cause: err },
    );
  }
}
