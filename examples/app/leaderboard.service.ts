import { Injectable } from '@nestjs/common';
import { AedbService, Expr, Query, type Mutation, type OutboxEvent } from '../../src/index';
import { LEADERBOARD, LEADERBOARD_PROCESSOR, PROJECT, SCOPE } from './ledger.schema';

/** One leaderboard row as the API returns it. */
export interface LeaderboardEntry {
  readonly account: string;
  /** Total amount sent plus received (u64, as a decimal string). */
  readonly volume: string;
  readonly transfers: number;
}

/** The leaderboard with how far the processor that maintains it is behind. */
export interface LeaderboardView {
  readonly entries: LeaderboardEntry[];
  readonly snapshotSeq: number;
  readonly processor: { readonly checkpointSeq: number; readonly lagCommits: number };
}

interface Totals {
  volume: bigint;
  transfers: number;
}

/** Reads and maintains the `leaderboard` table (total transfer volume per account). */
@Injectable()
export class LeaderboardService {
  constructor(private readonly aedb: AedbService) {}

  /**
   * The upserts that fold `events` (transfers) into the table: for each account in the batch,
   * its current totals (read from the latest snapshot: the processor is the table's only
   * writer and handles one batch at a time) plus what the batch adds.
   */
  mutationsFor(events: readonly OutboxEvent[]): Mutation[] {
    const snap = this.aedb.snapshot();
    const totals = new Map<string, Totals>();
    const totalsOf = (account: string): Totals => {
      let t = totals.get(account);
      if (t === undefined) {
        const [row] = snap.query(
          PROJECT,
          SCOPE,
          Query.select('volume', 'transfers').from(LEADERBOARD).where(Expr.eq('account', account)),
        ).rows;
        t = {
          volume: (row?.volume as bigint | undefined) ?? 0n,
          transfers: (row?.transfers as number | undefined) ?? 0,
        };
        totals.set(account, t);
      }
      return t;
    };
    for (const e of events) {
      if (e.projectId !== PROJECT || e.scopeId !== SCOPE) continue;
      const { from, to, amount } = JSON.parse(e.payloadJson) as Record<string, string>;
      for (const account of [from, to]) {
        const t = totalsOf(account);
        t.volume += BigInt(amount);
        t.transfers += 1;
      }
    }
    return [...totals].map(([account, t]) => ({
      type: 'upsert' as const,
      projectId: PROJECT,
      scopeId: SCOPE,
      tableName: LEADERBOARD,
      row: { account, volume: t.volume, transfers: t.transfers },
    }));
  }

  /** The top `limit` accounts by volume (the `by_volume` index serves the order). */
  async top(limit: number): Promise<LeaderboardView> {
    const [result, lag] = await Promise.all([
      this.aedb.query(
        PROJECT,
        SCOPE,
        Query.select('account', 'volume', 'transfers')
          .from(LEADERBOARD)
          .orderBy('volume', 'desc')
          .limit(limit),
      ),
      this.aedb.reactiveProcessorLag(LEADERBOARD_PROCESSOR),
    ]);
    return {
      entries: result.rows.map((r) => ({
        account: r.account as string,
        volume: (r.volume as bigint).toString(),
        transfers: r.transfers as number,
      })),
      snapshotSeq: result.snapshotSeq,
      processor: { checkpointSeq: lag.checkpointSeq, lagCommits: lag.lagCommits },
    };
  }
}
