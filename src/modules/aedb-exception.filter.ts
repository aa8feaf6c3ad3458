import { Catch, HttpException, HttpStatus, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { AedbError, type AedbErrorCode } from '../storage/errors';

/** The HTTP status of each aedb error code. @publicApi */
export const AEDB_ERROR_HTTP_STATUS: Readonly<Record<AedbErrorCode, number>> = Object.freeze({
  VALIDATION: HttpStatus.BAD_REQUEST,
  NOT_FOUND: HttpStatus.NOT_FOUND,
  ALREADY_EXISTS: HttpStatus.CONFLICT,
  ASSERTION_FAILED: HttpStatus.CONFLICT,
  CONFLICT: HttpStatus.CONFLICT,
  PERMISSION_DENIED: HttpStatus.FORBIDDEN,
  BACKPRESSURE: HttpStatus.SERVICE_UNAVAILABLE,
  SNAPSHOT_TOO_OLD: HttpStatus.CONFLICT,
  CORRUPTION: HttpStatus.INTERNAL_SERVER_ERROR,
  LOCKED: HttpStatus.SERVICE_UNAVAILABLE,
  CLOSED: HttpStatus.SERVICE_UNAVAILABLE,
  INVALID_CONFIG: HttpStatus.INTERNAL_SERVER_ERROR,
  IO: HttpStatus.INTERNAL_SERVER_ERROR,
  UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
  TIMEOUT: HttpStatus.SERVICE_UNAVAILABLE,
  UNDERFLOW: HttpStatus.UNPROCESSABLE_ENTITY,
  OVERFLOW: HttpStatus.UNPROCESSABLE_ENTITY,
});

/**
 * Turn an {@link AedbError} into an `HttpException` with the status of
 * {@link AEDB_ERROR_HTTP_STATUS} and a body `{ statusCode, code, message }`. Server-side
 * failures (corruption, I/O, config) keep their details out of the response.
 *
 * @publicApi
 */
export function aedbErrorToHttpException(error: AedbError): HttpException {
  const status = AEDB_ERROR_HTTP_STATUS[error.code] ?? HttpStatus.INTERNAL_SERVER_ERROR;
  const message = status >= 500 && status !== 503 ? 'Internal server error' : error.message;
  return new HttpException({ statusCode: status, code: error.code, message }, status, {
    cause: error,
  });
}

/**
 * An exception filter that answers HTTP requests failing with an {@link AedbError} with a
 * fitting status instead of 500 (`NOT_FOUND` → 404, `ALREADY_EXISTS` / `CONFLICT` /
 * `ASSERTION_FAILED` → 409, `UNDERFLOW` → 422, `BACKPRESSURE` → 503, ...). Everything else goes
 * to Nest's default handling.
 *
 * @example
 * ```ts
 * // globally, with DI:
 * providers: [{ provide: APP_FILTER, useClass: AedbExceptionFilter }]
 * // or in main.ts:
 * app.useGlobalFilters(new AedbExceptionFilter(app.get(HttpAdapterHost).httpAdapter));
 * ```
 * @publicApi
 */
@Catch(AedbError)
export class AedbExceptionFilter extends BaseExceptionFilter {
  override catch(exception: AedbError, host: ArgumentsHost): void {
    super.catch(aedbErrorToHttpException(exception), host);
  }
}
