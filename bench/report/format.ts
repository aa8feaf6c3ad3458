/** Number formatting shared by the text, Markdown and SVG reports. */
import type { MetricUnit } from '../workloads/workload';
import type { Spread } from './results-model';

function sig(v: number, digits = 3): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 100) return v.toFixed(0);
  if (abs >= 10) return v.toFixed(1);
  return v.toPrecision(digits);
}

function withSeparators(v: number): string {
  return Math.round(v).toLocaleString('en-US');
}

/** One value in its unit: `1,234,567/s`, `1.23 ms`, `45.6 µs`, `120 MiB`, `2.34x`. */
export function formatValue(v: number, unit: MetricUnit): string {
  if (!Number.isFinite(v)) return 'n/a';
  switch (unit) {
    case 'ops/s':
      return v >= 100 ? withSeparators(v) : sig(v);
    case 'us':
      return Math.abs(v) >= 1000 ? `${sig(v / 1000)} ms` : `${sig(v)} µs`;
    case 'ms':
      return Math.abs(v) >= 10_000 ? `${sig(v / 1000)} s` : `${sig(v)} ms`;
    case 'bytes':
      return Math.abs(v) >= 2 ** 30
        ? `${(v / 2 ** 30).toFixed(2)} GiB`
        : `${(v / 2 ** 20).toFixed(1)} MiB`;
    case 'x':
      return `${v.toFixed(2)}x`;
    case 'count':
      return withSeparators(v);
    case '%':
      return `${sig(v)}%`;
  }
}

/** `median (min–max)`, or just the median for one repetition. */
export function formatSpread(s: Spread | undefined, unit: MetricUnit): string {
  if (s === undefined) return '–';
  const m = formatValue(s.median, unit);
  if (s.n < 2) return m;
  return `${m} (${formatValue(s.min, unit)}–${formatValue(s.max, unit)})`;
}

/** A ratio as `2.34x`. */
export function formatRatio(r: number): string {
  if (!Number.isFinite(r)) return 'n/a';
  return r >= 100 ? `${r.toFixed(0)}x` : `${r.toFixed(2)}x`;
}

/** The name of an engine row: `aedb`, `aedb (snapshot)`. */
export function rowName(engine: string, variant: string): string {
  return variant === 'default' ? engine : `${engine} (${variant})`;
}
