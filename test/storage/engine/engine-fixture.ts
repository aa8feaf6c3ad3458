/**
 * Shared fixture of the engine integration suites: real instances on real temp directories,
 * closed (and their directories removed) after each test, plus helpers to assert typed errors
 * and to compare the whole visible state of a database before and after an operation.
 *
 * Everything engine-side is imported from the public surface (`src/index.ts`) only.
 */
import {
  AedbError,
  AedbInstance,
  FailPoints,
  Query,
  Snapshot,
  type AedbConfigInput,
  type AedbErrorCode,
  type ColumnDef,
  type ConsistencyMode,
  type Row,
  type TableSchema,
} from '../../../src/index';
import { useTempDirs } from '../../support/temp-dir';

/** The config most suites use: no fsync cost where durability is not what is tested. */
export const OS_MODE: AedbConfigInput = Object.freeze({ durabilityMode: 'os' });

/** `os` mode without the final checkpoint: the next open recovers by WAL replay alone. */
export const NO_CHECKPOINT_ON_CLOSE: AedbConfigInput = Object.freeze({
  durabilityMode: 'os',
  checkpointOnClose: false,
});

/** Any AedbError subclass. */
export type AedbErrorClass = abstract new (message: string, details?: never) => AedbError;

/** Handles of one suite's engine fixture. */
export interface EngineFixture {
  /** A fresh empty directory (removed after the test). */
  dir(): string;
  /** Open `dir` (tracked: closed after the test). Default config: {@link OS_MODE}. */
  open(dir: string, config?: AedbConfigInput): Promise<AedbInstance>;
  /** Open a fresh directory. */
  fresh(config?: AedbConfigInput): Promise<{ db: AedbInstance; dir: string }>;
  /** Close `db` and open its directory again (with `config`, default {@link OS_MODE}). */
  reopen(db: AedbInstance, config?: AedbConfigInput): Promise<AedbInstance>;
}

/**
 * Register the fixture in the calling file or `describe`: after each test every fail point is
 * reset, every instance opened through it is closed, and its directories are removed.
 */
export function useEngine(): EngineFixture {
  const opened: AedbInstance[] = [];
  const dirs = useTempDirs(async () => {
    FailPoints.reset();
    for (const db of opened.splice(0)) {
      await db.close().catch(() => undefined);
    }
  });
  const open = async (dir: string, config: AedbConfigInput = OS_MODE): Promise<AedbInstance> => {
    const db = await AedbInstance.open(dir, config);
    opened.push(db);
    return db;
  };
  return {
    dir: () => dirs.make(),
    open,
    async fresh(config = OS_MODE) {
      const dir = dirs.make();
      return { db: await open(dir, config), dir };
    },
    async reopen(db, config = OS_MODE) {
      await db.close();
      return open(db.dir, config);
    },
  };
}

/**
 * Run `check` on `db`, then on two reopened instances: the first recovers by WAL replay alone
 * (`db` must be open with `checkpointOnClose: false`), the second from the checkpoint the first
 * one wrote on close. Returns the last instance (open).
 */
export async function checkAcrossReopens(
  engine: EngineFixture,
  db: AedbInstance,
  check: (db: AedbInstance) => Promise<void> | void,
): Promise<AedbInstance> {
  expect(db.config.checkpointOnClose).toBe(false);
  await check(db);
  const head = db.headState().visibleHeadSeq;
  const replayed = await engine.reopen(db, { durabilityMode: 'os', checkpointOnClose: true });
  expect(replayed.recoveryReport.recoveredSeq).toBe(head);
  expect(replayed.recoveryReport.framesReplayed).toBeGreaterThan(0);
  await check(replayed);
  const fromCheckpoint = await engine.reopen(replayed, NO_CHECKPOINT_ON_CLOSE);
  expect(fromCheckpoint.recoveryReport.checkpoint?.seq).toBe(head);
  expect(fromCheckpoint.recoveryReport.framesReplayed).toBe(0);
  await check(fromCheckpoint);
  return fromCheckpoint;
}

/** Assert that `err` is an AedbError of class `cls` with `code` whose message names `mentions`. */
export function expectAedbError(
  err: unknown,
  cls: AedbErrorClass,
  code: AedbErrorCode,
  ...mentions: (string | RegExp)[]
): AedbError {
  expect(err).toBeInstanceOf(cls);
  expect(err).toBeInstanceOf(AedbError);
  const e = err as AedbError;
  expect(e.code).toBe(code);
  for (const m of mentions) {
    if (typeof m === 'string') expect(e.message).toContain(m);
    else expect(e.message).toMatch(m);
  }
  return e;
}

/** Await `promise` and assert it rejects with the given typed error. */
export async function expectRejects(
  promise: Promise<unknown>,
  cls: AedbErrorClass,
  code: AedbErrorCode,
  ...mentions: (string | RegExp)[]
): Promise<AedbError> {
  let outcome: { ok: true; value: unknown } | { ok: false; err: unknown };
  try {
    outcome = { ok: true, value: await promise };
  } catch (err) {
    outcome = { ok: false, err };
  }
  if (outcome.ok) {
    throw new Error(
      `expected a rejection with ${code}, but it resolved with ${show(outcome.value)}`,
    );
  }
  return expectAedbError(outcome.err, cls, code, ...mentions);
}

/** Call `fn` and assert it throws the given typed error synchronously. */
export function expectThrows(
  fn: () => unknown,
  cls: AedbErrorClass,
  code: AedbErrorCode,
  ...mentions: (string | RegExp)[]
): AedbError {
  let value: unknown;
  try {
    value = fn();
  } catch (err) {
    return expectAedbError(err, cls, code, ...mentions);
  }
  throw new Error(`expected a thrown ${code}, but it returned ${show(value)}`);
}

/**
 * Assert that `action` rejects with the typed error and that the visible state (catalog, rows,
 * KV entries with versions, head seq) is exactly what it was before.
 */
export async function expectFailsCleanly(
  db: AedbInstance,
  action: () => Promise<unknown>,
  cls: AedbErrorClass,
  code: AedbErrorCode,
  ...mentions: (string | RegExp)[]
): Promise<AedbError> {
  const before = dumpState(db);
  const err = await expectRejects(action(), cls, code, ...mentions);
  expect(dumpState(db)).toEqual(before);
  return err;
}

/** One KV entry in a dump: hex key and value, and version. */
export interface KvDump {
  readonly key: string;
  readonly value: string;
  readonly version: number;
}

/** One table in a dump. */
export interface TableDump {
  readonly schema: TableSchema;
  readonly rows: Row[];
}

/** Everything a user can see of a database at one seq. */
export interface StateDump {
  readonly seq: number;
  readonly projects: Record<
    string,
    Record<string, { kv: KvDump[]; tables: Record<string, TableDump> }>
  >;
}

/** The whole visible state of `source` (an instance at `consistency`, or a snapshot). */
export function dumpState(
  source: AedbInstance | Snapshot,
  consistency: ConsistencyMode = 'atLatest',
): StateDump {
  const snap = source instanceof Snapshot ? source : source.snapshot(consistency);
  const projects: StateDump['projects'] = {};
  for (const p of snap.listProjects()) {
    const scopes: StateDump['projects'][string] = {};
    for (const s of snap.listScopes(p)) {
      const tables: Record<string, TableDump> = {};
      for (const t of snap.listTables(p, s)) {
        tables[t] = {
          schema: snap.describeTable(p, s, t),
          rows: snap.query(p, s, Query.select('*').from(t)).rows,
        };
      }
      scopes[s] = { kv: kvDump(snap, p, s), tables };
    }
    projects[p] = scopes;
  }
  return { seq: snap.seq, projects };
}

/** Every KV entry of a scope (all pages), as hex. */
export function kvDump(snap: Snapshot, projectId: string, scopeId: string): KvDump[] {
  const out: KvDump[] = [];
  let cursor: string | undefined;
  do {
    const page = snap.kvScanPrefix(projectId, scopeId, '', { limit: 10_000, cursor });
    for (const e of page.entries) {
      out.push({ key: hex(e.key), value: hex(e.value), version: e.version });
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return out;
}

/** Hex of bytes. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** UTF-8 bytes of a string (a plain Uint8Array, not a Buffer). */
export function utf8(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'utf8'));
}

/** The UTF-8 string of bytes. */
export function str(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** Create project `p` and scope `s` (defaults `'p'`, `'s'`). */
export async function createScope(db: AedbInstance, projectId = 'p', scopeId = 's'): Promise<void> {
  await db.createProject(projectId, { ifNotExists: true });
  await db.createScope(projectId, scopeId);
}

/** The standard `users` table: id integer pk, name text, age u8 nullable, email text nullable. */
export const USERS_COLUMNS: readonly ColumnDef[] = Object.freeze([
  { name: 'id', type: 'integer' },
  { name: 'name', type: 'text' },
  { name: 'age', type: 'u8', nullable: true },
  { name: 'email', type: 'text', nullable: true },
]);

/** Create `p.s.users` (and the project and scope). */
export async function createUsers(db: AedbInstance, projectId = 'p', scopeId = 's'): Promise<void> {
  await createScope(db, projectId, scopeId);
  await db.createTable({
    projectId,
    scopeId,
    tableName: 'users',
    columns: USERS_COLUMNS,
    primaryKey: ['id'],
  });
}

/** Every row of a table at the latest state, in primary-key order. */
export async function allRows(
  db: AedbInstance,
  tableName: string,
  projectId = 'p',
  scopeId = 's',
): Promise<Row[]> {
  return (await db.query(projectId, scopeId, Query.select('*').from(tableName))).rows;
}

/** Wait for the Promises and split them into fulfilled values and rejection reasons (by index). */
export async function settle<T>(
  promises: readonly Promise<T>[],
): Promise<{ ok: Map<number, T>; failed: Map<number, unknown> }> {
  const results = await Promise.allSettled(promises);
  const ok = new Map<number, T>();
  const failed = new Map<number, unknown>();
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') ok.set(i, r.value);
    else failed.set(i, r.reason);
  });
  return { ok, failed };
}

/** Resolves after the current event-loop turn's immediates (lets the commit actor run once). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * `promise`, or a rejection naming `what` when it has not settled after `ms` (turns a hang into
 * a quick, explicit test failure instead of the 60 s Jest timeout).
 */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
  } catch {
    return String(value);
  }
}
