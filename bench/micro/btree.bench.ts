/**
 * Micro-benchmark of the persistent B+ tree: bulk build, random point reads, random writes
 * with a snapshot every 64 writes (the group-commit pattern), and memory per entry.
 * Run: node --expose-gc -r @swc-node/register bench/micro/btree.bench.ts
 */
import { PersistentBTree } from '../../src/storage/btree/persistent-btree';

const N = 1_000_000;
const gc = (globalThis as { gc?: () => void }).gc;
function key(i: number): string {
  return 'user:' + String(i).padStart(8, '0');
}
function time<T>(label: string, ops: number, fn: () => T): T {
  const t0 = process.hrtime.bigint();
  const r = fn();
  const ns = Number(process.hrtime.bigint() - t0);
  console.log(
    `${label.padEnd(34)} ${(ops / (ns / 1e9)).toFixed(0).padStart(10)} ops/s  ${(ns / ops).toFixed(0)} ns/op`,
  );
  return r;
}

gc?.();
const heap0 = process.memoryUsage().heapUsed;
const keys: string[] = [];
const vals: string[] = [];
const seqs: number[] = [];
const value = 'x'.repeat(100);
for (let i = 0; i < N; i++) {
  keys.push(key(i));
  vals.push(value.slice(0, 96) + String(i % 10000).padStart(4, '0'));
  seqs.push(i + 1);
}
const tree = time('fromSorted 1M', N, () => PersistentBTree.fromSorted(keys, vals, seqs));
keys.length = 0;
vals.length = 0;
seqs.length = 0;
gc?.();
console.log(
  `heap per entry (key+value+tree)  ${((process.memoryUsage().heapUsed - heap0) / N).toFixed(0)} B`,
);
const probes = Array.from({ length: 1_000_000 }, () => key(Math.floor(Math.random() * N)));
let hits = 0;
time('random get', probes.length, () => {
  for (let i = 0; i < probes.length; i++) if (tree.get(probes[i]) !== undefined) hits++;
});
let seq = N;
time('random set, snapshot every 64', 200_000, () => {
  for (let i = 0; i < 200_000; i++) {
    tree.set(probes[i], value, ++seq);
    if ((i & 63) === 63) tree.snapshot();
  }
});
time('sequential append set', 200_000, () => {
  for (let i = 0; i < 200_000; i++) tree.set('zz' + String(i).padStart(8, '0'), value, ++seq);
});
let scanned = 0;
time('range 100 keys (x10k)', 10_000 * 100, () => {
  for (let i = 0; i < 10_000; i++) {
    let n = 0;
    tree.range(probes[i], undefined, false, () => ++n < 100);
    scanned += n;
  }
});
console.log('hits', hits, 'scanned', scanned, 'size', tree.size);
