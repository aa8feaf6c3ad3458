/**
 * Shared helpers of the checkpoint suites: temp directories, trees built from entry lists, and
 * images around them. Trees are the engine's real `PersistentBTree` (frozen snapshots).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { PersistentBTree } from '../../../src/storage/btree/persistent-btree';
import type { LoadedTree } from '../../../src/storage/checkpoint/checkpoint-reader';
import type {
  CheckpointImage,
  CheckpointTree,
} from '../../../src/storage/checkpoint/checkpoint-writer';

/** One entry: key, value, seq. */
export type Entry = readonly [key: string, value: string, seq: number];

/** A fresh temp directory; removed by {@link removeTmpDir}. */
export function makeTmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'aedb-ckpt-'));
}

/** Remove a temp directory made by {@link makeTmpDir}. */
export function removeTmpDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A frozen tree holding `entries` (any order, keys unique). */
export function treeOf(entries: readonly Entry[]): PersistentBTree {
  const sorted = [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return PersistentBTree.fromSorted(
    sorted.map((e) => e[0]),
    sorted.map((e) => e[1]),
    sorted.map((e) => e[2]),
  ).snapshot();
}

/** `n` entries `user:00000001`… with `valueBytes`-byte values and seqs 1..n. */
export function userEntries(n: number, valueBytes = 100): Entry[] {
  const out: Entry[] = [];
  for (let i = 1; i <= n; i++) {
    const suffix = String(i).padStart(8, '0');
    out.push([`user:${suffix}`, suffix.padStart(valueBytes, 'v'), i]);
  }
  return out;
}

/** The entries of a loaded tree, for comparison with what was written. */
export function entriesOf(tree: LoadedTree): Entry[] {
  return tree.keys.map((k, i): Entry => [k, tree.values[i], tree.seqs[i]]);
}

/** The entries of a tree in key order. */
export function entriesOfTree(tree: PersistentBTree): Entry[] {
  const out: Entry[] = [];
  tree.range(undefined, undefined, false, (k, v, s) => {
    out.push([k, v, s]);
  });
  return out;
}

/** An image at `seq` with the given trees and a recognizable chain head and meta. */
export function imageOf(
  seq: number,
  trees: Record<string, readonly Entry[]>,
  extra: Partial<CheckpointImage> = {},
): CheckpointImage {
  const list: CheckpointTree[] = Object.entries(trees).map(([id, entries]) => ({
    id,
    map: treeOf(entries),
  }));
  return {
    seq,
    createdAtMicros: 1_700_000_000_000_000 + (seq % 1000),
    chainHead: Buffer.alloc(32, seq % 256),
    meta: Buffer.from(JSON.stringify({ catalog: 'v1', seq })),
    trees: list,
    ...extra,
  };
}

/** The names in `dir`, sorted. */
export function namesIn(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}
