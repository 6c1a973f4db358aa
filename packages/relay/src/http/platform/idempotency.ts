import type { Handler } from './handler.js';
import { pathOf } from './request-info.js';
import { headers } from '@messagejs/shared-types';
import { AppError } from '../../domain/app-error.js';
import { localsOf } from './locals.js';
import { sha256Hex } from '../../crypto/tokens.js';
import { createHmac } from 'node:crypto';

const IDEMPOTENCY_HEADER = headers.idempotencyKey.toLowerCase();
const KEY_FORMAT = /^[\x21-\x7E]{1,255}$/;

/** A stable JSON text: object keys sorted, so `{a,b}` and `{b,a}` hash alike. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The body without its `captchaToken`: a CAPTCHA proves who sends, not what is sent, so a retry
 * with a fresh solution (or none) is still the same request and gets the first answer.
 */
function withoutCaptcha(body: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body) || !('captchaToken' in body)) return body;
  const { captchaToken: _, ...rest } = body as Record<string, unknown>;
  return rest;
}

/**
 * Pipeline step 3 (docs/architecture.md): reads `Idempotency-Key` and fingerprints the request (method, path, body), so the
 * route can replay the first answer to a retry or refuse the same key with another body. Routes
 * whose body holds a secret (a verification code) pass `secret`: their fingerprint is an HMAC, so
 * the stored record gives no offline guess at the code.
 */
export function idempotencyKey(options: { secret?: Buffer } = {}): Handler {
  const { secret } = options;
  return function idempotencyKeyMiddleware(req, res, next) {
    const key = req.headers[IDEMPOTENCY_HEADER];
    if (key === undefined) return next();
    if (typeof key !== 'string' || !KEY_FORMAT.test(key)) {
      return next(
        new AppError('validation_failed', '`Idempotency-Key` must be 1–255 visible ASCII characters.', {
          field: headers.idempotencyKey,
        }),
      );
    }
    const fingerprint = `${req.method} ${pathOf(req)}\n${canonical(withoutCaptcha(req.body))}`;
    const requestHash = secret
      ? createHmac('sha256', secret).update(fingerprint).digest('hex')
      : sha256Hex(fingerprint);
    localsOf(res).idempotency = { key, requestHash };
    next();
  };
}
