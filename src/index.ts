/**
 * aedb — an embedded transactional storage engine for Node.js.
 *
 * Everything a user imports comes from this module.
 * @packageDocumentation
 */
export { AedbInstance } from './aedb-instance';
export { StorageEngine } from './storage/storage-engine';
export type { ConsistencyMode, HeadState, ReadOptions } from './storage/storage-engine';
export { AedbConfigProfiles, DEFAULT_CONFIG, resolveConfig } from './storage/config';
export type { AedbConfig, AedbConfigInput, DurabilityMode, RecoveryMode } from './storage/config';
export type { CommitFinality, CommitOptions, CommitResult } from './storage/commit/commit-request';
export type {
  DdlMutation,
  DeleteMutation,
  EmitEventMutation,
  InsertMutation,
  KvDelMutation,
  KvKey,
  KvSetMutation,
  KvValue,
  Mutation,
  PrimaryKeyInput,
  TableTarget,
  UpdateFieldsMutation,
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
