import { Injectable, type OnModuleInit } from '@nestjs/common';
import { AedbService, encodeU64 } from '../../src/index';

/** Where the ledger lives: project `casino`, scope `ledger`. */
export const PROJECT = 'casino';
export const SCOPE = 'ledger';
/** Accounts (metadata; balances are u64 KV values under `balance/<id>`). */
export const ACCOUNTS = 'accounts';
/** The derived table the leaderboard processor maintains from `transfer` events. */
export const LEADERBOARD = 'leaderboard';
/** The leaderboard processor's durable name (its checkpoint and registration live under it). */
export const LEADERBOARD_PROCESSOR = 'ledger.leaderboard';
/** The topic of transfer events. */
export const TRANSFER_TOPIC = 'transfer';
/** Account ids: 1-64 characters of `[A-Za-z0-9_-]`. */
export const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The KV key of an account's balance (a u64, 8 bytes big-endian). */
export function balanceKey(accountId: string): string {
  return `balance/${accountId}`;
}

/** A fresh balance. */
export const ZERO = encodeU64(0n);

/**
 * Creates the schema on first start (every step is `ifNotExists`, so restarts are no-ops). Runs
 * in `onModuleInit`: before `@ReactiveProcessor()` classes start (they start at bootstrap).
 */
@Injectable()
export class LedgerSchema implements OnModuleInit {
  constructor(private readonly aedb: AedbService) {}

  async onModuleInit(): Promise<void> {
    const { aedb } = this;
    await aedb.createProject(PROJECT, { ifNotExists: true });
    await aedb.createScope(PROJECT, SCOPE, { ifNotExists: true });
    await aedb.createTable({
      projectId: PROJECT,
      scopeId: SCOPE,
      tableName: ACCOUNTS,
      columns: [
        { name: 'id', type: 'text' },
        { name: 'name', type: 'text', nullable: true },
        { name: 'min_balance', type: 'u64' },
        { name: 'created_at', type: 'timestamp' },
      ],
      primaryKey: ['id'],
      ifNotExists: true,
    });
    await aedb.createTable({
      projectId: PROJECT,
      scopeId: SCOPE,
      tableName: LEADERBOARD,
      columns: [
        { name: 'account', type: 'text' },
        { name: 'volume', type: 'u64' },
        { name: 'transfers', type: 'integer' },
      ],
      primaryKey: ['account'],
      ifNotExists: true,
    });
    await aedb.createIndex({
      projectId: PROJECT,
      scopeId: SCOPE,
      tableName: LEADERBOARD,
      indexName: 'by_volume',
      columns: ['volume'],
      ifNotExists: true,
    });
  }
}
