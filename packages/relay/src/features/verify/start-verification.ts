import type { Logger } from 'pino';
import type { z } from 'zod';
import { verifyStartRequestSchema, type Channel, type VerifyStartResponse } from '@messagejs/shared-types';
import {
  MAX_SESSION_MESSAGE_IDS,
  type Message,
  type Store,
  type VerifyRefusal,
  type VerifySession,
  type VerifySettings,
} from '../../store/types.js';
import type { Sealer } from '../../crypto/sealer.js';
import type { TokenSigner } from '../../crypto/token-signer.js';
import { generateCode, hmacCode } from '../../crypto/verify-code.js';
import { newId } from '../../crypto/tokens.js';
import { AppError } from '../../domain/app-error.js';
import { toValidationError } from '../../domain/validation.js';
import type { KeyPrincipal } from '../../domain/principal.js';
import { resolveRecipient, type Recipient } from '../recipients/recipients.js';
import { enforceLimit, type RateLimitStore } from '../../store/rate-limits.js';
import { queuedMessage, sealContent } from '../messages/queued-message.js';
import { idempotencyRecord, replayAnswer, storedAnswer, type Answer } from '../messages/idempotent-answer.js';
import { fill } from '../templates/templates.js';
import { maskAddress } from '../../domain/mask.js';
import { requireCaptcha, type CaptchaOptions } from './verify-captcha.js';
import type { ProofOfWork } from './proof-of-work.js';
import type { InFlightLocks } from '../../store/shared-state.js';
import { DEFAULT_VERIFY_BODY, DEFAULT_VERIFY_SUBJECT, loadVerifySettings } from './verify-settings.js';
import { admitVerifySend, clientOf, sendWindows } from './admit-verify-send.js';
import type { MessageMetrics } from '../../metrics/relay-metrics.js';

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
  /** The relay's own proof-of-work CAPTCHA. */
  pow: ProofOfWork;
  logger?: Pick<Logger, 'warn'>;
  /** Called after a code's message is stored, to wake the worker. */
  onEnqueued?: (messageId: string) => void;
  /** In-flight locks on `Idempotency-Key`s, shared by relays (`store/shared-state.ts`). */
  locks?: InFlightLocks | null;
  /** Counts each code's message accepted, by channel. */
  metrics?: Pick<MessageMetrics, 'accepted'>;
}

/** The request's context the HTTP layer knows. */
export interface VerifyRequestContext {
  /** The client IP: passed to the CAPTCHA provider as `remoteip`, and counted (hashed) by the per-client limits. */
  ip?: string | undefined;
  idempotency?: { key: string; requestHash: string } | undefined;
}

/** An answer for the route to send: status, body, and whether it replays a stored one. */
export type VerifyOutcome<T> = Answer<T>;

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
  caller: KeyPrincipal,
  body: unknown,
  context: VerifyRequestContext = {},
): Promise<VerifyOutcome<VerifyStartResponse>> {
  const { store } = deps;
  const { key, project } = caller;
  const { idempotency } = context;
  const stored = await storedAnswer<VerifyStartResponse>(store, key.id, idempotency);
  if (stored) return stored;
  const req = parseStartRequest(body);
  const channel: Channel = req.channel;

  const settings = await loadVerifySettings(store, project.id);
  const recipient = resolveRecipient(channel, req.to, project);
  await requireDeliverable(store, project.id, recipient, channel);

  let now = deps.now();
  // A pending session is resent only for the client that started it: a stranger's start (another
  // IP, same public key) gets a session of its own and can never spend the owner's attempts.
  const client = clientOf(key.kind, context.ip, deps.codeKey);
  const pending = await store.verify.findPending({
    projectId: project.id,
    keyId: key.id,
    client,
    channel,
    to: recipient.address,
    now,
  });
  if (pending) throwIfCoolingDown(pending, settings, now);

  // The CAPTCHA gates browsers (public keys); a secret key is itself proof of a trusted server.
  if (key.kind === 'public')
    await requireCaptcha(deps, { projectId: project.id, settings, token: req.captchaToken, remoteIp: context.ip });

  // SMS pumping: a public key may not spray one number range (the IP dimension ran in middleware).
  if (key.kind === 'public' && recipient.prefix)
    await enforceLimit(deps.limits, project.limits, 'prefix', `${project.id}:${recipient.prefix}`);
  await enforceLimit(deps.limits, project.limits, 'project', project.id);

  // The CAPTCHA call may have taken a while: the session's times start now.
  now = deps.now();
  const code = generateCode(settings.codeLength, settings.alphabet);
  const message = sealContent(verifyMessage({ caller, channel, recipient, code, settings, now }), deps.sealer);
  const session = sessionWithCode({ caller, client, channel, recipient, pending, settings, code, deps, now, message });
  const response: VerifyStartResponse = {
    sessionId: session.id,
    status: 'pending',
    expiresAt: iso(session.expiresAt),
    resendAfter: iso(now + settings.cooldownSeconds * 1000),
  };
  const result = await store.verify.send({
    session,
    resendOf: pending ? { lastSentAt: pending.lastSentAt } : null,
    message,
    dueAt: now,
    scope: { country: recipient.prefix ? recipient.country : null, prefix: recipient.prefix },
    since: sendWindows(now),
    admit: (counts) => admitVerifySend(settings, counts, key.kind, now),
    ...(idempotency && { idempotency: idempotencyRecord(key.id, idempotency, 202, response, now) }),
  });
  if (!result.ok) {
    if (result.reason === 'idempotent') return replayAnswer(result.existing, idempotency!.requestHash);
    throw result.reason === 'refused'
      ? refusalError(deps, project.id, recipient, result.refusal, now)
      : sentMeanwhile(settings);
  }
  deps.onEnqueued?.(message.id);
  deps.metrics?.accepted(message.channel);
  return { status: 202, body: response, replayed: false };
}

/** Refuses a recipient who opted out, or a channel no connector of the project delivers. */
async function requireDeliverable(
  store: Store,
  projectId: string,
  recipient: Recipient,
  channel: Channel,
): Promise<void> {
  if (await store.optOuts.has(projectId, recipient.address)) {
    throw new AppError('recipient_opted_out', 'This recipient has opted out of messages from this project.', {
      field: 'to',
    });
  }
  if ((await store.connectors.forChannel(projectId, channel)).length === 0) {
    throw new AppError('channel_not_configured', `No connector in this project delivers the \`${channel}\` channel.`, {
      field: 'channel',
    });
  }
}

/** The body of `POST /v1/verify/send`, checked against its schema. */
function parseStartRequest(body: unknown): z.output<typeof verifyStartRequestSchema> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError(
      'validation_failed',
      'The body must be a JSON object: { "to": "+212612345678", "channel": "sms" }.',
    );
  }
  const parsed = verifyStartRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  return parsed.data;
}

/**
 * The session that holds `code` (only its HMAC) and names `message`, which carries it: the pending
 * one, resent with a new code and times, or a new one for this key, client, channel and recipient.
 */
function sessionWithCode(input: {
  caller: KeyPrincipal;
  client: string;
  channel: Channel;
  recipient: Recipient;
  pending: VerifySession | null;
  settings: VerifySettings;
  code: string;
  deps: Pick<VerifyDeps, 'codeKey'>;
  now: number;
  message: Message;
}): VerifySession {
  const { caller, client, channel, recipient, pending, settings, code, now } = input;
  const sessionId = pending?.id ?? newId('ver');
  const codeFields = {
    codeHmac: hmacCode(input.deps.codeKey, sessionId, code).toString('hex'),
    codeLength: settings.codeLength,
    alphabet: settings.alphabet,
    // The history names them; the newest are kept (`sends` counts every one).
    messageIds: [...(pending?.messageIds ?? []), input.message.id].slice(-MAX_SESSION_MESSAGE_IDS),
    lastSentAt: now,
    expiresAt: now + settings.ttlMinutes * 60_000,
    updatedAt: now,
  };
  if (pending) return { ...pending, ...codeFields, sends: pending.sends + 1 };
  return {
    id: sessionId,
    projectId: caller.project.id,
    keyId: caller.key.id,
    client,
    channel,
    to: recipient.address,
    country: recipient.country,
    ...codeFields,
    status: 'pending',
    attempts: 0,
    maxAttempts: settings.maxAttempts,
    sends: 1,
    verifiedAt: null,
    createdAt: now,
  };
}

/** The message of each volume cap, by what it counts. */
const capText: Record<Exclude<VerifyRefusal['reason'], 'throttled'>, (max: number) => string> = {
  recipient_client: (max) => `At most ${max} codes go to one recipient in 10 minutes at one client's request`,
  recipient: (max) => `At most ${max} codes go to one recipient in 10 minutes`,
  key: (max) => `This key may have at most ${max} codes sent in an hour`,
  country: (max) => `At most ${max} codes go to one country in 24 hours`,
  prefix: (max) => `At most ${max} codes go to one number range in 24 hours`,
};

// One warning per country or number range per minute and process: a pump hammering a throttled
// range must not flood the log.
const lastWarned = new Map<string, number>();
const WARN_EVERY_MS = 60_000;

/**
 * The answer to a refused send: `429 verify_send_limit` for a volume cap, `429 verify_throttled`
 * for the success-rate guard — both with `Retry-After`. Caps on a country or range and the guard
 * log a warning naming the country or range only, never a number.
 */
function refusalError(
  deps: VerifyDeps,
  projectId: string,
  recipient: Recipient,
  refusal: VerifyRefusal,
  now: number,
): AppError {
  const retryAfter = seconds(refusal.retryAt - now);
  if (refusal.reason === 'throttled' || refusal.reason === 'country' || refusal.reason === 'prefix') {
    const area = refusal.reason === 'throttled' ? refusal.area : refusal.reason;
    // The range is the country code and 3 digits: never enough to name anyone.
    const where = area === 'country' ? { country: recipient.country } : { range: `${recipient.prefix}…` };
    const warnKey = `${projectId}:${refusal.reason}:${area === 'country' ? recipient.country : recipient.prefix}`;
    if (deps.logger && now - (lastWarned.get(warnKey) ?? -Infinity) >= WARN_EVERY_MS) {
      lastWarned.set(warnKey, now);
      if (lastWarned.size > 10_000) lastWarned.clear();
      deps.logger.warn(
        refusal.reason === 'throttled'
          ? { projectId, ...where, sent: refusal.sent, verified: refusal.verified, retryAfter }
          : { projectId, ...where, max: refusal.max, retryAfter },
        refusal.reason === 'throttled'
          ? 'Verification throttled: few codes sent there in the last hour were verified (SMS pumping?)'
          : 'Verification daily cap reached',
      );
    }
  }
  if (refusal.reason === 'throttled') {
    const where = refusal.area === 'country' ? 'this country' : 'this number range';
    return new AppError(
      'verify_throttled',
      `Too few codes sent to ${where} in the last hour were verified; new codes go there again in ${retryAfter} s.`,
      {
        retryAfter,
        field: 'to',
      },
    );
  }
  return new AppError('verify_send_limit', `${capText[refusal.reason](refusal.max)}; try again in ${retryAfter} s.`, {
    retryAfter,
    ...(refusal.reason !== 'key' && { field: 'to' }),
  });
}

/** The answer when another start for this recipient got in first and has just sent a code. */
function sentMeanwhile(settings: VerifySettings): AppError {
  return new AppError(
    'resend_cooldown',
    `A code was just sent; wait ${settings.cooldownSeconds} s before asking for another.`,
    {
      retryAfter: Math.max(settings.cooldownSeconds, 1),
    },
  );
}

function throwIfCoolingDown(pending: VerifySession, settings: VerifySettings, now: number): void {
  const readyAt = pending.lastSentAt + settings.cooldownSeconds * 1000;
  if (now < readyAt) {
    const retryAfter = seconds(readyAt - now);
    throw new AppError(
      'resend_cooldown',
      `A code was sent to ${maskAddress(pending.to)} moments ago; you can ask for another in ${retryAfter} s.`,
      { retryAfter },
    );
  }
}

/** The message carrying a code, through the normal outbox, rendered from the project's verify template. */
function verifyMessage(input: {
  caller: KeyPrincipal;
  channel: Channel;
  recipient: Recipient;
  code: string;
  settings: VerifySettings;
  now: number;
}): Message {
  const { caller, channel, recipient, code, settings, now } = input;
  const values = { code, brand: settings.brand ?? caller.project.name, ttl: String(settings.ttlMinutes) };
  const text = fill(settings.body ?? DEFAULT_VERIFY_BODY, values);
  const message = queuedMessage({
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
  // A code goes before any other message, and not at all once its session has expired (issue 16).
  return { ...message, priority: 'high', category: 'otp', expireAt: now + settings.ttlMinutes * 60_000 };
}
