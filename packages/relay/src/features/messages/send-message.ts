import {
  templateMessageRequestSchema,
  textMessageRequestSchema,
  type Channel,
  type SendMessageResponse,
} from '@messagejs/shared-types';
import type { Store } from '../../store/types.js';
import type { KeyPrincipal } from '../../domain/principal.js';
import { toValidationError } from '../../domain/validation.js';
import { AppError } from '../../domain/app-error.js';
import { renderTemplate, validateParams } from '../templates/templates.js';
import { resolveRecipient } from '../recipients/recipients.js';
import { enforceLimit, type RateLimitStore } from '../../store/rate-limits.js';
import { queuedMessage } from './queued-message.js';
import { replayAnswer, storedAnswer, type Answer } from './idempotent-answer.js';
import type { Dispatch } from './dispatch.js';
import { requireCaptcha, type CaptchaDeps } from '../verify/verify-captcha.js';
import { loadVerifySettings } from '../verify/verify-settings.js';

export interface SendDeps {
  store: Store;
  limits: RateLimitStore;
  now: () => number;
  /** The in-process worker, when the relay runs one. */
  dispatch?: Dispatch;
  /** CAPTCHA checking, for projects that ask it of public-key sends (`captchaOnSends`). */
  captcha?: CaptchaDeps;
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
  const isTemplate = 'template' in body;
  if (!isTemplate && key.kind === 'public') {
    throw new AppError(
      'template_required',
      'A public key may only send templates: pass `template` and `params`, or send free text from a server with a secret key.',
      { field: 'template' },
    );
  }

  let channel: Channel;
  let to: string;
  let text: string;
  let subject: string | null;
  let html: string | null = null;
  let templateName: string | null = null;
  let fixedRecipient = false;
  let cascade: Channel[];
  let fallbackAfter: number | undefined;
  let captchaToken: string | undefined;

  if (isTemplate) {
    const parsed = templateMessageRequestSchema.safeParse(body);
    if (!parsed.success) throw toValidationError(parsed.error);
    const req = parsed.data;
    const template = await store.templates.get(project.id, req.template);
    if (!template)
      throw new AppError('template_not_found', `No template \`${req.template}\` in this project.`, {
        field: 'template',
      });
    if (template.recipient.mode === 'fixed') {
      fixedRecipient = true;
      if (req.to !== undefined)
        throw new AppError(
          'validation_failed',
          `Template \`${template.name}\` has a fixed recipient; do not pass \`to\`.`,
          { field: 'to' },
        );
      to = template.recipient.to;
    } else {
      if (req.to === undefined)
        throw new AppError('validation_failed', '`to` is required for this template.', { field: 'to' });
      to = req.to;
    }
    const requested = req.channels ??
      template.channels ?? [template.channel, ...(project.fallbacks[template.channel] ?? [])];
    if (key.kind === 'public' && req.channels && !sameOrSubset(req.channels, template.channels ?? [template.channel])) {
      throw new AppError('validation_failed', 'A public key may only use the channels its template names.', {
        field: 'channels',
      });
    }
    [channel, ...cascade] = requested as [Channel, ...Channel[]];
    fallbackAfter = req.fallbackAfter;
    captchaToken = req.captchaToken;
    const values = validateParams(template, req.params);
    ({ text, subject, html } = renderTemplate(template, values));
    templateName = template.name;
  } else {
    const parsed = textMessageRequestSchema.safeParse(body);
    if (!parsed.success) throw toValidationError(parsed.error);
    const req = parsed.data;
    to = req.to;
    text = req.text;
    subject = req.subject ?? null;
    if (req.channels && req.channels[0] !== req.channel) {
      throw new AppError('validation_failed', '`channels` must start with `channel`.', { field: 'channels' });
    }
    const requested = req.channels ?? [req.channel, ...(project.fallbacks[req.channel] ?? [])];
    [channel, ...cascade] = requested as [Channel, ...Channel[]];
    fallbackAfter = req.fallbackAfter;
  }
  if (fallbackAfter !== undefined && cascade.length === 0) {
    throw new AppError('validation_failed', '`fallbackAfter` needs `channels` with a channel to fall back to.', {
      field: 'fallbackAfter',
    });
  }

  const recipient = resolveRecipient(channel, to, project);
  if (await store.optOuts.has(project.id, recipient.address)) {
    throw new AppError('recipient_opted_out', 'This recipient has opted out of messages from this project.', {
      field: 'to',
    });
  }
  if ((await store.connectors.forChannel(project.id, channel)).length === 0) {
    throw new AppError('channel_not_configured', `No connector in this project delivers the \`${channel}\` channel.`, {
      field: 'channel',
    });
  }

  // Verify settings are served from the read cache: no database round trip per send, and the
  // full settings are built only for a project that asks a CAPTCHA of sends.
  if (key.kind === 'public' && deps.captcha && (await store.verify.getSettings(project.id)).captchaOnSends === true) {
    const settings = await loadVerifySettings(store, project.id);
    await requireCaptcha(deps.captcha, { projectId: project.id, settings, token: captchaToken });
  }

  if (fixedRecipient) {
    // A contact form: the recipient is the project's own, so a per-recipient count shared by every
    // visitor would let one visitor close the form for all. Each client gets the per-recipient
    // allowance; all of them together the per-template ceiling — counted only for clients still
    // within their own limit, so one client hammering away cannot use it up.
    const client = key.kind === 'public' ? `ip:${clientIp ?? 'unknown'}` : `key:${key.id}`;
    await enforceLimit(deps.limits, project.limits, 'recipient', `${project.id}:${recipient.address}:${client}`);
    await enforceLimit(deps.limits, project.limits, 'template', `${project.id}:${templateName}`);
  } else {
    await enforceLimit(deps.limits, project.limits, 'recipient', `${project.id}:${recipient.address}`);
    // The number-range limit guards against pumping to numbers a caller picks; a fixed recipient
    // was picked by the operator, and a shared count on its range would reopen the hole above.
    if (key.kind === 'public' && recipient.prefix)
      await enforceLimit(deps.limits, project.limits, 'prefix', `${project.id}:${recipient.prefix}`);
  }
  await enforceLimit(deps.limits, project.limits, 'project', project.id);

  const now = deps.now();
  const message = queuedMessage({
    caller,
    channel,
    recipient,
    template: templateName,
    subject,
    body: text,
    html,
    cascade,
    fallbackAfterMs: fallbackAfter === undefined ? null : fallbackAfter * 1000,
    now,
  });
  const response: SendMessageResponse = {
    id: message.id,
    status: 'queued',
    channel,
    segments: message.segments,
    encoding: message.encoding,
    createdAt: new Date(now).toISOString(),
  };
  const lease = deps.dispatch?.reserve(now) ?? null;
  let result: Awaited<ReturnType<Store['messages']['enqueue']>>;
  try {
    result = await store.messages.enqueue({
      message,
      dueAt: now,
      ...(lease && { lease }),
      ...(idempotency && {
        idempotency: {
          keyId: key.id,
          idempotencyKey: idempotency.key,
          requestHash: idempotency.requestHash,
          statusCode: 202,
          response,
          createdAt: now,
        },
      }),
    });
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

function sameOrSubset(requested: Channel[], allowed: Channel[]): boolean {
  return requested.every((c) => allowed.includes(c));
}
