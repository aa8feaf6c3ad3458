/**
 * The table workload of the crash matrix, shared by the worker (which runs it) and the harness
 * (which replays it to know exactly what may be on disk).
 *
 * A table `crash.tbl.items` with two secondary indexes — `by_a` (unique) and `by_b` — is written
 * by {@link WORKERS} sequential writers at once (so 64 commits are in flight). Writer `w` owns
 * the primary keys `w * PKS_PER_WORKER + j` and is their only writer, and the ops it runs form a
 * deterministic chain: op `k` depends only on (cycle, w, k) and the state its previous ops left.
 * Inserts, upserts, deletes and `updateFields`, two-row commits, and commits that must fail
 * (duplicate key, unique conflict, missing row, a failing second mutation) and change nothing.
 *
 * After a SIGKILL the harness knows the last op of each writer that was acknowledged (`k`), and
 * replays the chain: the writer's rows on disk must equal the state after op `j` for some
 * `j >= k` — every acknowledged op is there exactly, and nothing partial or foreign is.
 */
import type { Mutation } from '../../src/index';

/** Sequential writers, each with one commit in flight. */
export const WORKERS = 64;
/** Primary keys per writer. */
export const PKS_PER_WORKER = 6;
/** Where the table lives. */
export const TABLE = { projectId: 'crash', scopeId: 'tbl', tableName: 'items' } as const;

/** A row as the query returns it. */
export interface ItemRow {
  readonly id: number;
  readonly a: string;
  readonly b: number | null;
  readonly c: string | null;
  /** The op (`cycle * 1e6 + k`) that last wrote the row. */
  readonly n: number;
}

/** The rows of one writer by primary key (`null`: no row). */
export type WriterRows = Map<number, ItemRow | null>;

/** What an op is expected to do. */
export type Expectation = 'ok' | 'ALREADY_EXISTS' | 'NOT_FOUND';

/** One planned op of a chain. */
export interface PlannedOp {
  readonly k: number;
  readonly mutations: Mutation[];
  readonly expect: Expectation;
  /** Readable form, for failure messages. */
  readonly label: string;
}

/** The DDL of the table (idempotent). */
export function tableDdl(): Mutation[] {
  return [
    { type: 'ddl', op: { type: 'createProject', projectId: TABLE.projectId, ifNotExists: true } },
    {
      type: 'ddl',
      op: {
        type: 'createScope',
        projectId: TABLE.projectId,
        scopeId: TABLE.scopeId,
        ifNotExists: true,
      },
    },
    {
      type: 'ddl',
      op: {
        type: 'createTable',
        ...TABLE,
        columns: [
          { name: 'id', type: 'integer' },
          { name: 'a', type: 'text' },
          { name: 'b', type: 'integer', nullable: true },
          { name: 'c', type: 'text', nullable: true },
          { name: 'n', type: 'integer' },
        ],
        primaryKey: ['id'],
        ifNotExists: true,
      },
    },
    {
      type: 'ddl',
      op: {
        type: 'createIndex',
        ...TABLE,
        indexName: 'by_a',
        columns: ['a'],
        unique: true,
        ifNotExists: true,
      },
    },
    {
      type: 'ddl',
      op: { type: 'createIndex', ...TABLE, indexName: 'by_b', columns: ['b'], ifNotExists: true },
    },
  ];
}

/** The primary keys of writer `w`. */
export function writerPks(w: number): number[] {
  return Array.from({ length: PKS_PER_WORKER }, (_v, j) => w * PKS_PER_WORKER + j);
}

/** Mulberry32: a small, fast, seedable PRNG (the chain must be reproducible). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The op chain of writer `w` in `cycle`, starting from `rows` (copied). `next()` plans op
 * `k + 1` and advances the chain's state as if the op had its expected outcome.
 */
export class OpChain {
  private readonly rand: () => number;
  private readonly rows: WriterRows;
  private k = 0;

  constructor(
    private readonly cycle: number,
    readonly w: number,
    rows: ReadonlyMap<number, ItemRow | null>,
  ) {
    this.rand = prng((cycle * 7919 + w * 104729 + 1) >>> 0);
    this.rows = new Map(rows);
    for (const pk of writerPks(w)) if (!this.rows.has(pk)) this.rows.set(pk, null);
  }

  /** The state after the ops planned so far. */
  get state(): ReadonlyMap<number, ItemRow | null> {
    return this.rows;
  }

  /** Number of ops planned so far. */
  get planned(): number {
    return this.k;
  }

  /** Plan the next op and apply its expected effect to the chain's state. */
  next(): PlannedOp {
    this.k++;
    const pks = writerPks(this.w);
    const pk = pks[this.int(pks.length)];
    const other = pks[(pks.indexOf(pk) + 1 + this.int(pks.length - 1)) % pks.length];
    const r = this.rand();
    const row = this.rows.get(pk) ?? null;
    const otherRow = this.rows.get(other) ?? null;
    if (r < 0.12) return this.twoRows(pk, other);
    if (row === null) {
      if (r < 0.6) return this.put('insert', pk);
      if (r < 0.85) return this.put('upsert', pk);
      if (r < 0.93) return this.finish([del(pk)], 'ok', `delete ${pk} (absent)`, []);
      return this.finish([update(pk, { b: 1 })], 'NOT_FOUND', `updateFields ${pk} (absent)`, []);
    }
    if (r < 0.35) return this.put('upsert', pk);
    if (r < 0.6) return this.updateSome(pk, row);
    if (r < 0.78) return this.finish([del(pk)], 'ok', `delete ${pk}`, [[pk, null]]);
    if (r < 0.86)
      return this.finish([insertOf(this.fresh(pk))], 'ALREADY_EXISTS', `insert ${pk} (exists)`, []);
    if (otherRow !== null) {
      // Take another row's unique value: must fail and change nothing.
      return this.finish(
        [update(pk, { a: otherRow.a, n: this.n() })],
        'ALREADY_EXISTS',
        `updateFields ${pk} a=${other}.a`,
        [],
      );
    }
    return this.put('upsert', pk);
  }

  private twoRows(pk: number, other: number): PlannedOp {
    const first = this.fresh(pk);
    const otherRow = this.rows.get(other) ?? null;
    if (this.rand() < 0.25) {
      // The second mutation fails: the first must not apply either.
      const failing: Mutation =
        otherRow === null ? update(other, { c: 'never' }) : insertOf(this.fresh(other));
      const code: Expectation = otherRow === null ? 'NOT_FOUND' : 'ALREADY_EXISTS';
      return this.finish(
        [upsertOf(first), failing],
        code,
        `upsert ${pk} + failing op on ${other}`,
        [],
      );
    }
    if (otherRow === null) {
      const second = this.fresh(other);
      return this.finish(
        [upsertOf(first), insertOf(second)],
        'ok',
        `upsert ${pk} + insert ${other}`,
        [
          [pk, first],
          [other, second],
        ],
      );
    }
    return this.finish([upsertOf(first), del(other)], 'ok', `upsert ${pk} + delete ${other}`, [
      [pk, first],
      [other, null],
    ]);
  }

  private put(kind: 'insert' | 'upsert', pk: number): PlannedOp {
    const row = this.fresh(pk);
    return this.finish([kind === 'insert' ? insertOf(row) : upsertOf(row)], 'ok', `${kind} ${pk}`, [
      [pk, row],
    ]);
  }

  private updateSome(pk: number, row: ItemRow): PlannedOp {
    const fresh = this.fresh(pk);
    const fields: Record<string, unknown> = { n: fresh.n };
    let next: ItemRow = { ...row, n: fresh.n };
    if (this.rand() < 0.5) {
      fields.a = fresh.a;
      next = { ...next, a: fresh.a };
    }
    if (this.rand() < 0.6) {
      fields.b = fresh.b;
      next = { ...next, b: fresh.b };
    }
    if (this.rand() < 0.4) {
      fields.c = fresh.c;
      next = { ...next, c: fresh.c };
    }
    return this.finish(
      [update(pk, fields)],
      'ok',
      `updateFields ${pk} ${Object.keys(fields).join(',')}`,
      [[pk, next]],
    );
  }

  private finish(
    mutations: Mutation[],
    expect: Expectation,
    label: string,
    changes: readonly (readonly [number, ItemRow | null])[],
  ): PlannedOp {
    if (expect === 'ok') for (const [pk, row] of changes) this.rows.set(pk, row);
    return { k: this.k, mutations, expect, label: `w${this.w} op ${this.k}: ${label}` };
  }

  /** A new row for `pk` written by the current op: unique `a`, varied sizes. */
  private fresh(pk: number): ItemRow {
    const n = this.n();
    const b = this.rand() < 0.15 ? null : this.int(10);
    const size = this.rand() < 0.1 ? 150 + this.int(300) : this.int(24);
    const c = this.rand() < 0.2 ? null : `c${n}`.padEnd(size, '.');
    return { id: pk, a: `a${pk}-${n}`, b, c, n };
  }

  private n(): number {
    return this.cycle * 1_000_000 + this.k;
  }

  private int(n: number): number {
    return Math.floor(this.rand() * n);
  }
}

function insertOf(row: ItemRow): Mutation {
  return { type: 'insert', ...TABLE, row: { ...row } };
}

function upsertOf(row: ItemRow): Mutation {
  return { type: 'upsert', ...TABLE, row: { ...row } };
}

function update(pk: number, fields: Record<string, unknown>): Mutation {
  return { type: 'updateFields', ...TABLE, primaryKey: [pk], fields };
}

function del(pk: number): Mutation {
  return { type: 'delete', ...TABLE, primaryKey: [pk] };
}

/** Whether two states of a row are equal. */
export function sameRow(x: ItemRow | null | undefined, y: ItemRow | null | undefined): boolean {
  if (x === null || x === undefined || y === null || y === undefined)
    return (x ?? null) === (y ?? null);
  return x.id === y.id && x.a === y.a && x.b === y.b && x.c === y.c && x.n === y.n;
}

/**
 * Find the op `j >= acked` of `chain` whose state equals `actual` on every pk of the writer,
 * planning at most `horizon` ops beyond `acked`. Returns `j`, or a description of the mismatch.
 */
export function matchChain(
  chain: OpChain,
  acked: number,
  actual: ReadonlyMap<number, ItemRow | null>,
  horizon: number,
): number | string {
  while (chain.planned < acked) chain.next();
  const pks = writerPks(chain.w);
  const mismatched = new Set(pks.filter((pk) => !sameRow(chain.state.get(pk), actual.get(pk))));
  if (mismatched.size === 0) return chain.planned;
  const atAck = [...mismatched]
    .map(
      (pk) =>
        `${pk}: acknowledged ${JSON.stringify(chain.state.get(pk))}, found ${JSON.stringify(actual.get(pk) ?? null)}`,
    )
    .join('; ');
  while (chain.planned < acked + horizon) {
    const op = chain.next();
    if (op.expect !== 'ok') continue;
    for (const pk of pks) {
      if (sameRow(chain.state.get(pk), actual.get(pk))) mismatched.delete(pk);
      else mismatched.add(pk);
    }
    if (mismatched.size === 0) return chain.planned;
  }
  return `writer ${chain.w} (op ${acked} acknowledged) matches no later state: ${atAck}`;
}
