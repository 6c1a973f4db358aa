import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { ErrorBody } from '@messagejs/shared-types';
import { HttpError, isHttpError } from '../core/http-error.js';
import { localsOf } from './locals.js';

/** The last handler: an `HttpError` becomes its error body; anything else a logged `internal_error`. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return function errorHandlerMiddleware(error, req, res, next) {
    if (res.headersSent) return next(error);
    const requestId = localsOf(res).requestId;
    let httpError: HttpError;
    if (isHttpError(error)) {
      httpError = error;
    } else if ((error as { type?: string })?.type === 'entity.parse.failed') {
      httpError = new HttpError('invalid_json', 'The body is not valid JSON.');
    } else {
      logger.error({ err: error, requestId, method: req.method, path: req.path }, 'unhandled error');
      httpError = new HttpError('internal_error', 'Something went wrong on the relay. The request id identifies it in the logs.');
    }
    if (httpError.retryAfter !== undefined) res.setHeader('Retry-After', String(httpError.retryAfter));
    res.set(httpError.headers);
    const body: ErrorBody = {
      error: { code: httpError.code, message: httpError.message, ...(httpError.field && { field: httpError.field }), requestId },
    };
    res.status(httpError.status).json(body);
  };
}

/** Unknown routes: a JSON 404 like every other error. */
export function notFound(): RequestHandler {
  return function notFoundMiddleware(req, _res, next) {
    next(new HttpError('not_found', `No route for ${req.method} ${req.path}.`));
  };
}
