import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Res,
  UseGuards,
} from '@nestjs/common';
import { AedbCallerGuard, Caller, type CallerContext } from '../../src/index';
import { CreateAccountDto, DepositDto, TransferDto } from './ledger.dto';
import { LedgerService, type AccountView, type MovementResult } from './ledger.service';

/** The part of the HTTP response the handlers touch (Express and Fastify both have it). */
interface StatusResponse {
  status(code: number): unknown;
}

/**
 * The ledger API. `AedbCallerGuard` resolves the caller from `x-caller-id` (required when the
 * app runs with `AEDB_SECURE=1`); idempotency keys are scoped per caller.
 */
@Controller()
@UseGuards(AedbCallerGuard)
export class LedgerController {
  constructor(private readonly ledger: LedgerService) {}

  @Post('accounts')
  createAccount(@Body() dto: CreateAccountDto): Promise<AccountView> {
    return this.ledger.createAccount(dto);
  }

  @Get('accounts/:id')
  getAccount(@Param('id') id: string): AccountView {
    return this.ledger.getAccount(id);
  }

  @Post('accounts/:id/deposit')
  @HttpCode(200)
  async deposit(
    @Param('id') id: string,
    @Body() dto: DepositDto,
    @Caller() caller: CallerContext | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ): Promise<MovementResult & { account: AccountView }> {
    const result = await this.ledger.deposit(id, dto, caller, idempotencyKey);
    return { ...result, account: this.ledger.getAccount(id) };
  }

  /** 201 when applied, 200 for an idempotent retry (same response body shape). */
  @Post('transfers')
  async transfer(
    @Body() dto: TransferDto,
    @Caller() caller: CallerContext | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: StatusResponse,
  ): Promise<MovementResult & { transferId: string | undefined }> {
    const result = await this.ledger.transfer(dto, caller, idempotencyKey);
    if (result.outcome === 'duplicate') res.status(200);
    return { transferId: idempotencyKey, ...result };
  }
}
