import express from 'express';
import type { Handler } from './handler.js';
import { hasContentType } from './request-info.js';
import { HttpError } from '../core/http-error.js';

// Keys that could reach an object's prototype if someone later merged the body into an object.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Drops `__proto__`/`constructor`/`prototype` keys from a parsed body: they do nothing, anywhere.
 * (`JSON.parse` makes them own properties, so parsing itself pollutes nothing; a walk afterwards
 * costs a third of a reviver, which V8 calls back for every value.)
 */
function dropForbiddenKeys(value: unknown, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 64) return;
  if (Array.isArray(value)) {
    for (const item of value) dropForbiddenKeys(item, depth + 1);
    return;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) delete (value as Record<string, unknown>)[key];
    else dropForbiddenKeys((value as Record<string, unknown>)[key], depth + 1);
  }
}

/**
 * Parses a JSON body of at most `limit` bytes. Not JSON → 415 `unsupported_media_type`; bad JSON
 * → 400 `invalid_json`; too large → 413 `payload_too_large`.
 */
export function jsonBody(options: { limit?: string } = {}): Handler {
  const parse = express.json({ limit: options.limit ?? '64kb', strict: true });
  return function jsonBodyMiddleware(req, res, next) {
    if (!hasContentType(req, ['application/json'])) {
      return next(new HttpError('unsupported_media_type', 'Send the body as JSON with `Content-Type: application/json`.'));
    }
    parse(req, res, (error?: unknown) => {
      if (!error) {
        dropForbiddenKeys(req.body);
        return next();
      }
      const type = (error as { type?: string }).type;
      if (type === 'entity.too.large') return next(new HttpError('payload_too_large', `The body is larger than ${options.limit ?? '64kb'}.`));
      if (type === 'entity.parse.failed') return next(new HttpError('invalid_json', 'The body is not valid JSON.'));
      if (type === 'charset.unsupported' || type === 'encoding.unsupported') {
        return next(new HttpError('unsupported_media_type', 'Send the body as UTF-8 JSON.'));
      }
      next(new HttpError('validation_failed', 'The body could not be read.', { cause: error }));
    });
  };
}
