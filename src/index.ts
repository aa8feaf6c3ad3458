/**
 * aedb — an embedded transactional storage engine for Node.js.
 *
 * Everything a user imports comes from this module.
 * @packageDocumentation
 */
export { AedbInstance } from './aedb-instance';
export { StorageEngine } from './storage/storage-engine';
export type {
  ActionCommitResult,
  ActionEnvelopeRequest,
  ConsistencyMode,
  HeadState,
  ReadOptions,
} from './storage/storage-engine';
export type {
  CallerContext,
  TransactionEnvelope,
  WriteClass,
} from './storage/commit/transaction-envelope';
export type { ReadSet, ReadSetPoint, ReadSetRange } from './storage/commit/read-set';
export type { PreflightPlan, PreflightResult } from './storage/commit/preflight';
export { KvTransaction } from './storage/transactions/kv-transaction';
export type {
  KvTransactionOptions,
  TransactionContext,
  TransactionResult,
} from './storage/transactions/kv-transaction';
export { TypedValue } from './storage/transactions/typed-value';
export type { TypedValueType } from './storage/transactions/typed-value';
export type { CompareOp, ReadAssertion } from './storage/assertions/read-assertion';
export type {
  MissingPolicy,
  NumericMutation,
  OverflowPolicy,
  UnderflowPolicy,
  UnsignedAmount,
} from './storage/numerics/numeric-mutation';
export {
  I64_MAX,
  I64_MIN,
  U256_MAX,
  U64_MAX,
  decodeI64,
  decodeU256,
  decodeU64,
  encodeI64,
  encodeU256,
  encodeU64,
} from './storage/numerics/numeric-codec';
export { counterShardKey } from './storage/numerics/counter-read';
export { describeAssertion } from './storage/assertions/describe-assertion';
export type {
  AssertionActual,
  AssertionFailureDetails,
} from './storage/assertions/evaluate-assertions';
export { AedbConfigProfiles, DEFAULT_CONFIG, resolveConfig } from './storage/config';
export type { AedbConfig, AedbConfigInput, DurabilityMode, RecoveryMode } from './storage/config';
export type { CommitFinality, CommitOptions, CommitResult } from './storage/commit/commit-request';
export type {
  DdlMutation,
  DeleteMutation,
  DeleteWhereMutation,
  EmitEventMutation,
  InsertMutation,
  KvDelMutation,
  KvKey,
  KvSetMutation,
  KvValue,
  Mutation,
  PostflightCheckMutation,
  PrimaryKeyInput,
  TableTarget,
  UpdateFieldsMutation,
  UpdateWhereMutation,
  UpsertMutation,
} from './storage/mutation';
export type {
  AlterTableOp,
  CreateIndexOp,
  CreateProjectOp,
  CreateScopeOp,
  CreateTableOp,
  DdlOperation,
  DropIndexOp,
  DropProjectOp,
  DropScopeOp,
  DropTableOp,
  TableAlteration,
} from './storage/catalog/ddl-operation';
export { COLUMN_TYPES } from './storage/schema';
export type {
  ColumnDef,
  ColumnSchema,
  ColumnType,
  IndexSchema,
  JsonValue,
  Row,
  TableSchema,
  Value,
} from './storage/schema';
export { Snapshot } from './storage/snapshot';
export type { KvEntry, KvRange, KvScanOptions, KvScanPage } from './storage/snapshot';
export type {
  EventQuery,
  EventQueryResult,
  EventStreamPage,
  OutboxEvent,
} from './storage/events/event-stream';
export { Query } from './storage/query/query';
export { Expr } from './storage/query/expr';
export type { QueryResult } from './storage/query/query-executor';
export type {
  CheckpointEvent,
  CommitBatchEvent,
  DurableEvent,
  TouchedObject,
} from './storage/engine-events';
export type { OperationalMetrics } from './storage/operational-metrics';
export type { RecoveryReport } from './storage/recovery/recovery-report';
export {
  AedbError,
  AlreadyExistsError,
  AssertionFailedError,
  BackpressureError,
  ClosedError,
  ConfigError,
  ConflictError,
  CorruptionError,
  IoError,
  LockedError,
  NotFoundError,
  OverflowError,
  PermissionDeniedError,
  SnapshotTooOldError,
  TimeoutError,
  UnavailableError,
  UnderflowError,
  ValidationError,
  isAedbError,
} from './storage/errors';
export type { AedbErrorCode, AedbErrorDetails } from './storage/errors';
export { FailPoints } from './storage/fail-points';
export type { FailPointName, FailPointPlan } from './storage/fail-points';
export { VERIFY_CHECK_NAMES, verifyDatabase } from './storage/verify/verify-database';
export type {
  VerifyCheck,
  VerifyCheckName,
  VerifyOptions,
  VerifyReport,
} from './storage/verify/verify-database';
// Reactive processors (src/processors).
export { NonRetryableProcessorError } from './processors/non-retryable-processor-error';
export {
  DEFAULT_PROCESSOR_OPTIONS,
  PROCESSOR_NAME_PATTERN,
} from './processors/reactive-processor-options';
export type {
  ProcessorStartFrom,
  ReactiveProcessorOptions,
  ResolvedProcessorOptions,
} from './processors/reactive-processor-options';
export type {
  ProcessorErrorPhase,
  ProcessorHandler,
  ProcessorHandlerContext,
  ReactiveProcessorErrorEvent,
} from './processors/processor-handler';
export type {
  CheckpointAckResult,
  ProcessorCommitResult,
  ReactiveProcessorCheckpoint,
} from './processors/checkpoint-store';
export type { ProcessorRegistration } from './processors/registry-store';
export type { ReactiveProcessorInfo } from './processors/processor-runtime';
export type {
  ProcessorLastError,
  ProcessorRunPhase,
  ReactiveProcessorRuntimeStatus,
} from './processors/runner-stats';
export type {
  ProcessorHealthState,
  ReactiveProcessorHealth,
  ReactiveProcessorLag,
  ReactiveProcessorSloStatus,
} from './processors/processor-health';
export type {
  DeadLetterFilter,
  DeadLetterListOptions,
  DeadLetterPage,
  ReactiveProcessorDeadLetter,
} from './processors/dead-letter-store';
export type { DeadLetterReplayReport } from './processors/dead-letter-replay';
export type { ProcessorPullResult } from './processors/processor-commit';
export { ProcessorContext } from './processors/processor-context';
export type {
  EffectBatch,
  EffectBatchResult,
  EffectEvent,
  KeyedStateEffect,
} from './processors/effect-batch';
export type {
  KeyedStateIndexPage,
  KeyedStateIndexQuery,
  KeyedStateKey,
  KeyedStateUpdateResult,
  KeyedStateUpdater,
} from './processors/keyed-state';
export type { EventCompactionReport, EventRetentionPolicy } from './processors/event-retention';
// NestJS integration (src/modules): AedbModule, AedbService, @ReactiveProcessor(), caller guard,
// health, exception filter (docs/nestjs.md). Loads reflect-metadata.
export {
  AEDB_DEFAULT_CALLER_HEADER,
  AEDB_DEFAULT_INSTANCE,
  AEDB_ERROR_HTTP_STATUS,
  AEDB_INSTANCE_NAME_PATTERN,
  AEDB_MODULE_OPTIONS,
  AedbCallerGuard,
  AedbExceptionFilter,
  AedbHealthIndicator,
  AedbModule,
  AedbService,
  Caller,
  InjectAedb,
  InjectAedbInstance,
  InvalidReactiveProcessorError,
  ReactiveProcessor,
  aedbErrorToHttpException,
  defaultCallerResolver,
  getAedbInstanceToken,
  getAedbToken,
  validateAedbModuleOptions,
} from './modules/index';
export type {
  AedbCallerResolver,
  AedbHealthCheckOptions,
  AedbHealthDetails,
  AedbHealthIndicatorResult,
  AedbHealthSloBreach,
  AedbModuleExtras,
  AedbModuleOptions,
  AedbToken,
  ReactiveProcessorClass,
  ReactiveProcessorDecoratorOptions,
  ReactiveProcessorHandler,
  ResolvedAedbModuleOptions,
} from './modules/index';
