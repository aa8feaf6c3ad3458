import { createHash } from 'node:crypto';
import { TimeoutError } from '../errors';

interface Stripe {
  held: boolean;
  /** FIFO of waiters; a release hands the stripe to the first one. */
  readonly waiters: (() => void)[];
}

/**
 * In-memory lock stripes for the transaction builder: a key maps to one of N stripes by hash,
 * and a transaction holds the stripes of its keys while it preflights, executes and commits.
 * Transactions on disjoint keys (almost always disjoint stripes) run concurrently; on the same
 * keys they serialize. Stripes are always acquired in ascending order, so two transactions with
 * overlapping key sets in any order cannot deadlock; a timeout bounds the wait anyway.
 * Locks are never logged: they coordinate in-process transactions, while the commit-time read
 * set still catches writers that bypass them.
 */
export class StripeLocks {
  private readonly stripes: Stripe[];

  constructor(readonly count = 1024) {
    this.stripes = Array.from({ length: count }, () => ({ held: false, waiters: [] }));
  }

  /** The sorted, distinct stripes of `keys` (byte strings). */
  stripesOf(keys: Iterable<string>): number[] {
    const set = new Set<number>();
    for (const key of keys) {
      const digest = createHash('sha256').update(key, 'latin1').digest();
      set.add(digest.readUInt32BE(0) % this.count);
    }
    return [...set].sort((a, b) => a - b);
  }

  /**
   * Acquire `stripes` (ascending) within `timeoutMs`, or throw `TimeoutError` after releasing
   * whatever was acquired.
   * @returns a release function (idempotent).
   */
  async acquire(stripes: readonly number[], timeoutMs: number): Promise<() => void> {
    const held: number[] = [];
    const deadline = Date.now() + timeoutMs;
    try {
      for (const index of stripes) {
        await this.lockOne(index, deadline - Date.now());
        held.push(index);
      }
    } catch (err) {
      for (const index of held) this.unlockOne(index);
      throw err;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (let i = held.length - 1; i >= 0; i--) this.unlockOne(held[i]);
    };
  }

  private lockOne(index: number, remainingMs: number): Promise<void> {
    const stripe = this.stripes[index];
    if (!stripe.held) {
      stripe.held = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(
        () => {
          const at = stripe.waiters.indexOf(waiter);
          if (at >= 0) stripe.waiters.splice(at, 1);
          reject(
            new TimeoutError(
              `transaction: timed out waiting for a key lock held by another transaction`,
              { stripe: index },
            ),
          );
        },
        Math.max(0, remainingMs),
      );
      stripe.waiters.push(waiter);
    });
  }

  private unlockOne(index: number): void {
    const stripe = this.stripes[index];
    const next = stripe.waiters.shift();
    if (next !== undefined)
      next(); // the stripe stays held: ownership passes to `next`
    else stripe.held = false;
  }
}
