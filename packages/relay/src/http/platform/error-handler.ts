import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { errorStatus, type ErrorBody } from '@messagejs/shared-types';
import { setRateLimitHeaders } from './limits.js';
import { AppError, isAppError } from '../../domain/app-error.js';
import { localsOf } from './locals.js';
import type { ErrorHandler } from './handler.js';
import { pathOf } from './request-info.js';
import { sendJson } from './send-json.js';

/** The last handler: an `AppError` becomes its error body; anything else a logged `internal_error`. */
export function errorHandler(logger: Logger): ErrorHandler {
  return function errorHandlerMiddleware(error, req, res, next) {
    if (res.headersSent) return next(error);
    const requestId = localsOf(res).requestId;
    let appError: AppError;
    if (isAppError(error)) {
      appError = error;
    } else if ((error as { type?: string })?.type === 'entity.parse.failed') {
      appError = new AppError('invalid_json', 'The body is not valid JSON.');
    } else if (isClientError(error)) {
      // Express's own 4xx (http-errors), e.g. a URL parameter that is not valid percent-encoding.
      appError = new AppError(clientErrorCode(error.status), `The request could not be read: ${error.message}`);
    } else {
      logger.error({ err: error, requestId, method: req.method, path: pathOf(req) }, 'unhandled error');
      appError = new AppError(
        'internal_error',
        'Something went wrong on the relay. The request id identifies it in the logs.',
      );
    }
    if (appError.retryAfter !== undefined) res.setHeader('Retry-After', String(appError.retryAfter));
    if (appError.rateLimit) setRateLimitHeaders(res, appError.rateLimit);
    const body: ErrorBody = {
      error: {
        code: appError.code,
        message: appError.message,
        ...(appError.field && { field: appError.field }),
        ...appError.detail,
        requestId,
      },
    };
    sendJson(res, errorStatus[appError.code] || 500, body);
  };
}

/**
 * A client error Express or its parsers raised: a 4xx http-errors error (its message is safe to
 * show), or the router's `URIError` for a parameter that is not valid percent-encoding.
 */
function isClientError(error: unknown): error is Error & { status: number } {
  const status = (error as { status?: unknown })?.status;
  const showable = (error as { expose?: unknown })?.expose === true || error instanceof URIError;
  return error instanceof Error && typeof status === 'number' && status >= 400 && status < 500 && showable;
}

/** The error code for an Express 4xx: its own for sizes and media types, else `validation_failed`. */
function clientErrorCode(status: number): 'payload_too_large' | 'unsupported_media_type' | 'validation_failed' {
  if (status === 413) return 'payload_too_large';
  if (status === 415) return 'unsupported_media_type';
  return 'validation_failed';
}

/** Unknown routes: a JSON 404 like every other error. */
export function notFound(): RequestHandler {
  return function notFoundMiddleware(req, _res, next) {
    next(new AppError('not_found', `No route for ${req.method} ${req.path}.`));
  };
}
