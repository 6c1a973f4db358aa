import type { SendMessageResponse } from '@messagejs/shared-types';
import type { EnqueueInput, Message, OutboxLease, Store } from '../../store/types.js';
import type { KeyPrincipal } from '../../domain/principal.js';
import { AppError } from '../../domain/app-error.js';
import type { Recipient } from '../recipients/recipients.js';
import { enforceLimit, type RateLimitStore } from '../../store/rate-limits.js';
import { idempotencyRecord, replayAnswer, storedAnswer, type Answer } from './idempotent-answer.js';
import type { Dispatch } from './dispatch.js';
import { requireCaptcha, type CaptchaDeps } from '../verify/verify-captcha.js';
import { loadVerifySettings } from '../verify/verify-settings.js';
import type { MessageMetrics } from '../../metrics/relay-metrics.js';
import type { TargetPolicy } from '../webhooks/target-policy.js';
import { prepareSend, preparedMessage, storeLookups, type Draft } from './prepare-send.js';

export interface SendDeps {
  store: Store;
  limits: RateLimitStore;
  now: () => number;
  /** The in-process worker, when the relay runs one. */
  dispatch?: Dispatch;
  /** CAPTCHA checking, for projects that ask it of public-key sends (`captchaOnSends`). */
  captcha?: CaptchaDeps;
  /** Counts each message accepted (stored and answered 202, not a replay), by channel: `routes.ts`. */
  metrics?: Pick<MessageMetrics, 'accepted'>;
  /** Where a message's `callbackUrl` may point. */
  webhookPolicy?: TargetPolicy;
}

export type SendOutcome = Answer<SendMessageResponse>;

/**
 * Pipeline steps 5–9 (docs/architecture.md): validate, render, normalise the recipient, count recipient limits, and store
 * the message with its outbox row (and idempotency record) in one transaction. Nothing is written
 * unless every check passed.
 */
export async function sendMessage(
  deps: SendDeps,
  caller: KeyPrincipal,
  body: unknown,
  idempotency?: { key: string; requestHash: string },
  /** The client IP of a public-key request (`res.locals.clientIp`): fixed-recipient limits count per client. */
  clientIp?: string,
): Promise<SendOutcome> {
  const { store } = deps;
  const { key, project } = caller;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('validation_failed', 'The body must be a JSON object.');
  }
  // A retry is answered with the first answer before anything else runs, so it counts no limit
  // twice and returns the same id even if the template changed since.
  const stored = await storedAnswer<SendMessageResponse>(store, key.id, idempotency);
  if (stored) return stored;

  const { draft, options, recipient } = await prepareSend(deps, caller, body, storeLookups(store, project.id));
  if (await store.optOuts.has(project.id, recipient.address)) throw optedOut();

  // Verify settings are served from the read cache: no database round trip per send, and the
  // full settings are built only for a project that asks a CAPTCHA of sends.
  if (key.kind === 'public' && deps.captcha && (await store.verify.getSettings(project.id)).captchaOnSends === true) {
    const settings = await loadVerifySettings(store, project.id);
    await requireCaptcha(deps.captcha, { projectId: project.id, settings, token: draft.captchaToken });
  }

  const { limits } = deps;
  await enforceLimit(limits, project.limits, 'recipient', recipientLimitKey(caller, recipient, draft, clientIp));
  if (draft.fixedRecipient) {
    await enforceLimit(limits, project.limits, 'template', `${project.id}:${draft.templateName}`);
  } else if (key.kind === 'public' && recipient.prefix) {
    // The number-range limit guards against pumping to numbers a caller picks; a fixed recipient
    // was picked by the operator, and a shared count on its range would let one visitor close the
    // form for all (see `recipientLimitKey`).
    await enforceLimit(limits, project.limits, 'prefix', `${project.id}:${recipient.prefix}`);
  }
  await enforceLimit(limits, project.limits, 'project', project.id);

  const now = deps.now();
  const { message, dueAt } = preparedMessage(caller, { draft, options, recipient }, now);
  const response = acceptedResponse(message, now);
  // A scheduled message waits in the outbox; only a message due now goes to the worker at once.
  const lease = dueAt <= now ? (deps.dispatch?.reserve(now) ?? null) : null;
  let result: Awaited<ReturnType<Store['messages']['enqueue']>>;
  try {
    result = await store.messages.enqueue(
      enqueueInput(message, dueAt, lease, key.id, idempotency, response, draft.templateUse?.id),
    );
  } catch (error) {
    deps.dispatch?.unreserve(lease);
    throw error;
  }
  if (!result.ok) {
    deps.dispatch?.unreserve(lease);
    return replayAnswer(result.existing, idempotency!.requestHash);
  }
  deps.dispatch?.stored(message, lease);
  return { status: 202, body: response, replayed: false };
}

/** `403 recipient_opted_out`. */
export const optedOut = () =>
  new AppError('recipient_opted_out', 'This recipient has opted out of messages from this project.', { field: 'to' });

/** The key of the per-recipient limit (pipeline step 4). */
function recipientLimitKey(
  { key, project }: KeyPrincipal,
  recipient: Recipient,
  draft: Draft,
  clientIp?: string,
): string {
  if (!draft.fixedRecipient) return `${project.id}:${recipient.address}`;
  // A contact form: the recipient is the project's own, so a per-recipient count shared by every
  // visitor would let one visitor close the form for all. Each client gets the per-recipient
  // allowance; all of them together the per-template ceiling — counted only for clients still
  // within their own limit, so one client hammering away cannot use it up.
  const client = key.kind === 'public' ? `ip:${clientIp ?? 'unknown'}` : `key:${key.id}`;
  return `${project.id}:${recipient.address}:${client}`;
}

/** The `202` answer for a stored message. */
function acceptedResponse(message: Message, now: number): SendMessageResponse {
  return {
    id: message.id,
    status: message.status,
    channel: message.channel,
    segments: message.segments,
    encoding: message.encoding,
    createdAt: new Date(now).toISOString(),
    ...(message.scheduledAt !== null && { sendAt: new Date(message.scheduledAt).toISOString() }),
  };
}

/** What the store writes in one transaction: the message, its outbox row (due at `dueAt`) and the idempotency record. */
function enqueueInput(
  message: Message,
  dueAt: number,
  lease: OutboxLease | null,
  keyId: string,
  idempotency: { key: string; requestHash: string } | undefined,
  response: SendMessageResponse,
  templateId: string | undefined,
): EnqueueInput {
  return {
    message,
    dueAt,
    ...(templateId && { templateId }),
    ...(lease && { lease }),
    ...(idempotency && { idempotency: idempotencyRecord(keyId, idempotency, 202, response, message.createdAt) }),
  };
}
