/**
 * The parts of aedb's API the benchmarks use, imported from their modules instead of the
 * package entry (`src/index.ts`): the entry also loads the NestJS integration, which costs
 * every child process about 0.35 s of start-up (of ~0.7 s in all) and measures nothing.
 */
export { AedbInstance } from '../../src/aedb-instance';
export type { AedbConfigInput } from '../../src/storage/config';
export type { CommitOptions } from '../../src/storage/commit/commit-request';
export type {
  EmitEventMutation,
  KvSetMutation,
  Mutation,
  UpsertMutation,
} from '../../src/storage/mutation';
export { decodeU64, encodeU64 } from '../../src/storage/numerics/numeric-codec';
export { isAedbError } from '../../src/storage/errors';
export { Query } from '../../src/storage/query/query';
export { Expr } from '../../src/storage/query/expr';
