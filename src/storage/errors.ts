/**
 * The error taxonomy of aedb.
 *
 * Every error the engine throws or rejects with is an {@link AedbError} carrying a stable
 * string `code`. Match on `code` (or `instanceof` a subclass) — never on the message text,
 * which is written for humans and may improve between versions.
 *
 * A call that fails with an `AedbError` changed nothing: commits are all-or-nothing and
 * validation happens before any state is touched.
 *
 * @example
 * ```ts
 * try {
 *   await db.commit({ type: 'insert', projectId: 'demo', scopeId: 'app', tableName: 'users', row });
 * } catch (err) {
 *   if (err instanceof AedbError && err.code === 'ALREADY_EXISTS') {
 *     // the primary key is taken
 *   }
 *   throw err;
 * }
 * ```
 */

/** Every stable error code, one per {@link AedbError} subclass. */
export type AedbErrorCode =
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'ASSERTION_FAILED'
  | 'CONFLICT'
  | 'PERMISSION_DENIED'
  | 'BACKPRESSURE'
  | 'SNAPSHOT_TOO_OLD'
  | 'CORRUPTION'
  | 'LOCKED'
  | 'CLOSED'
  | 'INVALID_CONFIG'
  | 'IO'
  | 'UNAVAILABLE'
  | 'TIMEOUT'
  | 'UNDERFLOW'
  | 'OVERFLOW';

/** Optional structured details attached to an error (what object, what was expected). */
export interface AedbErrorDetails {
  readonly [key: string]: unknown;
}

/** Base class of every error aedb throws. */
export class AedbError extends Error {
  /** Stable machine-readable code. */
  readonly code: AedbErrorCode;
  /** Structured context: the project/scope/table/column/key/file/offset involved. */
  readonly details: AedbErrorDetails;

  constructor(
    code: AedbErrorCode,
    message: string,
    details: AedbErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
    this.details = details;
    this.name = new.target.name;
  }
}

/** A value, name, mutation, query or option is malformed or has the wrong type. */
export class ValidationError extends AedbError {
  constructor(message: string, details?: AedbErrorDetails) {
    super('VALIDATION', message, details);
  }
}

/** The project, scope, table, column or row named does not exist. */
export class NotFoundError extends AedbError {
  constructor(message: string, details?: AedbErrorDetails) {
    super('NOT_FOUND', message, details);
  }
}

/** The project, scope, table, column or primary key already exists. */
export class AlreadyExistsError extends AedbError {
  constructor(message: string, details?: AedbErrorDetails) {
    super('ALREADY_EXISTS', message, details);
  }
}

/** A commit-time assertion did not hold; nothing of the commit was applied. */
export class AssertionFailedError extends AedbError {
  constructor(message: string, details?: AedbErrorDetails) {
    super('ASSERTION_FAILED', message, details);
  }
}

/** An optimistic read set went stale before the commit applied. Retry with fresh reads. */
export class ConflictError extends AedbError {
  constructor(message: string, details?: AedbErrorDetails) {
    super('CONFLICT', message, details);
  }
}

/** The caller lacks the permission for the operation. */
export class PermissionDeniedError extends AedbError {
  constructor(message: string, details?: AedbErrorDetails) {
    super('PERMISSION_DENIED', message, details);
  }
}

/** The commit queue is full (by count or bytes). Retry later; nothing was enqueued. */
export class BackpressureError extends AedbError {
  constructor(message: string, details?: AedbErrorDetails) {
    super('BACKPRESSURE', message, details);
  }
}

/** The requested `atSeq` snapshot is older than the retained snapshot window. */
export class SnapshotTooOldError extends AedbError {
  constructor(message: string, details?: AedbErrorDetails) {
    super('SNAPSHOT_TOO_OLD', message, details);
  }
}

/** A data file failed verification (CRC, hash chain, HMAC, checksum or structure). */
export class CorruptionError extends AedbError {
  constructor(message: string, details?: AedbErrorDetails) {
    super('CORRUPTION', message, details);
  }
}

/** The data directory is held by another open instance (this or another process). */
export class LockedError extends AedbError {
  constructor(message: string, details?: AedbErrorDetails) {
    super('LOCKED', message, details);
  }
}

/** The instance was closed; open it again to continue. */
export class ClosedError extends AedbError {
  constructor(message: string, details?: AedbErrorDetails) {
    super('CLOSED', message, details);
  }
}

/** A configuration option is missing, out of range or inconsistent with another. */
export class ConfigError extends AedbError {
  constructor(message: string, details?: AedbErrorDetails) {
    super('INVALID_CONFIG', message, details);
  }
}

/**
 * A write, fsync or file operation failed. After a failed WAL write or sync the instance
 * stops accepting writes (fail-stop) until it is reopened and recovery rebuilds state from disk.
 */
export class IoError extends AedbError {
  constructor(message: string, details?: AedbErrorDetails, options?: { cause?: unknown }) {
    super('IO', message, details, options);
  }
}

/** The instance cannot serve the request right now (failed state, SLO breach, shutting down). */
export class UnavailableError extends AedbError {
  constructor(message: string, details?: AedbErrorDetails, options?: { cause?: unknown }) {
    super('UNAVAILABLE', message, details, options);
  }
}

/** An operation did not complete within its time limit. */
export class TimeoutError extends AedbError {
  constructor(message: string, details?: AedbErrorDetails) {
    super('TIMEOUT', message, details);
  }
}

/** An atomic numeric update would go below zero (or below its bound) and the policy rejects it. */
export class UnderflowError extends AedbError {
  constructor(message: string, details?: AedbErrorDetails) {
    super('UNDERFLOW', message, details);
  }
}

/** An atomic numeric update would exceed its type's range (or its bound) and the policy rejects it. */
export class OverflowError extends AedbError {
  constructor(message: string, details?: AedbErrorDetails) {
    super('OVERFLOW', message, details);
  }
}

/** True when `err` is an {@link AedbError}, optionally with the given code. */
export function isAedbError(err: unknown, code?: AedbErrorCode): err is AedbError {
  return err instanceof AedbError && (code === undefined || err.code === code);
}

/** Describe any thrown value for an error message. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
