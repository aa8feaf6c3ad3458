import { IsOptional, IsString, Matches, MaxLength, ValidateBy } from 'class-validator';
import { U64_MAX } from '../../src/index';
import { ACCOUNT_ID } from './ledger.schema';

/** Amounts in JSON: a positive safe integer, or a decimal string up to 2^64-1 (u64). */
export type AmountInput = number | string;

/** Parse an already validated amount. */
export function toAmount(value: AmountInput): bigint {
  return BigInt(value);
}

function isAmount(value: unknown, allowZero: boolean): boolean {
  const min = allowZero ? 0n : 1n;
  if (typeof value === 'number') return Number.isSafeInteger(value) && BigInt(value) >= min;
  if (typeof value !== 'string' || !/^[0-9]{1,20}$/.test(value)) return false;
  const n = BigInt(value);
  return n >= min && n <= U64_MAX;
}

/** A u64 amount (as a JSON number or a decimal string). */
function IsAmount(allowZero = false): PropertyDecorator {
  return ValidateBy({
    name: 'isAmount',
    validator: {
      validate: (value) => isAmount(value, allowZero),
      defaultMessage: (args) =>
        `${args?.property ?? 'amount'} must be ${allowZero ? 'a non-negative' : 'a positive'} integer up to 2^64-1 (a number or a decimal string)`,
    },
  });
}

const ID_MESSAGE = { message: '$property must be 1-64 characters of [A-Za-z0-9_-]' };

export class CreateAccountDto {
  @Matches(ACCOUNT_ID, ID_MESSAGE)
  id!: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  name?: string;

  /** The balance a transfer out of this account may not go below (default 0). */
  @IsOptional()
  @IsAmount(true)
  minBalance?: AmountInput;
}

export class DepositDto {
  @IsAmount()
  amount!: AmountInput;
}

export class TransferDto {
  @Matches(ACCOUNT_ID, ID_MESSAGE)
  from!: string;

  @Matches(ACCOUNT_ID, ID_MESSAGE)
  to!: string;

  @IsAmount()
  amount!: AmountInput;
}
