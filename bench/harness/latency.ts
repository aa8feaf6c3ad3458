/** Latency samples (milliseconds in, microseconds out) and their percentiles. */

/** Percentiles of a set of latency samples, in microseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly meanUs: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
  readonly maxUs: number;
}

/** Collects samples in a growable typed array (no per-sample allocation). */
export class LatencyRecorder {
  private samples = new Float64Array(1 << 14);
  private n = 0;

  /** Number of samples so far. */
  get count(): number {
    return this.n;
  }

  /** Record one latency in milliseconds. */
  add(ms: number): void {
    if (this.n === this.samples.length) {
      const bigger = new Float64Array(this.samples.length * 2);
      bigger.set(this.samples);
      this.samples = bigger;
    }
    this.samples[this.n++] = ms;
  }

  /** Percentiles (nearest rank) of everything recorded. */
  summary(): LatencySummary {
    const n = this.n;
    if (n === 0) return { count: 0, meanUs: 0, p50Us: 0, p90Us: 0, p99Us: 0, p999Us: 0, maxUs: 0 };
    const sorted = this.samples.slice(0, n).sort();
    let sum = 0;
    for (let i = 0; i < n; i++) sum += sorted[i];
    const at = (q: number): number => sorted[Math.min(n - 1, Math.ceil(q * n) - 1)] * 1000;
    return {
      count: n,
      meanUs: (sum / n) * 1000,
      p50Us: at(0.5),
      p90Us: at(0.9),
      p99Us: at(0.99),
      p999Us: at(0.999),
      maxUs: sorted[n - 1] * 1000,
    };
  }
}
