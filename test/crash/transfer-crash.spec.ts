/**
 * SIGKILL crash matrix, money transfers: a worker runs transfers between {@link ACCOUNTS}
 * accounts as envelopes (`kvSubU64Ex` with `onUnderflow: 'reject'`, `kvAddU64Ex`, a
 * `postflightCheck` reserve, the ledger event, an idempotency key; economic ones fsynced alone)
 * with 64 in flight, some submitted twice at once or again after their acknowledgement, and every
 * transfer a kill left unresolved submitted again by the next worker (see
 * `transfer-workload.ts`). After every kill:
 *
 * 1. `verifyDatabase` passes on the directory exactly as the kill left it;
 * 2. reopened, the state holds: no balance below the reserve (or negative), the total conserved
 *    exactly, the ledger (the `transfer` events of the outbox) replayed over the funding equal to
 *    the balances (so no envelope is partial and nothing moved money but a ledgered transfer),
 *    every transfer at most once in the ledger (idempotent retries never applied twice), every
 *    transfer acknowledged as durable there at exactly its acknowledged seq, no transfer that
 *    failed there, and the recovered seq covering every durable acknowledgement.
 *
 * Profiles (`crash-config.ts`): `transfers-full` (hash chain + HMAC, frequent checkpoints) and
 * `transfers-batch` (`batch` durability: transfers acknowledged as merely visible may be lost,
 * never partially; economic ones must survive). Cycles per profile: `AEDB_CRASH_CYCLES`
 * (default 8).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AedbInstance, decodeU64, type AedbConfigInput } from '../../src/index';
import { compiledPath } from '../support/compiled-workers';
import { recordReliability } from '../support/reliability-stats';
import { transferCrashConfig, type TransferCrashProfile } from './crash-config';
import {
  crashCycles,
  crashTimeout,
  expectVerified,
  randomRunMs,
  runAndKill,
} from './crash-harness';
import {
  ACCOUNTS,
  BANK,
  FUNDED_KEY,
  INITIAL,
  IN_FLIGHT,
  RESERVE,
  TOPIC,
  accountKey,
  parseTransferId,
  transferSpec,
  type RetryEntry,
  type TransferAck,
  type TransferPayload,
  type TransferSpec,
} from './transfer-workload';

const CYCLES = crashCycles(8);
/** Most retries handed to one worker (unresolved transfers first, then sampled ones). */
const MAX_RETRIES = 400;

/** What the harness knows about one transfer. */
interface Known {
  readonly spec: TransferSpec;
  /** The seq of its durable acknowledgement: it must be in the ledger at exactly this seq. */
  durableSeq?: number;
  /** Seqs of its successful acknowledgements (durable or visible). */
  readonly okSeqs: Set<number>;
  /** Every attempt so far failed (and none is unresolved): it must never be in the ledger. */
  failed: boolean;
}

/** The harness's bookkeeping of one profile. */
class TransferBook {
  readonly known = new Map<string, Known>();
  /** Transfers that may have been submitted without resolving (retried by the next worker). */
  readonly unresolved = new Map<string, RetryEntry>();
  /** Acknowledged transfers sampled for a retry by the next worker. */
  sampled: RetryEntry[] = [];
  acked = 0;
  ackedDurable = 0;
  failures = 0;
  duplicates = 0;
  retriedAcrossKills = 0;
  maxDurableSeq = 0;
  readonly problems: string[] = [];

  constructor(private readonly batchMode: boolean) {}

  private get(c: number, n: number): Known {
    const spec = transferSpec(c, n, this.batchMode);
    let k = this.known.get(spec.id);
    if (k === undefined) {
      k = { spec, okSeqs: new Set(), failed: false };
      this.known.set(spec.id, k);
    }
    return k;
  }

  /** The retries the worker of the next cycle runs first. */
  retries(): RetryEntry[] {
    const out = [...this.unresolved.values(), ...this.sampled];
    this.retriedAcrossKills += Math.min(out.length, MAX_RETRIES);
    return out.slice(0, MAX_RETRIES);
  }

  /** Record what the worker of `cycle` reported (it was handed `handed` as retries). */
  note(cycle: number, acks: readonly TransferAck[], handed: readonly RetryEntry[]): void {
    const resolved = new Set<string>();
    let maxN = -1;
    this.sampled = [];
    for (const a of acks) {
      const k = this.get(a.c, a.n);
      resolved.add(k.spec.id);
      if (a.c === cycle) maxN = Math.max(maxN, a.n);
      this.duplicates += a.duplicates;
      if (a.seq === undefined) {
        this.failures++;
        if (k.okSeqs.size === 0) k.failed = true;
        continue;
      }
      this.acked++;
      k.failed = false;
      k.okSeqs.add(a.seq);
      if (a.durable) {
        this.ackedDurable++;
        if (k.durableSeq !== undefined && k.durableSeq !== a.seq) {
          this.problems.push(
            `${k.spec.id}: acknowledged durable at seq ${k.durableSeq}, a retry returned ${a.seq}`,
          );
        }
        k.durableSeq = a.seq;
        this.maxDurableSeq = Math.max(this.maxDurableSeq, a.seq);
      }
      if (a.c === cycle && a.n % 16 === 5) this.sampled.push({ c: a.c, n: a.n });
    }
    for (const r of handed) {
      const id = transferSpec(r.c, r.n, this.batchMode).id;
      if (resolved.has(id)) this.unresolved.delete(id);
    }
    // Everything up to a full window past the last resolved transfer may have been submitted.
    for (let n = 0; n <= maxN + IN_FLIGHT; n++) {
      const id = transferSpec(cycle, n, this.batchMode).id;
      if (!resolved.has(id)) this.unresolved.set(id, { c: cycle, n });
    }
  }
}

/** Every `transfer` event of the snapshot, in commit order. */
function readLedger(db: AedbInstance): { id: string; seq: number; payload: TransferPayload }[] {
  const snap = db.snapshot();
  const out: { id: string; seq: number; payload: TransferPayload }[] = [];
  let from = 0;
  for (;;) {
    const page = snap.readEventStream(TOPIC, from, 5_000);
    for (const e of page.events) {
      out.push({
        id: e.eventKey,
        seq: e.commitSeq,
        payload: JSON.parse(e.payloadJson) as TransferPayload,
      });
    }
    if (!page.hasMore || page.nextCommitSeq === undefined) return out;
    from = page.nextCommitSeq;
  }
}

/** Reopen and check every invariant of the bank (see the module docs); returns problems. */
async function checkBank(
  dir: string,
  config: AedbConfigInput,
  book: TransferBook,
): Promise<{ problems: string[]; verified: number; ledger: number }> {
  const problems: string[] = [];
  let verified = 0;
  const db = await AedbInstance.open(dir, config);
  try {
    const recovered = db.recoveryReport.recoveredSeq;
    if (recovered < book.maxDurableSeq) {
      problems.push(`recovered seq ${recovered} < acknowledged durable seq ${book.maxDurableSeq}`);
    }
    const snap = db.snapshot();
    const keys = snap
      .kvScanPrefix(BANK.projectId, BANK.scopeId, '', { limit: 1_000 })
      .entries.map((e) => Buffer.from(e.key).toString());
    const expectedKeys = [...Array.from({ length: ACCOUNTS }, (_, i) => accountKey(i)), FUNDED_KEY];
    if (keys.join() !== expectedKeys.sort().join()) {
      problems.push(`the bank holds keys ${keys.join(', ')}`);
    }
    const actual: bigint[] = [];
    for (let i = 0; i < ACCOUNTS; i++) {
      const e = snap.kvGet(BANK.projectId, BANK.scopeId, accountKey(i));
      if (e === undefined || e.value.length !== 8) {
        problems.push(
          `${accountKey(i)}: ${e === undefined ? 'missing' : `${e.value.length} bytes`}`,
        );
        actual.push(-1n);
      } else {
        actual.push(decodeU64(e.value));
      }
    }
    const total = actual.reduce((a, b) => a + b, 0n);
    if (total !== INITIAL * BigInt(ACCOUNTS)) {
      problems.push(`total ${total}, expected ${INITIAL * BigInt(ACCOUNTS)}`);
    }
    actual.forEach((b, i) => {
      if (b < RESERVE) problems.push(`${accountKey(i)} holds ${b}, below the reserve ${RESERVE}`);
    });
    // Replay the ledger over the funding: it must reproduce every balance exactly.
    const ledger = readLedger(db);
    const replayed = new Array<bigint>(ACCOUNTS).fill(INITIAL);
    const seen = new Map<string, number>();
    for (const e of ledger) {
      const other = seen.get(e.id);
      if (other !== undefined)
        problems.push(`${e.id} is in the ledger twice (seqs ${other}, ${e.seq})`);
      seen.set(e.id, e.seq);
      const parsed = parseTransferId(e.id);
      const k = book.known.get(e.id);
      const spec =
        k?.spec ?? (parsed === undefined ? undefined : transferSpec(parsed.c, parsed.n, false));
      if (
        spec === undefined ||
        e.payload.from !== spec.from ||
        e.payload.to !== spec.to ||
        BigInt(e.payload.amount) !== spec.amount
      ) {
        problems.push(`${e.id} at seq ${e.seq}: not a transfer of this workload`);
        continue;
      }
      if (k?.failed === true) problems.push(`${e.id} failed but is in the ledger at seq ${e.seq}`);
      if (k?.durableSeq !== undefined && k.durableSeq !== e.seq) {
        problems.push(`${e.id} acknowledged at seq ${k.durableSeq} is in the ledger at ${e.seq}`);
      }
      replayed[spec.from] -= spec.amount;
      replayed[spec.to] += spec.amount;
      if (replayed[spec.from] < RESERVE) {
        problems.push(`${e.id} at seq ${e.seq} left ${accountKey(spec.from)} below the reserve`);
      }
    }
    replayed.forEach((b, i) => {
      if (b !== actual[i])
        problems.push(`${accountKey(i)}: balance ${actual[i]}, ledger says ${b}`);
    });
    for (const [id, k] of book.known) {
      const at = seen.get(id);
      if (k.durableSeq !== undefined) {
        if (at === undefined) problems.push(`${id} acknowledged at seq ${k.durableSeq} is lost`);
        else verified++;
      } else if (at !== undefined && k.okSeqs.has(at)) {
        verified++; // a visible-only acknowledgement that survived, whole
      }
    }
    return { problems, verified, ledger: ledger.length };
  } finally {
    await db.close();
  }
}

describe('SIGKILL crash matrix (money transfers: envelopes, numerics, idempotency, ledger)', () => {
  const profiles: TransferCrashProfile[] = ['transfers-full', 'transfers-batch'];
  let workerJs: string;
  beforeAll(() => {
    workerJs = compiledPath('test/crash/transfer-crash-worker.ts');
  });

  for (const profile of profiles) {
    it(
      `${profile}: money is conserved, the ledger matches, nothing acknowledged is lost or applied twice across ${CYCLES} SIGKILLs`,
      async () => {
        const config = transferCrashConfig(profile);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aedb-crash-bank-'));
        const retryFile = `${dir}.retries.json`;
        const book = new TransferBook(config.durabilityMode === 'batch');
        let verified = 0;
        let lost = 0;
        let ledgerSize = 0;
        try {
          for (let cycle = 0; cycle < CYCLES; cycle++) {
            const handed = book.retries();
            fs.writeFileSync(retryFile, JSON.stringify(handed));
            const { acks } = await runAndKill<TransferAck>(
              workerJs,
              [dir, String(cycle), profile, retryFile],
              randomRunMs(cycle),
            );
            book.note(cycle, acks, handed);
            await expectVerified(dir, config);
            const outcome = await checkBank(dir, config, book);
            const problems = [...book.problems.splice(0), ...outcome.problems];
            lost += problems.length;
            verified += outcome.verified;
            ledgerSize = outcome.ledger;
            expect(problems.slice(0, 10)).toEqual([]);
          }
          recordReliability(`crash: transfers ${profile}`, {
            cycles: CYCLES,
            commitsAcknowledged: book.acked,
            commitsVerified: book.acked - lost,
            lost,
            verifications: CYCLES,
          });
          expect(book.acked).toBeGreaterThan(CYCLES * 10);
          expect(book.duplicates).toBeGreaterThan(0);
          process.stdout.write(
            `${profile}: ${CYCLES} kills, ${book.acked} transfers acknowledged (${book.ackedDurable} durable), ` +
              `${book.failures} rejected (underflow or reserve), ${book.duplicates} duplicates returned the original seq, ` +
              `${book.retriedAcrossKills} retried across kills, ledger ${ledgerSize}, ${verified} presence checks\n`,
          );
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
          fs.rmSync(retryFile, { force: true });
        }
      },
      crashTimeout(CYCLES),
    );
  }
});
