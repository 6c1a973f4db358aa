import type { JWK } from 'jose';
import { verifyCheckRequestSchema, type VerifyCheckResponse } from '@messagejs/shared-types';
import type { VerifySession } from '../../store/types.js';
import { codesMatch, hmacCode, isCodeShape } from '../../crypto/verify-code.js';
import { AppError } from '../../domain/app-error.js';
import { toValidationError } from '../../domain/validation.js';
import type { KeyPrincipal } from '../../domain/principal.js';
import { loadVerifySettings } from './verify-settings.js';
import { ensureSigningKey } from './signing-keys.js';
import { idempotencyRecord, replayAnswer, storedAnswer } from '../messages/idempotent-answer.js';
import { SESSION_ID, type VerifyDeps, type VerifyOutcome, type VerifyRequestContext } from './start-verification.js';

/** People type codes with spaces or dashes (`482 913`); letters in any case. */
function normalizeCode(code: string, alphabet: VerifySession['alphabet']): string {
  const compact = code.replace(/[\s-]/g, '');
  return alphabet === 'alphanumeric' ? compact.toUpperCase() : compact;
}

/** The error for a session that can no longer be checked, or null while it can. */
function closedError(session: VerifySession, now: number): AppError | null {
  switch (session.status) {
    case 'approved':
      return new AppError('already_verified', 'This session was verified already; a code works once.', {
        field: 'sessionId',
      });
    case 'canceled':
      return new AppError(
        'max_attempts_reached',
        'Too many wrong codes: this session is closed. Start a new verification.',
        { field: 'sessionId' },
      );
    case 'expired':
      return expiredError();
    case 'pending':
      return now >= session.expiresAt ? expiredError() : null;
  }
}

const expiredError = () =>
  new AppError('expired', 'This code has expired. Start a new verification.', { field: 'sessionId' });

/**
 * `POST /v1/verify/check`: compares the code with the session's in constant time (as HMACs).
 * A match approves the session once and answers with a relay-signed JWT (ES256) saying which
 * address was verified; a wrong code counts an attempt and closes the session at the limit.
 *
 * Unknown sessions and sessions of another key (even in the same project) are both `404`, so a
 * session id reveals nothing to a key that did not start it. A code of the wrong length or
 * alphabet is `400 invalid_code` and is not counted: it could never match.
 */
export async function checkVerification(
  deps: VerifyDeps,
  caller: KeyPrincipal,
  body: unknown,
  context: VerifyRequestContext & { issuer: string },
): Promise<VerifyOutcome<VerifyCheckResponse>> {
  const { store } = deps;
  const { key, project } = caller;
  const { idempotency } = context;
  const stored = await storedAnswer<VerifyCheckResponse>(store, key.id, idempotency);
  if (stored) return stored;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError(
      'validation_failed',
      'The body must be a JSON object: { "sessionId": "ver_…", "code": "123456" }.',
    );
  }
  const parsed = verifyCheckRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const req = parsed.data;

  // A concurrent check or resend can change the session between reading and writing it; the
  // store refuses such a write and the check runs again on the fresh session.
  for (let round = 0; round < 3; round++) {
    const now = deps.now();
    const session = SESSION_ID.test(req.sessionId) ? await store.verify.get(req.sessionId) : null;
    if (!session || session.projectId !== project.id || session.keyId !== key.id) {
      throw new AppError('verify_session_not_found', 'No such verification session for this key.', {
        field: 'sessionId',
      });
    }
    const closed = closedError(session, now);
    if (closed) throw closed;
    const code = normalizeCode(req.code, session.alphabet);
    if (!isCodeShape(code, session.codeLength, session.alphabet)) {
      const what = session.alphabet === 'numeric' ? 'digits' : 'letters and digits';
      throw new AppError('invalid_code', `The code is ${session.codeLength} ${what}.`, { field: 'code' });
    }
    const matched = codesMatch(Buffer.from(session.codeHmac, 'hex'), hmacCode(deps.codeKey, session.id, code));

    let response: VerifyCheckResponse;
    if (matched) {
      const settings = await loadVerifySettings(store, project.id);
      const signingKey = await ensureSigningKey(store, deps.sealer, project.id, now);
      const token = await deps.signer.sign(
        { kid: signingKey.kid, privateJwk: deps.sealer.open<JWK>(signingKey.sealedPrivateJwk) },
        { sub: session.to, channel: session.channel, sid: session.id },
        { issuer: context.issuer, audience: project.id, issuedAt: now, ttlSeconds: settings.tokenTtlMinutes * 60 },
      );
      response = { valid: true, status: 'approved', token };
    } else {
      const remaining = Math.max(session.maxAttempts - session.attempts - 1, 0);
      response = { valid: false, status: remaining === 0 ? 'canceled' : 'pending', attemptsRemaining: remaining };
    }
    const result = await store.verify.check({
      sessionId: session.id,
      outcome: matched ? { matched: true, codeHmac: session.codeHmac } : { matched: false },
      at: now,
      ...(idempotency && { idempotency: idempotencyRecord(key.id, idempotency, 200, response, now) }),
    });
    if (result.ok) return { status: 200, body: response, replayed: false };
    if (result.reason === 'idempotent') return replayAnswer(result.existing, idempotency!.requestHash);
  }
  throw new AppError('rate_limited', 'This session is being checked by several requests at once; try again.', {
    retryAfter: 1,
  });
}
