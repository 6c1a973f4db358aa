import express from 'express';
import type { Handler } from './handler.js';
import { hasContentType } from './request-info.js';
import { AppError } from '../../domain/app-error.js';
import { CONTROL, controlField } from '../../domain/control-characters.js';

// Keys that could reach an object's prototype if someone later merged the body into an object.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * How deep a body may nest (the top-level object is 1). Real bodies need 3 or 4; every later
 * step that walks a body (validation, idempotency fingerprints, logs) may then recurse safely.
 */
export const MAX_BODY_DEPTH = 32;

// One pair of stacks reused by every call: the walk is synchronous, so calls never overlap.
const pending: unknown[] = [];
const depths: number[] = [];
// Set by `checkBody` when a string or key of the body holds a `CONTROL` character.
let sawControl = false;

/**
 * Walks a parsed body without recursion (`JSON.parse` itself is iterative in V8): drops
 * `__proto__`/`constructor`/`prototype` keys, which do nothing anywhere (`JSON.parse` makes them
 * own properties, so parsing itself pollutes nothing), and returns false as soon as a value sits
 * deeper than `MAX_BODY_DEPTH`. It replaces the recursive key walk at the same cost, so the
 * depth check is free on the send path. Sets `sawControl` when a string or key holds a `CONTROL`
 * character (one regular-expression test per string).
 */
function checkBody(body: unknown): boolean {
  sawControl = typeof body === 'string' && CONTROL.test(body);
  if (body === null || typeof body !== 'object') return true;
  pending[0] = body;
  depths[0] = 1;
  let top = 1;
  let ok = true;
  while (top > 0) {
    const value = pending[--top] as Record<string, unknown> | unknown[];
    const depth = depths[top]!;
    if (depth > MAX_BODY_DEPTH) {
      ok = false;
      break;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        if (typeof item === 'string') sawControl ||= CONTROL.test(item);
        else if (item !== null && typeof item === 'object') {
          pending[top] = item;
          depths[top++] = depth + 1;
        }
      }
    } else {
      for (const key in value) {
        if (FORBIDDEN_KEYS.has(key)) {
          delete value[key];
          continue;
        }
        const item = value[key];
        sawControl ||= CONTROL.test(key) || (typeof item === 'string' && CONTROL.test(item));
        if (item !== null && typeof item === 'object') {
          pending[top] = item;
          depths[top++] = depth + 1;
        }
      }
    }
  }
  // Hold no reference to the body once done.
  pending.length = 0;
  depths.length = 0;
  return ok;
}

/** The top-level key whose value nests too deep (for the error's `field`), or undefined for a top-level array. */
function tooDeepField(body: unknown): string | undefined {
  if (Array.isArray(body) || body === null || typeof body !== 'object') return undefined;
  for (const key of Object.keys(body)) {
    if (!checkBody([(body as Record<string, unknown>)[key]])) return key;
  }
  return undefined;
}

/** `validation_failed` for text holding a control character, naming the field at fault. */
function controlRefused(body: unknown): AppError {
  const field = controlField(body) || undefined;
  return new AppError(
    'validation_failed',
    `${field ? `\`${field}\` m` : 'M'}ust not contain control characters (U+0000–U+001F other than tab, line feed and carriage return).`,
    field ? { field } : {},
  );
}

/**
 * Parses a JSON body of at most `limit` bytes. Not JSON → 415 `unsupported_media_type`; bad JSON
 * → 400 `invalid_json`; too large → 413 `payload_too_large`; nested deeper than
 * `MAX_BODY_DEPTH` → 400 `nesting_too_deep`, before any recursive work; a string or key holding a
 * control character (U+0000 included) → 400 `validation_failed` naming it, on every backend —
 * unless `controls: 'route'`: the route checks them itself (a bulk request refuses one item, not
 * the whole batch, with `controlFieldOf`).
 */
export function jsonBody(options: { limit?: string; controls?: 'refuse' | 'route' } = {}): Handler {
  const refuseControls = options.controls !== 'route';
  const parse = express.json({ limit: options.limit ?? '64kb', strict: true });
  return function jsonBodyMiddleware(req, res, next) {
    if (!hasContentType(req, ['application/json'])) {
      return next(
        new AppError('unsupported_media_type', 'Send the body as JSON with `Content-Type: application/json`.'),
      );
    }
    parse(req, res, (error?: unknown) => {
      if (!error) {
        if (checkBody(req.body)) return next(sawControl && refuseControls ? controlRefused(req.body) : undefined);
        const field = tooDeepField(req.body);
        return next(
          new AppError('nesting_too_deep', `The body nests deeper than ${MAX_BODY_DEPTH} levels.`, {
            ...(field !== undefined && { field }),
          }),
        );
      }
      const type = (error as { type?: string }).type;
      if (type === 'entity.too.large')
        return next(new AppError('payload_too_large', `The body is larger than ${options.limit ?? '64kb'}.`));
      if (type === 'entity.parse.failed') return next(new AppError('invalid_json', 'The body is not valid JSON.'));
      if (type === 'charset.unsupported' || type === 'encoding.unsupported') {
        return next(new AppError('unsupported_media_type', 'Send the body as UTF-8 JSON.'));
      }
      next(new AppError('validation_failed', 'The body could not be read.', { cause: error }));
    });
  };
}

/**
 * `jsonBody`, for a route whose body may be left out (`POST …/rotate` with its defaults): a request
 * without a body passes with none; one with a body must be JSON as above.
 */
export function optionalJsonBody(options: { limit?: string } = {}): Handler {
  const parse = jsonBody(options);
  return function optionalJsonBodyMiddleware(req, res, next) {
    const length = req.headers['content-length'];
    const empty = length === '0' || (length === undefined && req.headers['transfer-encoding'] === undefined);
    if (empty) return next();
    return parse(req, res, next);
  };
}
