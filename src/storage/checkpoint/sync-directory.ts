import { open } from 'node:fs/promises';

import { FailPoints } from '../fail-points';

/**
 * fsync a directory, so that the file creations, renames and deletions in it survive a crash.
 *
 * A rename is atomic but not durable by itself: until the directory is synced, a power loss
 * can bring back the old name. Hits the `dir.sync` fail point first. Errors are Node's fs
 * errors, unwrapped: callers add what they were doing.
 */
export async function syncDirectory(dir: string): Promise<void> {
  FailPoints.hit('dir.sync');
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
