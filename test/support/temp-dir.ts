/**
 * Temporary data directories for tests that run against the real file system.
 *
 * `useTempDirs()` registers an `afterEach` in the calling `describe` (or file) that first runs
 * the optional `beforeRemove` hook (close instances, reset fail points) and then removes every
 * directory made during the test.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Prefix of every directory made here (under `os.tmpdir()`). */
export const TEMP_DIR_PREFIX = 'aedb-test-';

/** Make a fresh, empty temp directory. The caller removes it (see {@link removeTempDir}). */
export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), TEMP_DIR_PREFIX));
}

/** Remove a directory and everything in it (missing is fine). */
export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** The temp directories of one test file or `describe` block. */
export interface TempDirs {
  /** A fresh, empty directory, removed after the current test. */
  make(): string;
}

/**
 * Register cleanup of temp directories after each test.
 * @param beforeRemove runs first in the same `afterEach` (e.g. close the instances using them)
 */
export function useTempDirs(beforeRemove?: () => Promise<void> | void): TempDirs {
  const made: string[] = [];
  afterEach(async () => {
    try {
      if (beforeRemove !== undefined) await beforeRemove();
    } finally {
      for (const dir of made.splice(0)) removeTempDir(dir);
    }
  });
  return {
    make(): string {
      const dir = makeTempDir();
      made.push(dir);
      return dir;
    },
  };
}
