import type { Logger } from 'pino';
import { AppError } from '../../domain/app-error.js';
import type { Store } from '../types/index.js';

/** Seconds a caller is asked to wait (`Retry-After`) while the database cannot be reached. */
export const STORE_RETRY_AFTER_SECONDS = 2;

/** Socket and DNS failures: the server is down, restarting, or not reachable from here. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server that is going away or full (PostgreSQL, Appendix A "Error Codes"):
 * `57P01` admin_shutdown (a restart, `pg_terminate_backend`), `57P02` crash_shutdown, `57P03`
 * cannot_connect_now (starting up or shutting down), `53300` too_many_connections. Class `08`
 * (connection exception) is matched by prefix.
 */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** What `pg` and `pg-pool` throw when a connection cannot be made or was lost (they carry no code). */
const DRIVER_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'Client has encountered a connection error and is not queryable',
  'timeout expired',
];

/**
 * True when `error` says the database cannot be reached right now — connection refused or
 * reset, a pool connect timeout, the server shutting down or out of connections — rather than
 * that the statement was wrong. Looks through `cause` and `AggregateError.errors` (Node tries
 * each address of a host name and reports them together).
 */
export function isUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 4 || typeof error !== 'object' || error === null) return false;
  const { code, message, cause, errors } = error as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  if (typeof message === 'string' && DRIVER_MESSAGES.some((m) => message.startsWith(m))) return true;
  if (Array.isArray(errors) && errors.some((e) => isUnavailable(e, depth + 1))) return true;
  return cause !== undefined && isUnavailable(cause, depth + 1);
}

/**
 * SQLSTATEs of a statement the server cut short on time: `57014` query_canceled (its
 * `statement_timeout`, lock waits included, or a cancel by an operator) and `25P03`
 * idle_in_transaction_session_timeout. The database answers, but not this request in time.
 */
const TIMEOUT_SQLSTATES = new Set(['57014', '25P03']);

/** True when `error` (or its `cause`) says the server cancelled a statement on time (`TIMEOUT_SQLSTATES`). */
export function isTimedOut(error: unknown, depth = 0): boolean {
  if (depth > 4 || typeof error !== 'object' || error === null) return false;
  const { code, cause } = error as { code?: unknown; cause?: unknown };
  if (typeof code === 'string' && TIMEOUT_SQLSTATES.has(code)) return true;
  return cause !== undefined && isTimedOut(cause, depth + 1);
}

/** The error callers see while the database cannot be reached: `503 store_unavailable` with `Retry-After`. */
export function storeUnavailable(cause: unknown): AppError {
  return new AppError('store_unavailable', 'The database cannot be reached right now; try again shortly.', {
    retryAfter: STORE_RETRY_AFTER_SECONDS,
    cause,
  });
}

type AnyFunction = (...args: unknown[]) => unknown;

/** What callers see when a statement ran out of time: also `503 store_unavailable` with `Retry-After`. */
export function storeTimedOut(cause: unknown): AppError {
  return new AppError('store_unavailable', 'The database did not answer in time; try again shortly.', {
    retryAfter: STORE_RETRY_AFTER_SECONDS,
    cause,
  });
}

/** Watches calls: logs once when the database becomes unreachable and once when it answers again. */
function outageLog(logger: Logger | undefined) {
  let down = false;
  return {
    failed(error: unknown) {
      if (down) return;
      down = true;
      logger?.error(
        { err: error },
        'the database cannot be reached: requests that need it answer 503 store_unavailable until it is back',
      );
    },
    succeeded() {
      if (!down) return;
      down = false;
      logger?.info('the database answers again');
    },
    get down() {
      return down;
    },
  };
}

/**
 * Wraps a store so that a call failing because PostgreSQL cannot be reached rejects with
 * `storeUnavailable` (an `AppError`), and one whose statement the server cancelled on time with
 * `storeTimedOut`: the HTTP layer answers it `503` with `Retry-After` and
 * never sees a `pg` error. Other errors pass unchanged. `ping` answers false instead of
 * throwing; `close` and `onWork` pass through. Repositories are plain objects of functions, as
 * every store builds them (`sqlite/index.ts`), so their own properties are all there is to wrap.
 */
export function withUnavailableErrors<S extends Store>(store: S, options: { logger?: Logger } = {}): S {
  const outage = outageLog(options.logger);
  const translate = (error: unknown) => {
    if (isTimedOut(error)) {
      // Not an outage (the database answers): one line per statement, without its parameters.
      options.logger?.warn(
        { code: (error as { code?: string }).code },
        'a database statement ran past MESSAGEJS_DATABASE_STATEMENT_TIMEOUT_MS: answered 503 store_unavailable',
      );
      return storeTimedOut(error);
    }
    if (!isUnavailable(error)) return error;
    outage.failed(error);
    return storeUnavailable(error);
  };
  const guarded =
    (fn: AnyFunction): AnyFunction =>
    (...args) => {
      let result: unknown;
      try {
        result = fn(...args);
      } catch (error) {
        throw translate(error);
      }
      if (!(result instanceof Promise)) return result;
      return result.then(
        (value: unknown) => {
          if (outage.down) outage.succeeded();
          return value;
        },
        (error: unknown) => {
          throw translate(error);
        },
      );
    };
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(store) as Array<[string, unknown]>) {
    if (name === 'close' || name === 'onWork') wrapped[name] = value;
    else if (name === 'ping') wrapped[name] = () => store.ping().catch(() => false);
    else if (typeof value === 'function') wrapped[name] = guarded((value as AnyFunction).bind(store));
    else if (typeof value === 'object' && value !== null) wrapped[name] = guardRepo(value, guarded);
    else wrapped[name] = value;
  }
  return wrapped as S;
}

/** A repository whose every function is `guarded`. */
function guardRepo(repo: object, guarded: (fn: AnyFunction) => AnyFunction): object {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(repo)) {
    out[name] = typeof value === 'function' ? guarded((value as AnyFunction).bind(repo)) : value;
  }
  return out;
}
