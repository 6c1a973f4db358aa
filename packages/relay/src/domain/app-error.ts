import type { ErrorBody, ErrorCode } from '@messagejs/shared-types';

/** What an error body may say beyond its code, message and field (e.g. `numberType`). */
export type ErrorDetail = Omit<ErrorBody['error'], 'code' | 'message' | 'field' | 'requestId'>;

/** The state of the limit a request ran into: its ceiling, what is left, and seconds until it resets. */
export interface LimitState {
  limit: number;
  remaining: number;
  resetSeconds: number;
}

/**
 * The one error the relay throws on purpose, in any room. It names what went wrong — a stable
 * code from the contract (`ErrorCode`), a message for people, the field at fault — and nothing
 * about HTTP: the error handler (`http/platform/error-handler.ts`) alone maps it to a status
 * (`errorStatus` of the contract), headers and `{ error: { code, message, field?, ...detail } }`.
 * Anything else thrown becomes a logged `internal_error` whose message never reaches the caller.
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly field: string | undefined;
  /** Seconds after which a retry may succeed (a limit, a temporary refusal). */
  readonly retryAfter: number | undefined;
  /** The limit that refused the request, for the `RateLimit-*` headers. */
  readonly rateLimit: LimitState | undefined;
  /** Extra fields of the error body, typed by `ErrorBody`. */
  readonly detail: ErrorDetail | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: {
      field?: string;
      retryAfter?: number;
      rateLimit?: LimitState;
      detail?: ErrorDetail;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.field = options.field;
    this.retryAfter = options.retryAfter;
    this.rateLimit = options.rateLimit;
    this.detail = options.detail;
  }
}

/** True for an `AppError`, also across module copies. */
export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError || (value instanceof Error && value.name === 'AppError' && 'code' in value);
}
