import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { localsOf } from './locals.js';

/**
 * One log line per request when it finishes: method, path (no query string: it may carry
 * secrets), status, duration, request id and the key's prefix — never the key, body or recipient.
 */
export function requestLog(logger: Logger): RequestHandler {
  return function requestLogMiddleware(req, res, next) {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      if (!logger.isLevelEnabled('info')) return;
      const locals = localsOf(res);
      logger.info(
        {
          requestId: locals.requestId,
          method: req.method,
          path: req.originalUrl.split('?')[0],
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
          keyPrefix: locals.caller?.key.prefix,
        },
        'request',
      );
    });
    next();
  };
}
