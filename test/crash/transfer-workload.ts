/**
 * The money-transfer workload of the crash matrix, shared by the worker (which runs it) and the
 * harness (which knows from the same deterministic parameters what every transfer must do).
 *
 * {@link ACCOUNTS} accounts hold u64 balances in the KV space `bank.acct`, funded once with
 * {@link INITIAL} each. Transfer `n` of cycle `c` (id `t<c>-<n>`) moves a deterministic amount
 * between two deterministic accounts as one envelope:
 *
 * - `kvSubU64Ex` on the source (`onUnderflow: 'reject'`: a balance below the amount fails the
 *   transfer with `UNDERFLOW`);
 * - `kvAddU64Ex` on the destination;
 * - a `postflightCheck` that the source keeps at least {@link RESERVE} (else `ASSERTION_FAILED`);
 * - `emitEvent('transfer', id, {from, to, amount})`: the ledger, committed with the balances;
 * - the idempotency key `id` (caller `bank-service`), `writeClass: 'economic'` for every
 *   fourth transfer.
 *
 * Some transfers are submitted again after their acknowledgement (a sequential retry must return
 * the original seq as a duplicate), some twice at once (one applies, the other is a duplicate or
 * fails the same way), and the harness has the next worker retry every transfer the kill left
 * unresolved plus a sample of acknowledged ones.
 */
import { createHash } from 'node:crypto';
import type { Mutation, TransactionEnvelope } from '../../src/index';
import { encodeU64 } from '../../src/storage/numerics/numeric-codec';

/** Where the accounts live. */
export const BANK = { projectId: 'bank', scopeId: 'acct' } as const;
/** Number of accounts. */
export const ACCOUNTS = 48;
/** The funded balance of every account. */
export const INITIAL = 1_000n;
/** The least a source account may keep after a transfer (the postflight check). */
export const RESERVE = 40n;
/** The ledger's event topic. */
export const TOPIC = 'transfer';
/** The caller the idempotency keys are scoped to. */
export const CALLER = Object.freeze({ callerId: 'bank-service' });
/** Written by the funding commit (which asserts its absence, so it applies once). */
export const FUNDED_KEY = 'meta/funded';
/** Transfers the worker keeps in flight. */
export const IN_FLIGHT = 64;

/** The KV key of account `i`. */
export function accountKey(i: number): string {
  return `acct/${String(i).padStart(3, '0')}`;
}

/** What transfer `n` of cycle `c` does, and how the worker submits it. */
export interface TransferSpec {
  readonly id: string;
  readonly c: number;
  readonly n: number;
  readonly from: number;
  readonly to: number;
  readonly amount: bigint;
  /** `writeClass: 'economic'` (fsynced before the acknowledgement, in every durability mode). */
  readonly economic: boolean;
  /** Submitted with `finality: 'visible'` (only in `batch` mode; economic ones stay durable). */
  readonly visible: boolean;
  /** `sequential`: submitted again after it resolved; `concurrent`: twice at once. */
  readonly retry: 'none' | 'sequential' | 'concurrent';
}

/** The parameters of transfer `n` of cycle `c` (deterministic). */
export function transferSpec(c: number, n: number, batchMode: boolean): TransferSpec {
  const h = createHash('sha256').update(`transfer:${c}:${n}`).digest();
  const from = h.readUInt16BE(0) % ACCOUNTS;
  const to = (from + 1 + (h.readUInt16BE(2) % (ACCOUNTS - 1))) % ACCOUNTS;
  // Mostly small amounts; one in eight is large enough to underflow or break the reserve.
  const large = h[4] % 8 === 0;
  const amount = BigInt(1 + (h.readUInt16BE(5) % (large ? 1_500 : 250)));
  const economic = n % 4 === 0;
  const r = n % 10;
  return {
    id: `t${c}-${n}`,
    c,
    n,
    from,
    to,
    amount,
    economic,
    visible: batchMode && !economic && h[7] % 3 === 0,
    retry: r === 3 ? 'sequential' : r === 7 ? 'concurrent' : 'none',
  };
}

/** Parse a transfer id back into (cycle, n), or `undefined` when it is not one. */
export function parseTransferId(id: string): { c: number; n: number } | undefined {
  const m = /^t(\d+)-(\d+)$/.exec(id);
  return m === null ? undefined : { c: Number(m[1]), n: Number(m[2]) };
}

/** The ledger payload of a transfer. */
export interface TransferPayload {
  readonly from: number;
  readonly to: number;
  readonly amount: number;
}

/** The envelope of a transfer (the same request every time it is submitted). */
export function transferEnvelope(t: TransferSpec): TransactionEnvelope {
  const at = { projectId: BANK.projectId, scopeId: BANK.scopeId };
  const payload: TransferPayload = { from: t.from, to: t.to, amount: Number(t.amount) };
  return {
    caller: CALLER,
    idempotencyKey: t.id,
    writeClass: t.economic ? 'economic' : 'standard',
    writeIntent: {
      mutations: [
        {
          type: 'kvSubU64Ex',
          ...at,
          key: accountKey(t.from),
          amount: t.amount,
          onMissing: 'reject',
          onUnderflow: 'reject',
        },
        { type: 'kvAddU64Ex', ...at, key: accountKey(t.to), amount: t.amount, onMissing: 'reject' },
        {
          type: 'postflightCheck',
          assertions: [
            { type: 'keyCompare', ...at, key: accountKey(t.from), op: 'gte', threshold: RESERVE },
          ],
        },
        {
          type: 'emitEvent',
          ...at,
          topic: TOPIC,
          eventKey: t.id,
          payloadJson: JSON.stringify(payload),
        },
      ],
    },
  };
}

/** The one-time funding: every account at {@link INITIAL}, applied only if not funded yet. */
export function fundingEnvelope(): TransactionEnvelope {
  const mutations: Mutation[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    mutations.push({ type: 'kvSet', ...BANK, key: accountKey(i), value: encodeU64(INITIAL) });
  }
  mutations.push({ type: 'kvSet', ...BANK, key: FUNDED_KEY, value: '1' });
  return {
    writeClass: 'economic',
    assertions: [{ type: 'keyExists', ...BANK, key: FUNDED_KEY, expected: false }],
    writeIntent: { mutations },
  };
}

/**
 * What the worker reports for one transfer once every attempt it made resolved: `seq` when one
 * succeeded (all successful attempts returned the same seq), else the first error `code`.
 */
export interface TransferAck {
  readonly c: number;
  readonly n: number;
  readonly seq?: number;
  readonly code?: string;
  /** The success was acknowledged as durable (not only visible). */
  readonly durable: boolean;
  /** Attempts that returned `applied` and `duplicate`. */
  readonly applied: number;
  readonly duplicates: number;
}

/** One transfer the next worker must submit again. */
export interface RetryEntry {
  readonly c: number;
  readonly n: number;
}
