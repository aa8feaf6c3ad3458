/**
 * Shared fixture of the processor suites: real instances on real temp directories (closed and
 * removed after each test), typed-error assertions, and polling helpers for asynchronous
 * delivery. Everything engine-side comes from the public surface (`src/index.ts`).
 */
import {
  AedbError,
  AedbInstance,
  type AedbConfigInput,
  type AedbErrorCode,
  type OutboxEvent,
} from '../../src/index';
import { useTempDirs } from '../support/temp-dir';

/** No fsync cost where durability is not what is tested. */
export const OS_MODE: AedbConfigInput = Object.freeze({ durabilityMode: 'os' });

/** Any AedbError subclass (or Error subclass). */
export type ErrorClass = abstract new (...args: never[]) => Error;

/** Handles of one suite's fixture. */
export interface ProcessorFixture {
  /** A fresh directory (removed after the test). */
  dir(): string;
  /** Open `dir` (closed after the test) with project `p` and scope `s` created. */
  open(dir?: string, config?: AedbConfigInput): Promise<AedbInstance>;
  /** Close `db` and open its directory again. */
  reopen(db: AedbInstance, config?: AedbConfigInput): Promise<AedbInstance>;
}

/** Register the fixture in the calling file or `describe`. */
export function useProcessorFixture(): ProcessorFixture {
  const opened: AedbInstance[] = [];
  const dirs = useTempDirs(async () => {
    for (const db of opened.splice(0)) await db.close().catch(() => undefined);
  });
  const open = async (
    dir = dirs.make(),
    config: AedbConfigInput = OS_MODE,
  ): Promise<AedbInstance> => {
    const db = await AedbInstance.open(dir, config);
    opened.push(db);
    await db.createProject('p', { ifNotExists: true });
    await db.createScope('p', 's', { ifNotExists: true });
    return db;
  };
  return {
    dir: () => dirs.make(),
    open,
    async reopen(db, config) {
      await db.close();
      return open(db.dir, config);
    },
  };
}

/** Emit `count` events of `topic` (one commit each); resolves with the last commit seq. */
export async function emitMany(
  db: AedbInstance,
  topic: string,
  count: number,
  prefix = 'k',
): Promise<number> {
  let seq = 0;
  for (let i = 0; i < count; i++) {
    seq = (await db.emitEvent('p', 's', topic, `${prefix}${i}`, JSON.stringify({ i }))).commitSeq;
  }
  return seq;
}

/** Poll `condition` every 5 ms until it holds; fail after `timeoutMs` with `what`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Resolve after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A handler that records every batch it receives. */
export function recorder(): {
  batches: OutboxEvent[][];
  keys: () => string[];
  handler: (events: readonly OutboxEvent[]) => void;
} {
  const batches: OutboxEvent[][] = [];
  return {
    batches,
    keys: () => batches.flat().map((e) => e.eventKey),
    handler: (events) => {
      batches.push([...events]);
    },
  };
}

/** Assert that `promise` rejects with an error of `cls`, `code`, and a message containing `message`. */
export async function expectRejects(
  promise: Promise<unknown>,
  cls: ErrorClass,
  code: AedbErrorCode,
  message: string | RegExp,
): Promise<AedbError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(cls);
  expect((caught as AedbError).code).toBe(code);
  expect((caught as Error).message).toMatch(message);
  return caught as AedbError;
}

/** Call `fn` and assert that it returns a Promise that rejects (never throws synchronously). */
export async function expectCallRejects(
  fn: () => Promise<unknown>,
  cls: ErrorClass,
  code: AedbErrorCode,
  message: string | RegExp,
): Promise<AedbError> {
  let result: Promise<unknown>;
  try {
    result = fn();
  } catch (err) {
    throw new Error(`threw synchronously instead of rejecting: ${String(err)}`);
  }
  return expectRejects(result, cls, code, message);
}
