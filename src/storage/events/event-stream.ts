import type { OrderedMapView } from '../btree/ordered-map';
import { tableLayout, type TableLayout } from '../commit/table-layout';
import { CorruptionError, ValidationError } from '../errors';
import { SYSTEM_PROJECT } from '../names';
import type { DbState } from '../state/db-state';
import { SYSTEM_SCOPE } from '../system/system-tables';
import { KEY_UPPER_BOUND_SUFFIX, encodeKey } from '../values/key-codec';
import { decodeRowValues } from '../values/row-codec';
import { describeValue } from '../values/normalize-value';

/** One emitted event, as stored in `_system.app.event_outbox`. */
export interface OutboxEvent {
  /** The commit that emitted it. */
  readonly commitSeq: number;
  /** The commit time, epoch microseconds. */
  readonly timestampMicros: number;
  readonly projectId: string;
  readonly scopeId: string;
  readonly topic: string;
  readonly eventKey: string;
  /** The payload as JSON text (`JSON.parse` it). */
  readonly payloadJson: string;
}

/** A page of `readEventStream`. */
export interface EventStreamPage {
  /** Events in commit order (within a commit: by topic, then event key). */
  readonly events: OutboxEvent[];
  /**
   * The commit seq of the last event returned (pass it as `fromSeqExclusive` for the next page,
   * or ack it as a processor checkpoint); `undefined` when the page is empty.
   */
  readonly nextCommitSeq: number | undefined;
  /** Whether more matching events follow this page in the snapshot. */
  readonly hasMore: boolean;
  readonly snapshotSeq: number;
}

/** Filters of `queryEvents`; every given filter must match. */
export interface EventQuery {
  readonly topic?: string;
  readonly projectId?: string;
  readonly scopeId?: string;
  /** Only commits after this seq. */
  readonly fromSeqExclusive?: number;
  /** Only commits up to this seq. */
  readonly toSeqInclusive?: number;
  /** Only events committed at or after this time (epoch microseconds). */
  readonly fromTimeMicros?: number;
  /** Only events committed at or before this time (epoch microseconds). */
  readonly toTimeMicros?: number;
  /** Top-level payload fields that must equal these values (strict equality). */
  readonly payloadEquals?: Readonly<Record<string, string | number | boolean | null>>;
  /** Commit order, `'asc'` (default) or `'desc'`. */
  readonly order?: 'asc' | 'desc';
  /** Max events (1-10,000; default 100). A page is extended to finish its last commit. */
  readonly limit?: number;
}

/** A page of `queryEvents`. */
export interface EventQueryResult {
  readonly events: OutboxEvent[];
  readonly hasMore: boolean;
  readonly snapshotSeq: number;
}

const MAX_LIMIT = 10_000;

/**
 * Read events after `fromSeqExclusive`, optionally of one topic (walks the topic index then,
 * not every event). At most `limit` events, except that a page never splits a commit: the
 * events of its last commit are all included even beyond `limit`.
 */
export function readEventStream(
  state: DbState,
  topicFilter: string | undefined,
  fromSeqExclusive: number,
  limit: number,
): EventStreamPage {
  if (topicFilter !== undefined) checkTopic(topicFilter);
  checkSeq('fromSeqExclusive', fromSeqExclusive);
  checkLimit(limit);
  const result = scanEvents(state, {
    topic: topicFilter,
    fromSeqExclusive,
    limit,
    order: 'asc',
  });
  const last = result.events[result.events.length - 1];
  return {
    events: result.events,
    nextCommitSeq: last?.commitSeq,
    hasMore: result.hasMore,
    snapshotSeq: state.seq,
  };
}

/** Query events by topic, scope, seq and time range and top-level payload fields. */
export function queryEvents(state: DbState, query: EventQuery): EventQueryResult {
  if (query === null || typeof query !== 'object') {
    throw new ValidationError('queryEvents: expected a query object');
  }
  if (query.topic !== undefined) checkTopic(query.topic);
  for (const key of ['projectId', 'scopeId'] as const) {
    const v = query[key];
    if (v !== undefined && typeof v !== 'string') {
      throw new ValidationError(`queryEvents.${key}: expected a string, got ${typeof v}`);
    }
  }
  for (const key of [
    'fromSeqExclusive',
    'toSeqInclusive',
    'fromTimeMicros',
    'toTimeMicros',
  ] as const) {
    if (query[key] !== undefined) checkSeq(key, query[key]);
  }
  if (query.order !== undefined && query.order !== 'asc' && query.order !== 'desc') {
    throw new ValidationError(
      `queryEvents.order: expected 'asc' or 'desc', got ${describeValue(query.order)}`,
    );
  }
  const fields = query.payloadEquals;
  if (fields !== undefined) {
    if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
      throw new ValidationError('queryEvents.payloadEquals: expected an object of field values');
    }
    for (const [k, v] of Object.entries(fields)) {
      if (v !== null && !['string', 'number', 'boolean'].includes(typeof v)) {
        throw new ValidationError(
          `queryEvents.payloadEquals.${k}: expected a string, number, boolean or null, got ${typeof v}`,
        );
      }
    }
  }
  const limit = query.limit ?? 100;
  checkLimit(limit);
  const { events, hasMore } = scanEvents(state, {
    ...query,
    limit,
    order: query.order ?? 'asc',
  });
  return { events, hasMore, snapshotSeq: state.seq };
}

interface Scan extends EventQuery {
  readonly limit: number;
  readonly order: 'asc' | 'desc';
}

function scanEvents(state: DbState, scan: Scan): { events: OutboxEvent[]; hasMore: boolean } {
  const table = state.catalog.table(SYSTEM_PROJECT, SYSTEM_SCOPE, 'event_outbox');
  if (table === undefined) return { events: [], hasMore: false };
  const layout = tableLayout(table);
  const rows = state.tree(layout.rowsTreeId);
  const seqLo =
    scan.fromSeqExclusive === undefined
      ? undefined
      : seqPrefix(scan.fromSeqExclusive) + KEY_UPPER_BOUND_SUFFIX;
  const seqHi =
    scan.toSeqInclusive === undefined
      ? undefined
      : seqPrefix(scan.toSeqInclusive) + KEY_UPPER_BOUND_SUFFIX;
  const events: OutboxEvent[] = [];
  let hasMore = false;
  let lastSeq = -1;
  const visit = (encodedRow: string): boolean => {
    const event = decodeEvent(layout, encodedRow);
    if (events.length >= scan.limit && event.commitSeq !== lastSeq) {
      if (matches(event, scan)) {
        hasMore = true;
        return false;
      }
      return true;
    }
    if (!matches(event, scan)) return true;
    events.push(event);
    lastSeq = event.commitSeq;
    return true;
  };
  const reverse = scan.order === 'desc';
  if (scan.topic !== undefined) {
    const index = layout.indexes.find((i) => i.schema.name === 'by_topic');
    if (index === undefined) throw new CorruptionError('event_outbox has no by_topic index');
    const topicPrefix = encodeKey(['text'], [scan.topic]);
    const tree: OrderedMapView = state.tree(index.treeId);
    tree.range(
      seqLo === undefined ? topicPrefix : topicPrefix + seqLo,
      seqHi === undefined ? topicPrefix + KEY_UPPER_BOUND_SUFFIX : topicPrefix + seqHi,
      reverse,
      (_key, pk) => {
        const encoded = rows.get(pk);
        if (encoded === undefined)
          throw new CorruptionError('event_outbox index entry without its row');
        return visit(encoded);
      },
    );
  } else {
    rows.range(seqLo, seqHi, reverse, (_key, encoded) => visit(encoded));
  }
  return { events, hasMore };
}

function matches(e: OutboxEvent, q: EventQuery): boolean {
  if (q.projectId !== undefined && e.projectId !== q.projectId) return false;
  if (q.scopeId !== undefined && e.scopeId !== q.scopeId) return false;
  if (q.fromTimeMicros !== undefined && e.timestampMicros < q.fromTimeMicros) return false;
  if (q.toTimeMicros !== undefined && e.timestampMicros > q.toTimeMicros) return false;
  if (q.payloadEquals !== undefined) {
    let payload: unknown;
    try {
      payload = JSON.parse(e.payloadJson);
    } catch {
      return false;
    }
    if (payload === null || typeof payload !== 'object') return false;
    for (const [k, v] of Object.entries(q.payloadEquals)) {
      if ((payload as Record<string, unknown>)[k] !== v) return false;
    }
  }
  return true;
}

function decodeEvent(layout: TableLayout, encoded: string): OutboxEvent {
  const v = decodeRowValues(layout.table, encoded);
  return {
    commitSeq: v[0] as number,
    topic: v[1] as string,
    eventKey: v[2] as string,
    timestampMicros: v[3] as number,
    projectId: v[4] as string,
    scopeId: v[5] as string,
    payloadJson: v[6] as string,
  };
}

/** The encoded key prefix of every event row of commit `seq`. */
function seqPrefix(seq: number): string {
  return encodeKey(['integer'], [seq]);
}

function checkTopic(topic: unknown): void {
  if (typeof topic !== 'string' || topic.length === 0 || topic.length > 256) {
    throw new ValidationError(
      `event topic: expected a string of 1-256 characters, got ${typeof topic === 'string' ? JSON.stringify(topic) : typeof topic}`,
    );
  }
}

function checkSeq(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(
      `${name}: expected a non-negative integer, got ${describeValue(value)}`,
    );
  }
}

function checkLimit(limit: unknown): void {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new ValidationError(
      `event limit: expected an integer from 1 to ${MAX_LIMIT}, got ${describeValue(limit)}`,
    );
  }
}
