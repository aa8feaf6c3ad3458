/**
 * The data every engine stores: keys `user:00000001`... and a ~100-byte object per key
 * (102 bytes as msgpackr `pack` encodes it).
 */
import { pack } from 'msgpackr';

/** The benchmark value: a small user record. */
export interface BenchValue {
  readonly id: number;
  readonly name: string;
  readonly email: string;
  readonly age: number;
  readonly active: boolean;
  readonly score: number;
  readonly tags: readonly string[];
}

const TAGS: readonly string[] = Object.freeze(['alpha', 'beta']);

/** The key of row `i`: `user:` and `i` zero-padded to 8 digits. */
export function keyOf(i: number): string {
  return 'user:' + String(i).padStart(8, '0');
}

/** The value of row `i`. */
export function valueOf(i: number): BenchValue {
  return {
    id: i,
    name: 'user-' + String(i).padStart(8, '0'),
    email: 'user' + String(i).padStart(8, '0') + '@example.com',
    age: 18 + (i % 80),
    active: (i & 1) === 0,
    score: (i % 100_000) * 1.25,
    tags: TAGS,
  };
}

/** Keys of `ids`, precomputed so read loops do not build strings. */
export function keysOf(ids: Uint32Array): string[] {
  const out = new Array<string>(ids.length);
  for (let i = 0; i < ids.length; i++) out[i] = keyOf(ids[i]);
  return out;
}

/** Raw size of `rows` rows: key bytes plus msgpackr-encoded value bytes (sampled). */
export function rawDataBytes(rows: number): number {
  const sample = Math.min(rows, 1000);
  let total = 0;
  for (let i = 1; i <= sample; i++) total += keyOf(i).length + pack(valueOf(i)).length;
  return Math.round((total / sample) * rows);
}
