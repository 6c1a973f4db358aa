import { errorStatus, type ErrorBody, type ErrorCode } from '@messagejs/shared-types';

/** What an error body may say beyond its code, message and field (e.g. `numberType`). */
export type ErrorDetail = Omit<ErrorBody['error'], 'code' | 'message' | 'field' | 'requestId'>;

/**
 * The one error the relay throws on purpose. The error handler turns it into
 * `{ error: { code, message, field?, ...detail } }` with the code's HTTP status; anything else becomes a
 * logged `internal_error` whose message never reaches the caller.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly field: string | undefined;
  /** Seconds, sent as `Retry-After` (429, 503). */
  readonly retryAfter: number | undefined;
  /** Extra response headers (e.g. `RateLimit-*`). */
  readonly headers: Record<string, string>;
  /** Extra fields of the error body, typed by `ErrorBody`. */
  readonly detail: ErrorDetail | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: {
      field?: string;
      retryAfter?: number;
      headers?: Record<string, string>;
      detail?: ErrorDetail;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = errorStatus[code] || 500;
    this.field = options.field;
    this.retryAfter = options.retryAfter;
    this.headers = options.headers ?? {};
    this.detail = options.detail;
  }
}

/** True for an `HttpError`, also across module copies. */
export function isHttpError(value: unknown): value is HttpError {
  return value instanceof HttpError || (value instanceof Error && value.name === 'HttpError' && 'code' in value);
}
