/**
 * Crash-test worker of the money-transfer workload (see `transfer-workload.ts`): opens the
 * directory, funds the accounts once, then runs transfers with {@link IN_FLIGHT} in flight —
 * first the retries the harness listed, then the transfers of this cycle — and reports one
 * summary per transfer over IPC once all its attempts resolved, until it is killed.
 *
 * argv: dataDir cycle profile retryFile
 *
 * Broken expectations are reported as errors (the harness fails the run): an attempt failing
 * with anything but `UNDERFLOW` / `ASSERTION_FAILED`, successful attempts of one transfer
 * returning different seqs, two attempts both claiming to have applied it, a sequential retry
 * that is not a duplicate.
 */
import * as fs from 'node:fs';
// Engine modules directly, not src/index: the public entry also loads NestJS (~0.5 s per spawn).
import { AedbInstance } from '../../src/aedb-instance';
import type { CommitResult } from '../../src/storage/commit/commit-request';
import { isAedbError } from '../../src/storage/errors';
import { transferCrashConfig, type TransferCrashProfile } from './crash-config';
import {
  BANK,
  IN_FLIGHT,
  fundingEnvelope,
  transferEnvelope,
  transferSpec,
  type RetryEntry,
  type TransferAck,
  type TransferSpec,
} from './transfer-workload';
import { ackReporter } from './ack-reporter';

const [dir, cycleArg, profileArg, retryFile] = process.argv.slice(2);
const cycle = Number(cycleArg);
const profile = profileArg as TransferCrashProfile;
const config = transferCrashConfig(profile);
const batchMode = config.durabilityMode === 'batch';

const report = ackReporter<TransferAck>();

function fail(message: string): never {
  process.send?.({ type: 'error', message });
  process.exit(1);
}

type Outcome = { ok: true; result: CommitResult } | { ok: false; code: string };

async function submit(db: AedbInstance, t: TransferSpec): Promise<Outcome> {
  try {
    const result = await db.commitEnvelope(transferEnvelope(t), {
      finality: t.visible ? 'visible' : 'durable',
    });
    return { ok: true, result };
  } catch (err) {
    if (!isAedbError(err)) fail(`${t.id}: ${String(err)}`);
    if (err.code !== 'UNDERFLOW' && err.code !== 'ASSERTION_FAILED') {
      fail(`${t.id}: unexpected ${err.code}: ${err.message}`);
    }
    return { ok: false, code: err.code };
  }
}

/** Run every attempt of one transfer and report its summary. */
async function runTransfer(db: AedbInstance, t: TransferSpec): Promise<void> {
  let outcomes: Outcome[];
  if (t.retry === 'concurrent') {
    outcomes = await Promise.all([submit(db, t), submit(db, t)]);
  } else {
    outcomes = [await submit(db, t)];
    if (t.retry === 'sequential' && outcomes[0].ok) {
      const again = await submit(db, t);
      if (!again.ok || again.result.idempotency !== 'duplicate') {
        fail(`${t.id}: a sequential retry was not a duplicate: ${JSON.stringify(again)}`);
      }
      outcomes.push(again);
    }
  }
  const successes = outcomes.flatMap((o) => (o.ok ? [o.result] : []));
  const seqs = new Set(successes.map((r) => r.commitSeq));
  if (seqs.size > 1) fail(`${t.id}: attempts returned different seqs ${[...seqs].join(', ')}`);
  const applied = successes.filter((r) => r.idempotency === 'applied').length;
  if (applied > 1) fail(`${t.id}: ${applied} attempts claim to have applied it`);
  if (successes.some((r) => r.idempotency === undefined)) fail(`${t.id}: no idempotency outcome`);
  const first = outcomes[0];
  if (successes.length > 0) {
    report({
      c: t.c,
      n: t.n,
      seq: successes[0].commitSeq,
      durable: !batchMode || t.economic || !t.visible,
      applied,
      duplicates: successes.length - applied,
    });
  } else {
    report({
      c: t.c,
      n: t.n,
      code: first.ok ? 'OK' : first.code,
      durable: false,
      applied: 0,
      duplicates: 0,
    });
  }
}

async function main(): Promise<void> {
  const db = await AedbInstance.open(dir, config);
  await db.createProject(BANK.projectId, { ifNotExists: true });
  await db.createScope(BANK.projectId, BANK.scopeId, { ifNotExists: true });
  try {
    await db.commitEnvelope(fundingEnvelope());
  } catch (err) {
    if (!isAedbError(err) || err.code !== 'ASSERTION_FAILED') throw err; // funded already
  }
  const retries = JSON.parse(fs.readFileSync(retryFile, 'utf8')) as RetryEntry[];
  process.send?.({ type: 'ready' });
  const queue: TransferSpec[] = retries.map((r) => transferSpec(r.c, r.n, batchMode));
  let head = 0;
  let next = 0;
  const take = (): TransferSpec =>
    head < queue.length ? queue[head++] : transferSpec(cycle, next++, batchMode);
  const loop = async (): Promise<void> => {
    for (;;) await runTransfer(db, take());
  };
  for (let k = 0; k < IN_FLIGHT; k++) void loop();
}

main().catch((err: unknown) =>
  fail(err instanceof Error ? (err.stack ?? err.message) : String(err)),
);
