/**
 * Checkpoint micro benchmark: write and load a checkpoint of N entries (`user:00000001`-style
 * keys, 100-byte values) and rebuild the tree from the loaded arrays, as a reopen does.
 *
 *   node -r @swc-node/register bench/micro/checkpoint.bench.ts [entries] [--hmac]
 *
 * Reports write time, the longest event-loop stall seen by a 1 ms timer while writing (and the
 * writer's own longest slice), file size, load time (read + verify + decode), bulk-build time,
 * and heap use.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

import { PersistentBTree } from '../../src/storage/btree/persistent-btree';
import { readCheckpoint } from '../../src/storage/checkpoint/checkpoint-reader';
import { writeCheckpoint } from '../../src/storage/checkpoint/checkpoint-writer';

// A full GC between rounds, so each load starts from the same heap (works without --expose-gc).
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

function buildTree(n: number): PersistentBTree {
  const keys: string[] = [];
  const values: string[] = [];
  const seqs: number[] = [];
  const pad = 'v'.repeat(92);
  for (let i = 0; i < n; i++) {
    const suffix = String(i + 1).padStart(8, '0');
    keys.push(`user:${suffix}`);
    values.push(pad + suffix);
    seqs.push(i + 1);
  }
  return PersistentBTree.fromSorted(keys, values, seqs);
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** Write the checkpoint while a 1 ms timer measures event-loop stalls; the tree dies after. */
async function writePhase(dir: string, n: number, hmacKey: Buffer | undefined): Promise<string> {
  const image = {
    seq: n,
    createdAtMicros: Date.now() * 1000,
    chainHead: Buffer.alloc(32),
    meta: Buffer.from('{"bench":true}'),
    trees: [{ id: 'kv:bench/app', map: buildTree(n).snapshot() }],
  };
  let maxGap = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 1);
  const written = await writeCheckpoint(dir, image, { hmacKey });
  clearInterval(timer);
  console.log(
    `write  ${n} entries: ${written.durationMs.toFixed(0)} ms, ${mib(written.bytes)}, ` +
      `longest slice ${written.longestSliceMs.toFixed(1)} ms, max 1 ms-timer gap ${maxGap.toFixed(1)} ms`,
  );
  return written.file;
}

/** Load the checkpoint and bulk-build its tree, as a reopen does, from a collected heap. */
async function loadPhase(file: string, round: number, hmacKey: Buffer | undefined): Promise<void> {
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const loaded = await readCheckpoint(file, { hmacKey });
  const t1 = performance.now();
  const t = loaded.trees[0];
  const rebuilt = PersistentBTree.fromSorted(t.keys, t.values, t.seqs);
  const t2 = performance.now();
  collectGarbage();
  const heapAfter = process.memoryUsage().heapUsed;
  console.log(
    `load   #${round}: read+verify+decode ${(t1 - t0).toFixed(0)} ms, fromSorted ` +
      `${(t2 - t1).toFixed(0)} ms, reopen total ${(t2 - t0).toFixed(0)} ms, ` +
      `${rebuilt.size} entries, live heap of the tree ${mib(heapAfter - heapBefore)}`,
  );
}

async function main(): Promise<void> {
  const n = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
  const hmacKey = process.argv.includes('--hmac') ? randomBytes(32) : undefined;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aedb-ckpt-bench-'));
  try {
    const file = await writePhase(dir, n, hmacKey);
    for (let round = 1; round <= 3; round++) await loadPhase(file, round, hmacKey);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
