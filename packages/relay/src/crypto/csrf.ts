import crypto from 'node:crypto';

/** The key CSRF tokens are HMACs under, derived from the master key like the code and CAPTCHA keys. */
export function deriveCsrfKey(masterKey: Buffer): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', masterKey, 'messagejs-relay', 'messagejs csrf token', 32));
}

/**
 * A session's CSRF token: HMAC-SHA256 of its id (the refresh-token family, stable across
 * rotations), base64url. A page on another site can neither read it (it is in the answer and a
 * cookie only the relay's own pages read) nor compute it (OWASP's signed double-submit cookie).
 */
export function csrfTokenFor(key: Buffer, sessionId: string): string {
  return crypto.createHmac('sha256', key).update(sessionId).digest('base64url');
}

/** True when `token` is the session's CSRF token (constant-time comparison). */
export function isCsrfToken(key: Buffer, sessionId: string, token: string | undefined): boolean {
  if (typeof token !== 'string') return false;
  const expected = Buffer.from(csrfTokenFor(key, sessionId));
  const given = Buffer.from(token);
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}
