import { ValidationError } from '../storage/errors';
import type { OutboxEvent } from '../storage/events/event-stream';
import type { Mutation } from '../storage/mutation';
import { Expr } from '../storage/query/expr';
import type { Row } from '../storage/schema';
import type { Snapshot } from '../storage/snapshot';
import type { ConsistencyMode } from '../storage/storage-engine';
import {
  checkSeq,
  nowMicros,
  systemDelete,
  systemRows,
  systemUpsert,
  type ProcessorEngine,
} from './processor-engine';
import { describeValue } from '../storage/values/normalize-value';

const TABLE = 'reactive_processor_dead_letters';
const MAX_ERROR_CHARS = 4096;
const MAX_LIMIT = 10_000;
/** Separates event key and topic in the key of a dead letter whose key collided (see `record`). */
export const TOPIC_SEPARATOR = '\u0000';

/** An event a processor gave up on, from `_system.app.reactive_processor_dead_letters`. */
export interface ReactiveProcessorDeadLetter {
  readonly processorName: string;
  readonly commitSeq: number;
  /**
   * The event key; in the rare case that one commit had the same key under two topics, the
   * later one reads `eventKey + '\0' + topic` (the table's key has no topic column).
   */
  readonly eventKey: string;
  readonly topic: string;
  readonly payloadJson: string;
  /** The last error: its name and message (and its cause's). */
  readonly error: string;
  /** Handler attempts made so far (deliveries plus replays). */
  readonly attempts: number;
  /** When the last attempt failed (epoch microseconds). */
  readonly failedAtMicros: number;
}

/** Which dead letters `list`, `replay` and `purge` act on (every given filter must match). */
export interface DeadLetterFilter {
  /** Only dead letters of commits after this seq. */
  readonly fromCommitSeqExclusive?: number;
  /** Only dead letters of this commit. */
  readonly commitSeq?: number;
  /** Only dead letters of this event key. */
  readonly eventKey?: string;
  /** At most this many (1-10,000; default 100 for list, 1,000 for replay, 10,000 for purge). */
  readonly limit?: number;
}

/** Options of `listReactiveProcessorDeadLetters`. */
export interface DeadLetterListOptions extends DeadLetterFilter {
  readonly consistency?: ConsistencyMode;
}

/** A page of dead letters, in (commitSeq, eventKey) order. */
export interface DeadLetterPage {
  readonly deadLetters: ReactiveProcessorDeadLetter[];
  /** Whether more dead letters match after this page. */
  readonly hasMore: boolean;
  readonly snapshotSeq: number;
}

/** Dead letters: written with the checkpoint that skips them, listed, replayed, purged. */
export class DeadLetterStore {
  constructor(private readonly engine: ProcessorEngine) {}

  /**
   * The upserts that record `events` as dead letters of `name` after `attempts` attempts.
   * The table's key has no topic: when one commit holds the same event key under two topics,
   * the later one is stored under `eventKey + '\0' + topic` (event keys never contain control
   * characters), so no dead letter overwrites another.
   */
  record(
    name: string,
    events: readonly OutboxEvent[],
    error: unknown,
    attempts: number,
  ): Mutation[] {
    const text = describeFailure(error);
    const at = nowMicros();
    const used = new Set<string>();
    return events.map((e) => {
      let key = e.eventKey;
      if (used.has(`${e.commitSeq}:${key}`)) key = `${key}${TOPIC_SEPARATOR}${e.topic}`;
      used.add(`${e.commitSeq}:${key}`);
      return systemUpsert(TABLE, {
        processor_name: name,
        commit_seq: e.commitSeq,
        event_key: key,
        topic: e.topic,
        payload_json: e.payloadJson,
        error: text,
        attempts,
        failed_at_micros: at,
      });
    });
  }

  /** The upserts that record another failed attempt of replayed dead letters. */
  recordRetry(letters: readonly ReactiveProcessorDeadLetter[], error: unknown): Mutation[] {
    const text = describeFailure(error);
    const at = nowMicros();
    return letters.map((d) =>
      systemUpsert(TABLE, {
        processor_name: d.processorName,
        commit_seq: d.commitSeq,
        event_key: d.eventKey,
        topic: d.topic,
        payload_json: d.payloadJson,
        error: text,
        attempts: d.attempts + 1,
        failed_at_micros: at,
      }),
    );
  }

  /** The deletes of `letters`. */
  remove(letters: readonly ReactiveProcessorDeadLetter[]): Mutation[] {
    return letters.map((d) =>
      systemDelete(TABLE, {
        processor_name: d.processorName,
        commit_seq: d.commitSeq,
        event_key: d.eventKey,
      }),
    );
  }

  /** Dead letters of `name` matching `filter`, at most `limit` (plus whether more match). */
  list(
    name: string,
    filter: DeadLetterFilter,
    defaultLimit: number,
    consistency: ConsistencyMode = 'atLatest',
  ): DeadLetterPage {
    const limit = checkFilter(filter, defaultLimit);
    const snap = this.engine.systemSnapshot(consistency);
    const rows = this.select(snap, name, filter, limit + 1);
    return {
      deadLetters: rows.slice(0, limit).map(fromRow),
      hasMore: rows.length > limit,
      snapshotSeq: snap.seq,
    };
  }

  private select(snap: Snapshot, name: string, filter: DeadLetterFilter, limit: number): Row[] {
    const terms: Expr[] = [Expr.eq('processor_name', name)];
    if (filter.fromCommitSeqExclusive !== undefined) {
      terms.push(Expr.gt('commit_seq', filter.fromCommitSeqExclusive));
    }
    if (filter.commitSeq !== undefined) terms.push(Expr.eq('commit_seq', filter.commitSeq));
    if (filter.eventKey !== undefined) terms.push(Expr.eq('event_key', filter.eventKey));
    return systemRows(snap, TABLE, terms.length === 1 ? terms[0] : Expr.and(...terms), (q) =>
      q.orderBy('commit_seq').orderBy('event_key').limit(limit),
    );
  }
}

function checkFilter(filter: unknown, defaultLimit: number): number {
  if (filter === null || typeof filter !== 'object') {
    throw new ValidationError('dead letter filter: expected an object');
  }
  const f = filter as DeadLetterFilter;
  if (f.fromCommitSeqExclusive !== undefined) {
    checkSeq('dead letter filter fromCommitSeqExclusive', f.fromCommitSeqExclusive);
  }
  if (f.commitSeq !== undefined) checkSeq('dead letter filter commitSeq', f.commitSeq);
  if (f.eventKey !== undefined && (typeof f.eventKey !== 'string' || f.eventKey.length === 0)) {
    throw new ValidationError(
      `dead letter filter eventKey: expected a non-empty string, got ${typeof f.eventKey}`,
    );
  }
  const limit = f.limit ?? defaultLimit;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new ValidationError(
      `dead letter filter limit: expected an integer from 1 to ${MAX_LIMIT}, got ${describeValue(limit)}`,
    );
  }
  return limit;
}

function fromRow(row: Row): ReactiveProcessorDeadLetter {
  return {
    processorName: row.processor_name as string,
    commitSeq: row.commit_seq as number,
    eventKey: row.event_key as string,
    topic: row.topic as string,
    payloadJson: row.payload_json as string,
    error: row.error as string,
    attempts: row.attempts as number,
    failedAtMicros: row.failed_at_micros as number,
  };
}

/** `Name: message` of an error and its causes, bounded in length. */
export function describeFailure(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e !== undefined && e !== null; depth++) {
    parts.push(e instanceof Error ? `${e.name}: ${e.message}` : describeThrown(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  const text = parts.join(' <- caused by ');
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS - 3)}...` : text;
}

function describeThrown(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}
