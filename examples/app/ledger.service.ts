import {
  BadRequestException,
  Injectable,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import {
  AedbService,
  Expr,
  Query,
  decodeU64,
  encodeU64,
  isAedbError,
  type CallerContext,
  type Mutation,
} from '../../src/index';
import { toAmount, type CreateAccountDto, type DepositDto, type TransferDto } from './ledger.dto';
import { ACCOUNTS, PROJECT, SCOPE, TRANSFER_TOPIC, ZERO, balanceKey } from './ledger.schema';

/** An account as the API returns it (u64 values as decimal strings: JSON has no bigint). */
export interface AccountView {
  readonly id: string;
  readonly name: string | null;
  readonly balance: string;
  readonly minBalance: string;
}

/** The result of a money movement. */
export interface MovementResult {
  readonly commitSeq: number;
  /** `'duplicate'`: an idempotent retry; nothing was applied again. */
  readonly outcome: 'applied' | 'duplicate';
}

const at = { projectId: PROJECT, scopeId: SCOPE } as const;

/**
 * Accounts, deposits and transfers. Money moves with atomic numerics inside one envelope:
 * `kvSubU64Ex` + `kvAddU64Ex` (no read-modify-write in this process), a `postflightCheck` that
 * the sender stays at or above its minimum balance, and the `transfer` event the leaderboard
 * processor consumes — all in one commit, fsynced before the reply (`writeClass: 'economic'`),
 * and idempotent per caller and `Idempotency-Key`.
 */
@Injectable()
export class LedgerService {
  constructor(private readonly aedb: AedbService) {}

  async createAccount(dto: CreateAccountDto): Promise<AccountView> {
    const minBalance = dto.minBalance === undefined ? 0n : toAmount(dto.minBalance);
    // Both or neither: an existing id fails the insert (409) and the balance is left alone.
    await this.aedb.commitMany([
      {
        type: 'insert',
        ...at,
        tableName: ACCOUNTS,
        row: {
          id: dto.id,
          name: dto.name ?? null,
          min_balance: minBalance,
          created_at: new Date(),
        },
      },
      { type: 'kvSet', ...at, key: balanceKey(dto.id), value: ZERO },
    ]);
    return this.getAccount(dto.id);
  }

  getAccount(id: string): AccountView {
    // One snapshot for both reads: the row and the balance are from the same commit.
    const snap = this.aedb.snapshot();
    const [row] = snap.query(
      PROJECT,
      SCOPE,
      Query.select('*').from(ACCOUNTS).where(Expr.eq('id', id)),
    ).rows;
    const balance = snap.kvGet(PROJECT, SCOPE, balanceKey(id));
    if (row === undefined || balance === undefined) {
      throw new NotFoundException(`account ${id} does not exist`);
    }
    return {
      id,
      name: (row.name ?? null) as string | null,
      balance: decodeU64(balance.value).toString(),
      minBalance: (row.min_balance as bigint).toString(),
    };
  }

  async deposit(
    id: string,
    dto: DepositDto,
    caller: CallerContext | undefined,
    idempotencyKey: string | undefined,
  ): Promise<MovementResult> {
    const amount = toAmount(dto.amount);
    return this.move(caller, idempotencyKey, [
      { type: 'kvAddU64Ex', ...at, key: balanceKey(id), amount, onMissing: 'reject' },
      deposit(id, amount, idempotencyKey),
    ]);
  }

  async transfer(
    dto: TransferDto,
    caller: CallerContext | undefined,
    idempotencyKey: string | undefined,
  ): Promise<MovementResult> {
    if (idempotencyKey === undefined) {
      throw new BadRequestException('transfers need an Idempotency-Key header (retries are safe)');
    }
    if (dto.from === dto.to) throw new BadRequestException('from and to must differ');
    const amount = toAmount(dto.amount);
    const sender = this.getAccount(dto.from);
    const minBalance = BigInt(sender.minBalance);
    // The event's key and payload derive from the request only, so that a retry is the same
    // request (an idempotent duplicate) and never a conflicting one.
    const event = JSON.stringify({ from: dto.from, to: dto.to, amount: amount.toString() });
    try {
      return await this.move(caller, idempotencyKey, [
        {
          type: 'kvSubU64Ex',
          ...at,
          key: balanceKey(dto.from),
          amount,
          onMissing: 'reject',
          onUnderflow: 'reject',
        },
        { type: 'kvAddU64Ex', ...at, key: balanceKey(dto.to), amount, onMissing: 'reject' },
        {
          type: 'postflightCheck',
          assertions: [
            {
              type: 'keyCompare',
              ...at,
              key: balanceKey(dto.from),
              op: 'gte',
              threshold: encodeU64(minBalance),
            },
          ],
        },
        {
          type: 'emitEvent',
          ...at,
          topic: TRANSFER_TOPIC,
          eventKey: idempotencyKey,
          payloadJson: event,
        },
      ]);
    } catch (err) {
      // UNDERFLOW: the balance is below the amount; ASSERTION_FAILED: the postflight check
      // (the sender would end below its minimum balance). Nothing was applied either way.
      if (isAedbError(err, 'UNDERFLOW') || isAedbError(err, 'ASSERTION_FAILED')) {
        throw new UnprocessableEntityException({
          statusCode: 422,
          code: 'INSUFFICIENT_FUNDS',
          message: `account ${dto.from} cannot send ${amount} (balance ${sender.balance}, minimum balance ${minBalance})`,
        });
      }
      throw err;
    }
  }

  private async move(
    caller: CallerContext | undefined,
    idempotencyKey: string | undefined,
    mutations: Mutation[],
  ): Promise<MovementResult> {
    const { commitSeq, outcome } = await this.aedb.commitActionEnvelope({
      caller,
      idempotencyKey,
      writeClass: 'economic',
      writeIntent: { mutations },
    });
    return { commitSeq, outcome };
  }
}

function deposit(id: string, amount: bigint, key: string | undefined): Mutation {
  return {
    type: 'emitEvent',
    ...at,
    topic: 'deposit',
    eventKey: key ?? `${id}:${amount}:${Date.now()}`,
    payloadJson: JSON.stringify({ account: id, amount: amount.toString() }),
  };
}
