import {
  templateMessageRequestSchema,
  textMessageRequestSchema,
  type Channel,
  type SendMessageResponse,
  type TemplateCategory,
} from '@messagejs/shared-types';
import type { z } from 'zod';
import type { EnqueueInput, Message, OutboxLease, Project, Store, Template } from '../../store/types.js';
import type { KeyPrincipal } from '../../domain/principal.js';
import { toValidationError } from '../../domain/validation.js';
import { AppError } from '../../domain/app-error.js';
import { renderTemplate, validateParams } from '../templates/templates.js';
import { resolveRecipient, type Recipient } from '../recipients/recipients.js';
import { enforceLimit, type RateLimitStore } from '../../store/rate-limits.js';
import { queuedMessage } from './queued-message.js';
import { idempotencyRecord, replayAnswer, storedAnswer, type Answer } from './idempotent-answer.js';
import type { Dispatch } from './dispatch.js';
import { requireCaptcha, type CaptchaDeps } from '../verify/verify-captcha.js';
import { loadVerifySettings } from '../verify/verify-settings.js';
import type { MessageMetrics } from '../../metrics/relay-metrics.js';
import type { TargetPolicy } from '../webhooks/target-policy.js';
import { checkTargetUrlSyntax } from '../webhooks/callback-url.js';
import {
  checkSenderAndFlash,
  dueTime,
  optionFields,
  readOptions,
  type MessageOptions,
  type OptionsRequest,
} from './message-options.js';

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

/** A template send's body once it matches the schema. */
type TemplateRequest = z.output<typeof templateMessageRequestSchema>;

/**
 * A send once validated and rendered (pipeline steps 5–6): what the message says, the channels it
 * may take, and what the later steps need to know about it.
 */
interface Draft {
  channel: Channel;
  /** The channels to fall back to, in order. */
  cascade: Channel[];
  /** The recipient as given (or the template's own), before normalisation. */
  to: string;
  text: string;
  subject: string | null;
  html: string | null;
  /** The template's name; `null` for free text. */
  templateName: string | null;
  /** The template's id and version, whose use the message counts and records. */
  templateUse: { id: string; version: number } | null;
  /** The template names its own recipient (a contact form). */
  fixedRecipient: boolean;
  /** Seconds before falling back to the next channel, when the caller asked for it. */
  fallbackAfter: number | undefined;
  captchaToken: string | undefined;
  /** Where the message's status events are posted too (secret keys only). */
  callbackUrl: string | undefined;
  /** The options the caller asked (issue 16), checked by `readOptions`. */
  options: OptionsRequest;
  /** The template's category, which a message takes unless the caller names one. */
  templateCategory: TemplateCategory | null;
}

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

  let draft: Draft;
  if ('template' in body) {
    const parsed = templateMessageRequestSchema.safeParse(body);
    if (!parsed.success) throw toValidationError(parsed.error);
    draft = templateDraft(caller, parsed.data, await store.templates.get(project.id, parsed.data.template));
  } else {
    draft = textDraft(caller, body);
  }
  await checkDeliveryOptions(deps, caller, draft);
  const options = readOptions(caller, draft.options, deps.now(), draft.templateCategory);

  const recipient = await checkRecipient(store, project, draft.channel, draft.to, options);

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
  const dueAt = dueTime(options, project, recipient, now);
  const message = { ...draftMessage(caller, draft, recipient, now), ...optionFields(options, dueAt, now) };
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

/**
 * Step 7: the recipient normalised, not opted out, on a channel the project delivers (from the
 * sender, and as flash SMS, when the message asks).
 */
export async function checkRecipient(
  store: Store,
  project: Project,
  channel: Channel,
  to: string,
  options: MessageOptions,
): Promise<Recipient> {
  const recipient = resolveRecipient(channel, to, project);
  if (await store.optOuts.has(project.id, recipient.address)) {
    throw new AppError('recipient_opted_out', 'This recipient has opted out of messages from this project.', {
      field: 'to',
    });
  }
  const connectors = await store.connectors.forChannel(project.id, channel);
  if (connectors.length === 0) {
    throw new AppError('channel_not_configured', `No connector in this project delivers the \`${channel}\` channel.`, {
      field: 'channel',
    });
  }
  if (options.sender !== null || options.flash) checkSenderAndFlash(options, channel, recipient, connectors);
  return recipient;
}

/**
 * Steps 5–6 for a template send: the template (`null` when the project has none of that name),
 * its recipient or the caller's, the channels a public key may use, and the rendered text.
 */
function templateDraft({ key, project }: KeyPrincipal, req: TemplateRequest, template: Template | null): Draft {
  if (!template)
    throw new AppError('template_not_found', `No template \`${req.template}\` in this project.`, {
      field: 'template',
    });
  if (!template.active)
    throw new AppError('template_inactive', `Template \`${template.name}\` is switched off in this project.`, {
      field: 'template',
    });
  let to: string;
  if (template.recipient.mode === 'fixed') {
    if (req.to !== undefined)
      throw new AppError(
        'validation_failed',
        `Template \`${template.name}\` has a fixed recipient; do not pass \`to\`.`,
        {
          field: 'to',
        },
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
  const [channel, ...cascade] = requested as [Channel, ...Channel[]];
  const { text, subject, html } = renderTemplate(template, validateParams(template, req.params));
  return {
    channel,
    cascade,
    to,
    text,
    subject,
    html,
    templateName: template.name,
    templateUse: { id: template.id, version: template.version },
    fixedRecipient: template.recipient.mode === 'fixed',
    fallbackAfter: req.fallbackAfter,
    captchaToken: req.captchaToken,
    callbackUrl: req.callbackUrl,
    options: req,
    templateCategory: template.category,
  };
}

/** Steps 5–6 for free text, which only a secret key may send: the body checked against its schema. */
function textDraft({ key, project }: KeyPrincipal, body: object): Draft {
  if (key.kind === 'public') {
    throw new AppError(
      'template_required',
      'A public key may only send templates: pass `template` and `params`, or send free text from a server with a secret key.',
      { field: 'template' },
    );
  }
  const parsed = textMessageRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const req = parsed.data;
  if (req.channels && req.channels[0] !== req.channel) {
    throw new AppError('validation_failed', '`channels` must start with `channel`.', { field: 'channels' });
  }
  const requested = req.channels ?? [req.channel, ...(project.fallbacks[req.channel] ?? [])];
  const [channel, ...cascade] = requested as [Channel, ...Channel[]];
  return {
    channel,
    cascade,
    to: req.to,
    text: req.text,
    subject: req.subject ?? null,
    html: null,
    templateName: null,
    templateUse: null,
    fixedRecipient: false,
    fallbackAfter: req.fallbackAfter,
    captchaToken: undefined,
    callbackUrl: req.callbackUrl,
    options: req,
    templateCategory: null,
  };
}

/** `fallbackAfter` and `callbackUrl`, which only some sends may carry. */
async function checkDeliveryOptions(deps: SendDeps, caller: KeyPrincipal, draft: Draft): Promise<void> {
  checkFallbackAfter(draft);
  if (draft.callbackUrl !== undefined) await checkCallbackUrl(deps, caller, draft.callbackUrl);
}

/** `fallbackAfter` only makes sense with a channel to fall back to. */
function checkFallbackAfter({ fallbackAfter, cascade }: Draft): void {
  if (fallbackAfter !== undefined && cascade.length === 0) {
    throw new AppError('validation_failed', '`fallbackAfter` needs `channels` with a channel to fall back to.', {
      field: 'fallbackAfter',
    });
  }
}

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

/** The message to store for `draft` (pipeline step 8). */
function draftMessage(caller: KeyPrincipal, draft: Draft, recipient: Recipient, now: number): Message {
  return queuedMessage({
    caller,
    channel: draft.channel,
    recipient,
    template: draft.templateName,
    templateVersion: draft.templateUse?.version ?? null,
    subject: draft.subject,
    body: draft.text,
    html: draft.html,
    cascade: draft.cascade,
    fallbackAfterMs: draft.fallbackAfter === undefined ? null : draft.fallbackAfter * 1000,
    now,
    callbackUrl: draft.callbackUrl ?? null,
  });
}

/**
 * A message's `callbackUrl`: secret keys only (a page's public key must not point the relay at
 * anything), a URL the webhook policy takes as written (its address is checked again on each
 * delivery: a name may resolve elsewhere later), and a project with a webhook endpoint, whose
 * secret signs the callbacks.
 */
async function checkCallbackUrl(deps: SendDeps, { key, project }: KeyPrincipal, url: string): Promise<void> {
  if (key.kind === 'public') {
    throw new AppError('validation_failed', '`callbackUrl` needs a secret key.', { field: 'callbackUrl' });
  }
  if (deps.webhookPolicy) checkTargetUrlSyntax(url, deps.webhookPolicy, 'callbackUrl');
  if ((await deps.store.webhooks.listEndpoints(project.id)).length === 0) {
    throw new AppError(
      'validation_failed',
      '`callbackUrl` needs a webhook endpoint in the project: its secret signs the callbacks.',
      { field: 'callbackUrl' },
    );
  }
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

function sameOrSubset(requested: Channel[], allowed: Channel[]): boolean {
  return requested.every((c) => allowed.includes(c));
}
