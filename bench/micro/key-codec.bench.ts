/**
 * Micro-benchmark of the value layer's hot paths: key encode/decode for the common key shapes
 * and row encode/decode for a 5-column row.
 * Run: node -r @swc-node/register bench/micro/key-codec.bench.ts
 */
import type { ColumnType, TableSchema, Value } from '../../src/storage/schema';
import { decodeKey, encodeKey } from '../../src/storage/values/key-codec';
import { normalizeRow } from '../../src/storage/values/normalize-value';
import { decodeRow, decodeRowValues, encodeRow } from '../../src/storage/values/row-codec';

const ROUNDS = 3;
const OPS = 1_000_000;
let sink = 0;

/** Best of ROUNDS (the machine is shared and noisy), after a warm-up. */
function bench(label: string, fn: (i: number) => unknown): void {
  for (let i = 0; i < 100_000; i++) consume(fn(i));
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < OPS; i++) consume(fn(i));
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / OPS);
  }
  console.log(`${label.padEnd(44)} ${best.toFixed(0).padStart(6)} ns/op`);
}

function consume(v: unknown): void {
  if (typeof v === 'string') sink += v.length;
  else if (Array.isArray(v)) sink += v.length;
  else if (v !== null && typeof v === 'object') sink++;
}

const N = 1024;
const ints = Array.from({ length: N }, () => Math.floor((Math.random() - 0.5) * 2 ** 40));
const shortText = Array.from({ length: N }, (_, i) => `u${i * 7919}`);
const text = Array.from({ length: N }, (_, i) => `user:${String(i * 7919).padStart(10, '0')}`);
const unicode = Array.from({ length: N }, (_, i) => `usér:${i}:日本語`);
const u64s = Array.from({ length: N }, (_, i) => BigInt(i) * 0x1_0000_0001n);
const u256s = Array.from({ length: N }, (_, i) => (1n << 200n) + BigInt(i));

const one = (t: ColumnType): ColumnType[] => [t];
const keyOf = (t: ColumnType[], v: readonly Value[][]): string[] => v.map((x) => encodeKey(t, x));

bench('encodeKey integer', (i) => encodeKey(one('integer'), [ints[i & 1023]]));
bench('encodeKey text ascii 6-10 chars', (i) => encodeKey(one('text'), [shortText[i & 1023]]));
bench('encodeKey text ascii 15 chars', (i) => encodeKey(one('text'), [text[i & 1023]]));
bench('encodeKey text non-ascii', (i) => encodeKey(one('text'), [unicode[i & 1023]]));
bench('encodeKey u64', (i) => encodeKey(one('u64'), [u64s[i & 1023]]));
bench('encodeKey u256', (i) => encodeKey(one('u256'), [u256s[i & 1023]]));
const composite: ColumnType[] = ['text', 'integer'];
bench('encodeKey (text, integer)', (i) => encodeKey(composite, [text[i & 1023], ints[i & 1023]]));

const intKeys = keyOf(
  one('integer'),
  ints.map((v) => [v]),
);
const textKeys = keyOf(
  one('text'),
  text.map((v) => [v]),
);
const compositeKeys = keyOf(
  composite,
  text.map((v, i) => [v, ints[i]]),
);
bench('decodeKey integer', (i) => decodeKey(one('integer'), intKeys[i & 1023]));
bench('decodeKey text ascii 15 chars', (i) => decodeKey(one('text'), textKeys[i & 1023]));
bench('decodeKey (text, integer)', (i) => decodeKey(composite, compositeKeys[i & 1023]));

const table: TableSchema = {
  projectId: 'bench',
  scopeId: 'app',
  tableName: 'rows',
  tableId: 1,
  columns: [
    { id: 1, name: 'id', type: 'integer', nullable: false },
    { id: 2, name: 'name', type: 'text', nullable: false },
    { id: 3, name: 'balance', type: 'u64', nullable: false },
    { id: 4, name: 'score', type: 'float', nullable: true },
    { id: 5, name: 'active', type: 'boolean', nullable: false },
  ],
  primaryKey: ['id'],
  indexes: [],
  nextColumnId: 6,
  nextIndexId: 1,
};
const rows = Array.from({ length: N }, (_, i) => ({
  id: ints[i],
  name: text[i],
  balance: u64s[i],
  score: i / 7,
  active: (i & 1) === 0,
}));
const values = rows.map((r) => normalizeRow(table, r, 'full') as Value[]);
const encoded = values.map((v) => encodeRow(table, v));
bench('normalizeRow 5 columns (full)', (i) => normalizeRow(table, rows[i & 1023], 'full'));
bench('encodeRow 5 columns', (i) => encodeRow(table, values[i & 1023]));
bench('decodeRowValues 5 columns', (i) => decodeRowValues(table, encoded[i & 1023]));
bench('decodeRow 5 columns', (i) => decodeRow(table, encoded[i & 1023]));
console.log(`(row size ${encoded[0].length} bytes; sink ${sink > 0})`);
