/**
 * Measures how long the event loop was blocked: `perf_hooks.monitorEventLoopDelay` (a
 * histogram sampled every millisecond) and a 1 ms `setInterval` gap probe (the longest time
 * between two ticks, minus the interval). The probe is the stricter of the two: it sees every
 * stall, the histogram only samples.
 */
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';

/** What a {@link StallMonitor} saw. */
export interface StallReport {
  /** Longest gap between two 1 ms interval ticks, minus 1 ms. */
  readonly maxGapMs: number;
  /** `monitorEventLoopDelay` max and p99, in ms. */
  readonly delayMaxMs: number;
  readonly delayP99Ms: number;
}

/** Start with {@link StallMonitor.start}, read with {@link StallMonitor.stop}. */
export class StallMonitor {
  private histogram: IntervalHistogram | undefined;
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  private maxGap = 0;

  start(): void {
    this.histogram = monitorEventLoopDelay({ resolution: 1 });
    this.histogram.enable();
    this.last = performance.now();
    this.maxGap = 0;
    this.timer = setInterval(() => {
      const t = performance.now();
      const gap = t - this.last - 1;
      if (gap > this.maxGap) this.maxGap = gap;
      this.last = t;
    }, 1);
  }

  stop(): StallReport {
    if (this.timer !== undefined) clearInterval(this.timer);
    const h = this.histogram;
    if (h === undefined) return { maxGapMs: 0, delayMaxMs: 0, delayP99Ms: 0 };
    h.disable();
    const tail = performance.now() - this.last - 1;
    return {
      maxGapMs: Math.max(this.maxGap, tail),
      delayMaxMs: h.max / 1e6,
      delayP99Ms: h.percentile(99) / 1e6,
    };
  }
}
