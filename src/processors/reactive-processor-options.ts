import { ValidationError } from '../storage/errors';

/**
 * Where a processor that has no checkpoint yet starts reading:
 * - `'beginning'` (default): every event in the log;
 * - `'end'`: only events committed after the processor was first started;
 * - a commit seq `n`: events of commits after `n`.
 *
 * Ignored once the processor has a checkpoint (it always resumes from there).
 */
export type ProcessorStartFrom = 'beginning' | 'end' | number;

/**
 * Options of {@link AedbInstance.startReactiveProcessor}. Every field is optional; the
 * defaults are those of aedb (see `docs/processors.md` for the full table).
 */
export interface ReactiveProcessorOptions {
  /** The caller the processor acts as (recorded now; enforced once secure mode exists). */
  readonly callerId?: string;
  /** Deliver only events of this topic (read through the topic index). Default: every topic. */
  readonly topicFilter?: string;
  /** Also run the handler every `runIntervalMs`, with `[]` when nothing is pending. Default `false`. */
  readonly runOnInterval?: boolean;
  /** SLO: the lag (in commits) above which the processor breaches. Default: none. */
  readonly maxAllowedLagCommits?: number;
  /** SLO: how long pending events may wait without progress. Default: none. */
  readonly maxAllowedStallMs?: number;
  /** Max events per handler call (whole commits are never split). Default 256. */
  readonly maxEventsPerRun?: number;
  /** Max payload bytes per handler call (whole commits are never split). Default 2 MiB. */
  readonly maxBytesPerRun?: number;
  /** A handler call longer than this counts as an overrun in health. Default 250 ms. */
  readonly maxRunDurationMs?: number;
  /** The period of `runOnInterval` runs. Default 20 ms. */
  readonly runIntervalMs?: number;
  /** The pause before retrying after the engine itself failed (read, checkpoint, dead letter). Default 50 ms. */
  readonly idleBackoffMs?: number;
  /** Persist the checkpoint once it advanced this many commits. Default 64. */
  readonly checkpointWatermarkCommits?: number;
  /** Retries after the first failed attempt before the batch is dead-lettered. Default 3. */
  readonly maxRetries?: number;
  /** Base of the exponential backoff: `retryBackoffMs * 2^min(attempt-1, 8)`. Default 100 ms. */
  readonly retryBackoffMs?: number;
  /** Where a processor without a checkpoint starts. Default `'beginning'`. */
  readonly startFrom?: ProcessorStartFrom;
  /**
   * How long `stop()` (and `close()`) waits for a handler call in flight. A handler that
   * ignores `ctx.signal` past this is abandoned: the processor stops without it, the timeout is
   * reported on `processorErrors$`, and the batch is delivered again on the next start.
   * Default 30,000 ms.
   */
  readonly stopTimeoutMs?: number;
}

/** {@link ReactiveProcessorOptions} with every default applied. */
export interface ResolvedProcessorOptions {
  readonly callerId: string | undefined;
  readonly topicFilter: string | undefined;
  readonly runOnInterval: boolean;
  readonly maxAllowedLagCommits: number | undefined;
  readonly maxAllowedStallMs: number | undefined;
  readonly maxEventsPerRun: number;
  readonly maxBytesPerRun: number;
  readonly maxRunDurationMs: number;
  readonly runIntervalMs: number;
  readonly idleBackoffMs: number;
  readonly checkpointWatermarkCommits: number;
  readonly maxRetries: number;
  readonly retryBackoffMs: number;
  readonly startFrom: ProcessorStartFrom;
  readonly stopTimeoutMs: number;
}

/** The defaults of every processor option (aedb's, plus `startFrom: 'beginning'`). */
export const DEFAULT_PROCESSOR_OPTIONS: ResolvedProcessorOptions = Object.freeze({
  callerId: undefined,
  topicFilter: undefined,
  runOnInterval: false,
  maxAllowedLagCommits: undefined,
  maxAllowedStallMs: undefined,
  maxEventsPerRun: 256,
  maxBytesPerRun: 2 * 1024 * 1024,
  maxRunDurationMs: 250,
  runIntervalMs: 20,
  idleBackoffMs: 50,
  checkpointWatermarkCommits: 64,
  maxRetries: 3,
  retryBackoffMs: 100,
  startFrom: 'beginning',
  stopTimeoutMs: 30_000,
});

const HOUR_MS = 3_600_000;

/** Integer options and their inclusive ranges. */
const INTEGER_RANGES = {
  maxAllowedLagCommits: [0, Number.MAX_SAFE_INTEGER],
  maxAllowedStallMs: [1, 7 * 24 * HOUR_MS],
  maxEventsPerRun: [1, 10_000],
  maxBytesPerRun: [1, 1024 * 1024 * 1024],
  maxRunDurationMs: [1, HOUR_MS],
  runIntervalMs: [1, 24 * HOUR_MS],
  idleBackoffMs: [1, HOUR_MS],
  checkpointWatermarkCommits: [1, 1_000_000],
  maxRetries: [0, 100],
  retryBackoffMs: [0, HOUR_MS],
  stopTimeoutMs: [1, HOUR_MS],
} as const satisfies Partial<Record<keyof ResolvedProcessorOptions, readonly [number, number]>>;

const OPTION_NAMES = Object.keys(DEFAULT_PROCESSOR_OPTIONS) as (keyof ResolvedProcessorOptions)[];

/** Processor names: 1-128 characters of `[A-Za-z0-9_.:-]`. */
export const PROCESSOR_NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Throw a `ValidationError` unless `name` is a valid processor name. */
export function validateProcessorName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !PROCESSOR_NAME_PATTERN.test(name)) {
    throw new ValidationError(
      `reactive processor name: expected 1-128 characters of [A-Za-z0-9_.:-], got ${
        typeof name === 'string' ? JSON.stringify(name.slice(0, 80)) : typeof name
      }`,
      { processorName: typeof name === 'string' ? name : undefined },
    );
  }
}

/**
 * Validate processor options and apply the defaults. Unknown keys are rejected (they are
 * almost always typos). Throws a `ValidationError` that names the processor and the option.
 */
export function resolveProcessorOptions(name: string, input: unknown): ResolvedProcessorOptions {
  if (input === undefined) return DEFAULT_PROCESSOR_OPTIONS;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ValidationError(
      `reactive processor '${name}' options: expected an object, got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}`,
      { processorName: name },
    );
  }
  const given = input as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!(OPTION_NAMES as string[]).includes(key)) {
      throw new ValidationError(
        `reactive processor '${name}' option ${key}: unknown option (expected one of ${OPTION_NAMES.join(', ')})`,
        { processorName: name, option: key },
      );
    }
  }
  const fail = (option: string, expected: string): never => {
    throw new ValidationError(
      `reactive processor '${name}' option ${option}: expected ${expected}, got ${describe(given[option])}`,
      { processorName: name, option },
    );
  };
  const text = (option: 'callerId' | 'topicFilter'): string | undefined => {
    const v = given[option];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length === 0 || v.length > 256 || hasControl(v)) {
      return fail(option, 'a string of 1-256 characters without control characters');
    }
    return v;
  };
  const integer = (option: keyof typeof INTEGER_RANGES): number | undefined => {
    const v = given[option];
    if (v === undefined) return undefined;
    const [lo, hi] = INTEGER_RANGES[option];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
      return fail(option, `an integer from ${lo} to ${hi}`);
    }
    return v;
  };
  const runOnInterval = given.runOnInterval;
  if (runOnInterval !== undefined && typeof runOnInterval !== 'boolean') {
    fail('runOnInterval', 'a boolean');
  }
  const startFrom = given.startFrom;
  if (
    startFrom !== undefined &&
    startFrom !== 'beginning' &&
    startFrom !== 'end' &&
    !(typeof startFrom === 'number' && Number.isSafeInteger(startFrom) && startFrom >= 0)
  ) {
    fail('startFrom', "'beginning', 'end' or a non-negative integer commit seq");
  }
  const d = DEFAULT_PROCESSOR_OPTIONS;
  return Object.freeze({
    callerId: text('callerId'),
    topicFilter: text('topicFilter'),
    runOnInterval: (runOnInterval as boolean | undefined) ?? d.runOnInterval,
    maxAllowedLagCommits: integer('maxAllowedLagCommits'),
    maxAllowedStallMs: integer('maxAllowedStallMs'),
    maxEventsPerRun: integer('maxEventsPerRun') ?? d.maxEventsPerRun,
    maxBytesPerRun: integer('maxBytesPerRun') ?? d.maxBytesPerRun,
    maxRunDurationMs: integer('maxRunDurationMs') ?? d.maxRunDurationMs,
    runIntervalMs: integer('runIntervalMs') ?? d.runIntervalMs,
    idleBackoffMs: integer('idleBackoffMs') ?? d.idleBackoffMs,
    checkpointWatermarkCommits:
      integer('checkpointWatermarkCommits') ?? d.checkpointWatermarkCommits,
    maxRetries: integer('maxRetries') ?? d.maxRetries,
    retryBackoffMs: integer('retryBackoffMs') ?? d.retryBackoffMs,
    startFrom: (startFrom as ProcessorStartFrom | undefined) ?? d.startFrom,
    stopTimeoutMs: integer('stopTimeoutMs') ?? d.stopTimeoutMs,
  });
}

/** The options as stored in the registry (JSON; unset optional fields are left out). */
export function optionsToJson(options: ResolvedProcessorOptions): string {
  return JSON.stringify(options);
}

/** Parse options stored by {@link optionsToJson} (validated again). */
export function optionsFromJson(name: string, json: string): ResolvedProcessorOptions {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new ValidationError(
      `reactive processor '${name}': stored options are not valid JSON (${(err as Error).message})`,
      { processorName: name },
    );
  }
  return resolveProcessorOptions(name, parsed);
}

/** The delay before retry number `attempt` (1-based: the delay after the first failure is attempt 1). */
export function retryDelayMs(options: ResolvedProcessorOptions, attempt: number): number {
  return options.retryBackoffMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 8);
}

function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}...` : v);
  if (v === null) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return Array.isArray(v) ? 'an array' : typeof v;
}
