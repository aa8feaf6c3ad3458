/**
 * A small seeded pseudo-random generator (mulberry32), so that every engine sees the same
 * "random" key order and the same read keys in every run.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The numbers `1..n` in a seeded random order (Fisher-Yates). */
export function shuffledRange(n: number, seed: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i + 1;
  const rnd = seededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

/** `count` seeded random numbers from `1..n` (with repetition). */
export function randomIds(count: number, n: number, seed: number): Uint32Array {
  const out = new Uint32Array(count);
  const rnd = seededRandom(seed);
  for (let i = 0; i < count; i++) out[i] = 1 + Math.floor(rnd() * n);
  return out;
}
