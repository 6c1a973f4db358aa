import { z } from 'zod';
import type { Logger } from 'pino';
import type { Channel, VerifyStartResponse } from '@messagejs/shared-types';
import type { Message, Store, VerifySession, VerifySettings } from '../../store/types.js';
import type { Sealer } from '../../crypto/sealer.js';
import type { TokenSigner } from '../../crypto/token-signer.js';
import { generateCode, hmacCode } from '../../crypto/verify-code.js';
import { newId } from '../../crypto/tokens.js';
import { HttpError } from '../http-error.js';
import { toValidationError, type Caller } from '../send-message.js';
import { resolveRecipient, type Recipient } from '../recipients.js';
import { enforceLimit, type RateLimitStore } from '../rate-limits.js';
import { queuedMessage, sealContent } from '../queued-message.js';
import { replayAnswer, storedAnswer, type Answer } from '../idempotent-answer.js';
import { fill } from '../templates.js';
import { maskAddress } from '../mask.js';
import { verifyCaptcha, type CaptchaOptions } from './verify-captcha.js';
import { DEFAULT_VERIFY_BODY, DEFAULT_VERIFY_SUBJECT, loadVerifySettings } from './verify-settings.js';

/** Channels a code can be sent on. */
export const verifyChannels = ['sms', 'whatsapp', 'telegram', 'email', 'console'] as const satisfies readonly Channel[];

/** The window of the per-recipient send limit (`maxSendsPer10Minutes`). */
export const SEND_WINDOW_MS = 10 * 60_000;

/** Session ids: `ver_` and 22 base62 characters (≈131 bits), unguessable. */
export const SESSION_ID = /^ver_[0-9A-Za-z]{22}$/;

/** What verification needs from the relay. */
export interface VerifyDeps {
  store: Store;
  limits: RateLimitStore;
  sealer: Sealer;
  /** HMAC key for codes (HKDF from the master key). */
  codeKey: Buffer;
  signer: TokenSigner;
  now: () => number;
  captcha?: CaptchaOptions;
  logger?: Pick<Logger, 'warn'>;
  /** Called after a code's message is stored, to wake the worker. */
  onEnqueued?: (messageId: string) => void;
}

/** The request's context the HTTP layer knows. */
export interface VerifyRequestContext {
  /** The client IP, passed to the CAPTCHA provider as `remoteip`. */
  ip?: string | undefined;
  idempotency?: { key: string; requestHash: string } | undefined;
}

/** An answer for the route to send: status, body, and whether it replays a stored one. */
export type VerifyOutcome<T> = Answer<T>;

const startSchema = z.strictObject({
  to: z.string().min(1).max(320),
  channel: z.enum(verifyChannels).default('sms'),
  // Provider tokens run to a few KB (Turnstile caps them at 2048 characters).
  captchaToken: z.string().min(1).max(8192).optional(),
});

const seconds = (ms: number) => Math.max(Math.ceil(ms / 1000), 1);
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * `POST /v1/verify/send`: sends a one-time code to `to` and answers with the session to check it
 * against — never the code. A second start for the same recipient and channel by the same key
 * while a session is pending sends a new code in that session once the cooldown has passed.
 * Sessions belong to the key that started them: another key (even of the same project) gets its
 * own session and never learns of this one.
 *
 * Order: validate → recipient → cooldown → CAPTCHA → anti-pumping limits → one transaction that
 * also enforces the per-recipient send limit. A refusal at any step writes nothing.
 */
export async function startVerification(
  deps: VerifyDeps,
  caller: Caller,
  body: unknown,
  context: VerifyRequestContext = {},
): Promise<VerifyOutcome<VerifyStartResponse>> {
  const { store } = deps;
  const { key, project } = caller;
  const { idempotency } = context;
  const stored = await storedAnswer<VerifyStartResponse>(store, key.id, idempotency);
  if (stored) return stored;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError('validation_failed', 'The body must be a JSON object: { "to": "+212612345678", "channel": "sms" }.');
  }
  const parsed = startSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const req = parsed.data;
  const channel: Channel = req.channel;

  const settings = await loadVerifySettings(store, project.id);
  const recipient = resolveRecipient(channel, req.to, project);
  if (await store.optOuts.has(project.id, recipient.address)) {
    throw new HttpError('recipient_opted_out', 'This recipient has opted out of messages from this project.', { field: 'to' });
  }
  if ((await store.connectors.forChannel(project.id, channel)).length === 0) {
    throw new HttpError('channel_not_configured', `No connector in this project delivers the \`${channel}\` channel.`, { field: 'channel' });
  }

  let now = deps.now();
  const pending = await store.verify.findPending({ projectId: project.id, keyId: key.id, channel, to: recipient.address, now });
  if (pending) throwIfCoolingDown(pending, settings, now);

  // The CAPTCHA gates browsers (public keys); a secret key is itself proof of a trusted server.
  if (settings.captcha && key.kind === 'public') {
    if (!req.captchaToken) {
      throw new HttpError('captcha_required', 'This project requires a CAPTCHA: pass the widget\'s token as `captchaToken`.', { field: 'captchaToken' });
    }
    const verdict = await verifyCaptcha(
      { provider: settings.captcha.provider, secret: deps.sealer.open<string>(settings.captcha.sealedSecret), token: req.captchaToken, remoteIp: context.ip },
      deps.captcha,
    );
    if (!verdict.success) {
      // Codes such as `invalid-input-secret` mean the operator's setup is wrong, not the visitor.
      if (verdict.errorCodes.some((c) => c.includes('secret'))) {
        deps.logger?.warn({ projectId: project.id, provider: settings.captcha.provider, errorCodes: verdict.errorCodes }, 'CAPTCHA provider rejected the project secret');
      }
      throw new HttpError('captcha_failed', 'The CAPTCHA was not solved, or its token expired or was used already. Solve it again.', { field: 'captchaToken' });
    }
  }

  // SMS pumping: a public key may not spray one number range (the IP dimension ran in middleware).
  if (key.kind === 'public' && recipient.prefix) await enforceLimit(deps.limits, project.limits, 'prefix', `${project.id}:${recipient.prefix}`);
  await enforceLimit(deps.limits, project.limits, 'project', project.id);

  // The CAPTCHA call may have taken a while: the session's times start now.
  now = deps.now();
  const code = generateCode(settings.codeLength, settings.alphabet);
  const sessionId = pending?.id ?? newId('ver');
  const expiresAt = now + settings.ttlMinutes * 60_000;
  const codeFields = {
    codeHmac: hmacCode(deps.codeKey, sessionId, code).toString('hex'),
    codeLength: settings.codeLength,
    alphabet: settings.alphabet,
    lastSentAt: now,
    expiresAt,
    updatedAt: now,
  };
  const session: VerifySession = pending
    ? { ...pending, ...codeFields, sends: pending.sends + 1 }
    : {
        id: sessionId,
        projectId: project.id,
        keyId: key.id,
        channel,
        to: recipient.address,
        ...codeFields,
        status: 'pending',
        attempts: 0,
        maxAttempts: settings.maxAttempts,
        sends: 1,
        verifiedAt: null,
        createdAt: now,
      };
  const message = sealContent(verifyMessage({ caller, channel, recipient, code, settings, now }), deps.sealer);
  const response: VerifyStartResponse = {
    sessionId,
    status: 'pending',
    expiresAt: iso(expiresAt),
    resendAfter: iso(now + settings.cooldownSeconds * 1000),
  };
  const result = await store.verify.send({
    session,
    resendOf: pending ? { lastSentAt: pending.lastSentAt } : null,
    message,
    dueAt: now,
    sendLimit: { max: settings.maxSendsPer10Minutes, since: now - SEND_WINDOW_MS },
    ...(idempotency && {
      idempotency: { keyId: key.id, idempotencyKey: idempotency.key, requestHash: idempotency.requestHash, statusCode: 202, response, createdAt: now },
    }),
  });
  if (!result.ok) {
    switch (result.reason) {
      case 'idempotent':
        return replayAnswer(result.existing, idempotency!.requestHash);
      case 'send_limit': {
        const retryAfter = seconds(result.oldestAt + SEND_WINDOW_MS - now);
        throw new HttpError(
          'verify_send_limit',
          `At most ${settings.maxSendsPer10Minutes} codes go to one recipient in 10 minutes; try again in ${retryAfter} s.`,
          { retryAfter, field: 'to' },
        );
      }
      case 'conflict':
        // Another start for this recipient got in first and has just sent a code.
        throw new HttpError('resend_cooldown', `A code was just sent; wait ${settings.cooldownSeconds} s before asking for another.`, {
          retryAfter: Math.max(settings.cooldownSeconds, 1),
        });
    }
  }
  deps.onEnqueued?.(message.id);
  return { status: 202, body: response, replayed: false };
}

function throwIfCoolingDown(pending: VerifySession, settings: VerifySettings, now: number): void {
  const readyAt = pending.lastSentAt + settings.cooldownSeconds * 1000;
  if (now < readyAt) {
    const retryAfter = seconds(readyAt - now);
    throw new HttpError('resend_cooldown', `A code was sent to ${maskAddress(pending.to)} moments ago; you can ask for another in ${retryAfter} s.`, { retryAfter });
  }
}

/** The message carrying a code, through the normal outbox, rendered from the project's verify template. */
function verifyMessage(input: { caller: Caller; channel: Channel; recipient: Recipient; code: string; settings: VerifySettings; now: number }): Message {
  const { caller, channel, recipient, code, settings, now } = input;
  const values = { code, brand: settings.brand ?? caller.project.name, ttl: String(settings.ttlMinutes) };
  const text = fill(settings.body ?? DEFAULT_VERIFY_BODY, values);
  return queuedMessage({
    caller,
    channel,
    recipient,
    template: 'verify',
    subject: channel === 'email' ? fill(settings.subject ?? DEFAULT_VERIFY_SUBJECT, values) : null,
    body: text,
    html: null,
    sensitive: true,
    now,
  });
}
