/**
 * The physical ceiling of a durable commit: append 4 KiB to a file and `fdatasync` it, in a
 * loop. `sync` calls `fs.fdatasyncSync` (the bare syscall); `async` calls `fs.fdatasync` with a
 * callback (what an engine on the libuv thread pool pays, aedb included).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runSequential, type LoopResult, type LoopTiming } from '../harness/timed-loops';

const BLOCK = Buffer.alloc(4096, 0x61);

/** Run the probe in `dir` for `timing`. */
export async function rawDiskProbe(
  dir: string,
  mode: 'sync' | 'async',
  timing: LoopTiming,
): Promise<LoopResult> {
  const file = path.join(dir, 'probe.bin');
  const fd = fs.openSync(file, 'w');
  let offset = 0;
  const syncOp = (): Promise<void> => {
    fs.writeSync(fd, BLOCK, 0, BLOCK.length, offset);
    offset += BLOCK.length;
    fs.fdatasyncSync(fd);
    return Promise.resolve();
  };
  const asyncOp = (): Promise<void> => {
    fs.writeSync(fd, BLOCK, 0, BLOCK.length, offset);
    offset += BLOCK.length;
    return new Promise((resolve, reject) =>
      fs.fdatasync(fd, (err) => (err === null ? resolve() : reject(err))),
    );
  };
  try {
    return await runSequential(mode === 'sync' ? syncOp : asyncOp, timing);
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
}

/** How the probe is described in the output. */
export const RAW_DISK_DESCRIPTION =
  'append 4 KiB with writeSync, then fdatasync (sync: fdatasyncSync; async: fs.fdatasync)';
