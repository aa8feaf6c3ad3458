/**
 * The W10 envelope workload's transfer: move `amount` from one account balance to another in
 * one transaction that rejects (and applies nothing) when the source cannot pay (`underflow`)
 * or would end below the reserve (`reserve`). aedb expresses it as an envelope with two atomic
 * numerics and a postflight check; the peers as their closest transaction (see each adapter).
 */
import type { EngineId } from '../harness/protocol';

/** What became of one transfer. */
export type TransferOutcome = 'applied' | 'underflow' | 'reserve';

/** The accounts a store starts with. */
export interface TransferSetup {
  /** Accounts `1..accounts`. */
  readonly accounts: number;
  /** Starting balance of every account. */
  readonly initial: number;
  /** No transfer may leave its source below this. */
  readonly reserve: number;
}

/** An open store of account balances. */
export interface TransferStore {
  /** One transfer in its own transaction (durable or visible per the profile). */
  transfer(from: number, to: number, amount: number): Promise<TransferOutcome>;
  /** Sum and minimum of all balances, for the invariant check after the run. */
  totals(): Promise<{ readonly sum: number; readonly min: number }>;
  close(): Promise<void>;
}

/** How a store is opened. */
export interface TransferOpenOptions {
  readonly durable: boolean;
  /** One of {@link TransferAdapter.profiles}. */
  readonly profile: string;
}

/** An engine that can run the transfer transaction. */
export interface TransferAdapter {
  readonly engine: EngineId;
  /** The profiles measured at one durability (as in the key-value adapters). */
  profiles(durable: boolean): readonly string[];
  /** Settings and how the transfer is expressed, for the output. */
  describe(options: TransferOpenOptions): string;
  /** Open a store in `dir` with every account at its starting balance. */
  open(dir: string, options: TransferOpenOptions, setup: TransferSetup): Promise<TransferStore>;
}

/** The key of account `i`: `acct:` and `i` zero-padded to 8 digits. */
export function accountKey(i: number): string {
  return 'acct:' + String(i).padStart(8, '0');
}

/** Keys of accounts `0..accounts` (index 0 unused), so transfers do not build strings. */
export function accountKeys(accounts: number): string[] {
  const keys = new Array<string>(accounts + 1);
  for (let i = 0; i <= accounts; i++) keys[i] = accountKey(i);
  return keys;
}
