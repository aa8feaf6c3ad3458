/**
 * The per-row end of query execution: decode, filter, then either emit in scan order (with
 * offset and early stop) or buffer for the sort, keeping only the best `offset + limit` rows.
 *
 * @module
 */
import type { Row, Value } from '../schema';
import { decodeRowValues } from '../values/row-codec';
import { compareValues } from '../values/value-order';
import type { CompiledQuery } from './compiled-query';
import { TRUE } from './compiled-predicate';
import type { RowProjector } from './row-projector';

/** A selected row waiting for the sort: its decoded values and its primary key (tie-break). */
interface Pending {
  readonly pk: string;
  readonly values: readonly Value[];
}

/** Collects the rows of one execution. Single use. */
export class RowCollector {
  /** Rows decoded and checked against the filter so far. */
  examined = 0;
  private skipped = 0;
  private readonly out: Row[] = [];
  private pending: Pending[] = [];
  /** How many sorted rows matter: `offset + limit`, or all. */
  private readonly keep: number | undefined;
  private readonly compare: (a: Pending, b: Pending) => number;
  private readonly project: RowProjector;

  /**
   * @param sort whether rows must be sorted after the scan (else they arrive in result order)
   * @param stopAfter with `sort === false`: selected rows after which the scan may stop
   */
  constructor(
    private readonly compiled: CompiledQuery,
    private readonly sort: boolean,
    private readonly stopAfter: number | undefined,
  ) {
    this.keep = compiled.limit === undefined ? undefined : compiled.offset + compiled.limit;
    this.compare = comparatorFor(compiled);
    this.project = compiled.project;
  }

  /**
   * Take one stored row read under primary key `pk`. Returns `false` when the scan can stop
   * (enough rows in result order).
   */
  accept(pk: string, encoded: string): boolean {
    const compiled = this.compiled;
    const values = decodeRowValues(compiled.table, encoded);
    this.examined++;
    const predicate = compiled.predicate;
    if (predicate !== undefined && predicate(values) !== TRUE) return true;
    if (this.sort) {
      const pending = this.pending;
      pending.push({ pk, values });
      // Bounded top-k: sort and cut back to `keep` whenever the buffer doubles past it, so
      // memory stays O(offset + limit) and the work O(n log k).
      const keep = this.keep;
      if (keep !== undefined && pending.length >= 2 * keep + 256) {
        pending.sort(this.compare);
        pending.length = keep;
      }
      return true;
    }
    if (this.skipped < compiled.offset) {
      this.skipped++;
      return true;
    }
    this.out.push(this.project(values));
    return this.stopAfter === undefined || this.skipped + this.out.length < this.stopAfter;
  }

  /** The result rows, projected, in result order. */
  finish(): Row[] {
    if (!this.sort) return this.out;
    const pending = this.pending;
    pending.sort(this.compare);
    const compiled = this.compiled;
    const end = this.keep === undefined ? pending.length : Math.min(pending.length, this.keep);
    const rows: Row[] = [];
    for (let i = compiled.offset; i < end; i++) rows.push(this.project(pending[i].values));
    return rows;
  }
}

/**
 * The total result order: `orderBy` keys (NULL first ascending, last descending, as
 * `compareValues` orders NULL first and descending is its exact reverse), then the primary key
 * ascending, or descending when the last order key is. Primary key strings compare bytewise,
 * which is key order.
 */
function comparatorFor(compiled: CompiledQuery): (a: Pending, b: Pending) => number {
  const keys = compiled.order.map((k) => ({
    index: k.column.index,
    type: k.column.type,
    sign: k.descending ? -1 : 1,
  }));
  const last = compiled.order[compiled.order.length - 1];
  const tie = last !== undefined && last.descending ? -1 : 1;
  return (a, b) => {
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k];
      const c = compareValues(key.type, a.values[key.index], b.values[key.index]);
      if (c !== 0) return c * key.sign;
    }
    return a.pk < b.pk ? -tie : a.pk > b.pk ? tie : 0;
  };
}
