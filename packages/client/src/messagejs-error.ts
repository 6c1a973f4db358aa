import type { ErrorCode, NumberType } from '@messagejs/shared-types';

/** What a {@link MessageJSError} carries besides its message. */
export interface MessageJSErrorOptions {
  /** The stable error code: one of the relay's codes, or `timeout`, `network_error`, `bad_response`. */
  code: ErrorCode;
  /**
   * The HTTP status of the relay's answer; `0` when no answer was received.
   * @default 0
   */
  status?: number;
  /** The relay's request id (`X-Request-Id`), to quote when asking for help. */
  requestId?: string;
  /** Seconds the relay asked to wait before trying again (`Retry-After`). */
  retryAfter?: number;
  /** The request field at fault, as a dotted path (`params.order`, `to`). */
  field?: string;
  /** With `number_type_not_allowed`: the type the recipient's number was found to be (`premium_rate`). */
  numberType?: NumberType;
  /** The underlying error (a ky `HTTPError` or `TimeoutError`, or the `fetch` failure). */
  cause?: unknown;
}

/**
 * The one error every MessageJS request rejects with: an error answer of the relay, a timeout,
 * a network failure, or an answer that is not the JSON the relay sends.
 *
 * The message names the code, status, method and URL the way ky does, followed by the relay's
 * own message.
 *
 * @example
 * ```ts
 * try {
 *   await messagejs.send({ template: 'order_update', to, params });
 * } catch (error) {
 *   if (isMessageJSError(error) && error.code === 'rate_limited') {
 *     console.log(`Try again in ${error.retryAfter} s`);
 *   }
 * }
 * ```
 */
export class MessageJSError extends Error {
  /** Always `'MessageJSError'`, so the error can be recognised across realms and bundles. */
  override readonly name = 'MessageJSError';
  // The fields below are `declare`d: the constructor assigns each of them, and a plain declaration
  // would also emit a class field that the bundle's size limit pays for.
  /** The stable error code (see the table in the README). */
  declare readonly code: ErrorCode;
  /** The HTTP status of the relay's answer; `0` for `timeout` and `network_error`. */
  declare readonly status: number;
  /** The relay's request id, from the `X-Request-Id` header or the error body. */
  declare readonly requestId: string | undefined;
  /** Seconds to wait before trying again, from the `Retry-After` header. */
  declare readonly retryAfter: number | undefined;
  /** The request field at fault, as a dotted path (`params.order`, `to`). */
  declare readonly field: string | undefined;
  /** With `number_type_not_allowed`: the type the recipient's number was found to be (`premium_rate`). */
  declare readonly numberType: NumberType | undefined;

  constructor(message: string, options: MessageJSErrorOptions) {
    super(message, { cause: options.cause });
    this.code = options.code;
    this.status = options.status ?? 0;
    this.requestId = options.requestId;
    this.retryAfter = options.retryAfter;
    this.field = options.field;
    this.numberType = options.numberType;
  }
}

/**
 * Whether `value` is a {@link MessageJSError}. Checks the name too, so an error from another
 * copy of the SDK (a second bundle, an iframe) is recognised.
 *
 * @example
 * ```ts
 * if (isMessageJSError(error)) console.log(error.code, error.requestId);
 * ```
 */
export function isMessageJSError(value: unknown): value is MessageJSError {
  return value instanceof MessageJSError || (value as { name?: unknown } | null)?.name === 'MessageJSError';
}
