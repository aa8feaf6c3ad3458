/**
 * The corruption matrix's database: a real directory written through the public API while a
 * reference log records the exact state after every commit, kept as bytes so each trial damages
 * a fresh copy. Also the comparison of what an instance shows against the reference state at
 * its recovered seq ("never silently wrong data").
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  AedbError,
  AedbInstance,
  Query,
  type AedbConfigInput,
  type CorruptionError,
  type Mutation,
} from '../../src/index';

/** What a reader sees at one seq: KV entries (value and version) and rows, as plain text. */
export interface RefState {
  readonly scope: boolean;
  readonly table: boolean;
  readonly kv: ReadonlyMap<string, string>;
  readonly rows: ReadonlyMap<number, string>;
}

/** A written database: its files, the reference state after each seq, and its WAL frames. */
export interface Pristine {
  /** Relative path -> content. */
  readonly files: ReadonlyMap<string, Buffer>;
  /** `states[seq]`: the exact state after commit `seq` (0: empty). */
  readonly states: readonly RefState[];
  readonly lastSeq: number;
}

/** One WAL frame's place in a segment. */
export interface FrameSpan {
  readonly seq: number;
  readonly start: number;
  readonly end: number;
}

const P = 'p';
const S = 's';

/**
 * Write the workload into `dir` and capture it. Commits 1-4 are DDL (project, scope, table with
 * a unique index); then `commits` commits of a KV set, a row upsert and, every fourth, a KV and
 * a row delete — overwriting a few keys again and again, so a stale value would show.
 * `checkpointAt` lists commit numbers after which a checkpoint is written.
 */
export async function writePristine(
  dir: string,
  config: AedbConfigInput,
  commits: number,
  checkpointAt: readonly number[] = [],
): Promise<Pristine> {
  const db = await AedbInstance.open(dir, {
    durabilityMode: 'os',
    checkpointOnClose: false,
    checkpointCommits: 0,
    checkpointWalBytes: 0,
    checkpointIntervalMs: 0,
    ...config,
  });
  const states: RefState[] = [{ scope: false, table: false, kv: new Map(), rows: new Map() }];
  const kv = new Map<string, string>();
  const rows = new Map<number, string>();
  let scope = false;
  let table = false;
  const record = (seq: number): void => {
    expect(seq).toBe(states.length);
    states.push({ scope, table, kv: new Map(kv), rows: new Map(rows) });
  };
  record((await db.createProject(P)).commitSeq);
  scope = true;
  record((await db.createScope(P, S)).commitSeq);
  table = true;
  record(
    (
      await db.createTable({
        projectId: P,
        scopeId: S,
        tableName: 't',
        columns: [
          { name: 'id', type: 'integer' },
          { name: 'v', type: 'text' },
          { name: 'n', type: 'integer', nullable: true },
        ],
        primaryKey: ['id'],
      })
    ).commitSeq,
  );
  record(
    (
      await db.createIndex({
        projectId: P,
        scopeId: S,
        tableName: 't',
        indexName: 'by_v',
        columns: ['v'],
        unique: true,
      })
    ).commitSeq,
  );
  for (let i = 0; i < commits; i++) {
    const seq = states.length;
    const key = `k${i % 7}`;
    const value = `value ${i} `.repeat(1 + (i % 3));
    const id = i % 5;
    const row = { id, v: `row ${i}`, n: i % 4 === 0 ? null : i };
    const mutations: Mutation[] = [
      { type: 'kvSet', projectId: P, scopeId: S, key, value },
      { type: 'upsert', projectId: P, scopeId: S, tableName: 't', row },
    ];
    kv.set(key, `${value}@${seq}`);
    rows.set(id, JSON.stringify(row));
    if (i % 4 === 3) {
      mutations.push({ type: 'kvDel', projectId: P, scopeId: S, key: `k${(i + 3) % 7}` });
      mutations.push({
        type: 'delete',
        projectId: P,
        scopeId: S,
        tableName: 't',
        primaryKey: [(i + 2) % 5],
      });
      kv.delete(`k${(i + 3) % 7}`);
      rows.delete((i + 2) % 5);
    }
    record((await db.commitMany(mutations)).commitSeq);
    if (checkpointAt.includes(i)) expect(await db.checkpointNow()).toBeDefined();
  }
  await db.close();
  const files = new Map<string, Buffer>();
  for (const sub of ['wal', 'checkpoints']) {
    for (const name of fs.readdirSync(path.join(dir, sub)))
      files.set(`${sub}/${name}`, fs.readFileSync(path.join(dir, sub, name)));
  }
  return { files, states, lastSeq: states.length - 1 };
}

/** Replace the content of `dir` with `files`. */
export function restore(dir: string, files: ReadonlyMap<string, Buffer>): void {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const sub of ['wal', 'checkpoints']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  for (const [rel, bytes] of files) fs.writeFileSync(path.join(dir, rel), bytes);
}

/** The WAL segment names of a pristine copy, oldest first. */
export function segmentNames(files: ReadonlyMap<string, Buffer>): string[] {
  return [...files.keys()].filter((f) => f.startsWith('wal/')).sort();
}

/** The frames of a segment's bytes (header 80 bytes; frame = u32 length, u32 CRC, body). */
export function frameSpans(bytes: Buffer): FrameSpan[] {
  const out: FrameSpan[] = [];
  let off = 80;
  while (off + 8 <= bytes.length) {
    const len = bytes.readUInt32LE(off);
    const end = off + 8 + len;
    if (end > bytes.length) break;
    out.push({ seq: Number(bytes.readBigUInt64LE(off + 8)), start: off, end });
    off = end;
  }
  return out;
}

/** What an open attempt did. */
export type OpenOutcome = { readonly db: AedbInstance } | { readonly error: AedbError };

/**
 * Open `dir`; any rejection must be an AedbError (a TypeError, RangeError or other exception
 * fails the test at once, naming the trial).
 */
export async function tryOpen(
  dir: string,
  config: AedbConfigInput,
  trial: string,
): Promise<OpenOutcome> {
  try {
    return {
      db: await AedbInstance.open(dir, {
        durabilityMode: 'os',
        checkpointOnClose: false,
        ...config,
      }),
    };
  } catch (err) {
    if (!(err instanceof AedbError)) {
      throw new Error(
        `${trial}: open failed with a non-AedbError: ${err instanceof Error ? err.stack : String(err)}`,
      );
    }
    return { error: err };
  }
}

/** The visible state of `db` in the form of {@link RefState}. */
export function readState(db: AedbInstance): RefState {
  const snap = db.snapshot();
  const scope = snap.projectExists(P) && snap.scopeExists(P, S);
  const table = scope && snap.tableExists(P, S, 't');
  const kv = new Map<string, string>();
  const rows = new Map<number, string>();
  if (scope) {
    for (const e of snap.kvScanPrefix(P, S, '', { limit: 10_000 }).entries) {
      kv.set(Buffer.from(e.key).toString(), `${Buffer.from(e.value).toString()}@${e.version}`);
    }
  }
  if (table) {
    for (const row of snap.query(P, S, Query.select('id', 'v', 'n').from('t')).rows) {
      rows.set(row.id as number, JSON.stringify(row));
    }
  }
  return { scope, table, kv, rows };
}

/** A readable difference between two states, or `undefined` when equal. */
export function diffStates(actual: RefState, expected: RefState): string | undefined {
  const show = (s: RefState): string =>
    JSON.stringify({
      ...s,
      kv: [...s.kv].sort((x, y) => (x[0] < y[0] ? -1 : 1)),
      rows: [...s.rows].sort((x, y) => x[0] - y[0]),
    });
  const a = show(actual);
  const e = show(expected);
  return a === e ? undefined : `state differs:\n  got      ${a}\n  expected ${e}`;
}

/** Whether `err` is a CorruptionError that names a file and a numeric offset. */
export function namesFileAndOffset(err: AedbError, file?: string): err is CorruptionError {
  if (err.code !== 'CORRUPTION') return false;
  const f = err.details.file;
  if (typeof f !== 'string' || typeof err.details.offset !== 'number') return false;
  if (!err.message.includes(path.basename(f))) return false;
  return file === undefined || f === file;
}
