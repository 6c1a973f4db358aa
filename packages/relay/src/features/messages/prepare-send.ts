import {
  templateMessageRequestSchema,
  textMessageRequestSchema,
  type Channel,
  type TemplateCategory,
} from '@messagejs/shared-types';
import type { z } from 'zod';
import type { ConnectorRecord, Message, Project, Store, Template } from '../../store/types.js';
import type { KeyPrincipal } from '../../domain/principal.js';
import { toValidationError } from '../../domain/validation.js';
import { AppError } from '../../domain/app-error.js';
import { renderTemplate, validateParams } from '../templates/templates.js';
import { resolveRecipient, type Recipient } from '../recipients/recipients.js';
import { queuedMessage } from './queued-message.js';
import { checkTargetUrlSyntax } from '../webhooks/callback-url.js';
import {
  checkSenderAndFlash,
  dueTime,
  applyOptions,
  readOptions,
  type MessageOptions,
  type OptionsRequest,
} from './message-options.js';
import type { SendDeps } from './send-message.js';

/*
 * Pipeline steps 5–7 of a send (docs/architecture.md), shared by `POST /v1/messages`
 * (`send-message.ts`) and each item of `POST /v1/messages/bulk` (`bulk-send.ts`): the body
 * validated, the template rendered, the options read, the recipient normalised on a channel the
 * project delivers, and the message that will be stored.
 */

/** A template send's body once it matches the schema. */
type TemplateRequest = z.output<typeof templateMessageRequestSchema>;

/**
 * A send once validated and rendered (pipeline steps 5–6): what the message says, the channels it
 * may take, and what the later steps need to know about it.
 */
export interface Draft {
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

/** What the checks of a send read from the store: per send, or once for a bulk request's items. */
export interface SendLookups {
  template(name: string): Promise<Template | null>;
  connectors(channel: Channel): Promise<ConnectorRecord[]>;
  /** Whether the project has a webhook endpoint (a `callbackUrl` needs one). */
  hasWebhookEndpoint(): Promise<boolean>;
}

/** Lookups straight from the store (its read cache serves the hot ones). */
export function storeLookups(store: Store, projectId: string): SendLookups {
  return new StoreLookups(store, projectId);
}

/** One object per send, its methods shared. */
class StoreLookups implements SendLookups {
  constructor(
    private readonly store: Store,
    private readonly projectId: string,
  ) {}
  template(name: string) {
    return this.store.templates.get(this.projectId, name);
  }
  connectors(channel: Channel) {
    return this.store.connectors.forChannel(this.projectId, channel);
  }
  async hasWebhookEndpoint() {
    return (await this.store.webhooks.listEndpoints(this.projectId)).length > 0;
  }
}

/** A send checked and rendered, its recipient normalised: everything but opt-outs, limits and storage. */
export interface PreparedSend {
  draft: Draft;
  options: MessageOptions;
  recipient: Recipient;
}

/**
 * Pipeline steps 5–7 for one send's body: validated, rendered, its options read and its recipient
 * normalised on a channel the project delivers. Opt-outs are checked by the caller (a bulk request
 * asks for all its recipients at once).
 */
export async function prepareSend(
  deps: Pick<SendDeps, 'now' | 'webhookPolicy'>,
  caller: KeyPrincipal,
  body: object,
  lookups: SendLookups,
): Promise<PreparedSend> {
  let draft: Draft;
  if ('template' in body) {
    const parsed = templateMessageRequestSchema.safeParse(body);
    if (!parsed.success) throw toValidationError(parsed.error);
    draft = templateDraft(caller, parsed.data, await lookups.template(parsed.data.template));
  } else {
    draft = textDraft(caller, body);
  }
  await checkDeliveryOptions(deps, caller, draft, lookups);
  const options = readOptions(caller, draft.options, deps.now(), draft.templateCategory);
  const recipient = await checkRecipient(caller.project, draft.channel, draft.to, options, lookups);
  return { draft, options, recipient };
}

/** The message a prepared send stores, and when it is due. */
export function preparedMessage(
  caller: KeyPrincipal,
  { draft, options, recipient }: PreparedSend,
  now: number,
): { message: Message; dueAt: number } {
  const dueAt = dueTime(options, caller.project, recipient, now);
  return { message: applyOptions(draftMessage(caller, draft, recipient, now), options, dueAt, now), dueAt };
}

/**
 * Step 7: the recipient normalised, on a channel the project delivers (from the sender, and as
 * flash SMS, when the message asks).
 */
async function checkRecipient(
  project: Project,
  channel: Channel,
  to: string,
  options: MessageOptions,
  lookups: SendLookups,
): Promise<Recipient> {
  const recipient = resolveRecipient(channel, to, project);
  const connectors = await lookups.connectors(channel);
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
async function checkDeliveryOptions(
  deps: Pick<SendDeps, 'webhookPolicy'>,
  caller: KeyPrincipal,
  draft: Draft,
  lookups: SendLookups,
): Promise<void> {
  checkFallbackAfter(draft);
  if (draft.callbackUrl !== undefined) await checkCallbackUrl(deps, caller, draft.callbackUrl, lookups);
}

/** `fallbackAfter` only makes sense with a channel to fall back to. */
function checkFallbackAfter({ fallbackAfter, cascade }: Draft): void {
  if (fallbackAfter !== undefined && cascade.length === 0) {
    throw new AppError('validation_failed', '`fallbackAfter` needs `channels` with a channel to fall back to.', {
      field: 'fallbackAfter',
    });
  }
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
async function checkCallbackUrl(
  deps: Pick<SendDeps, 'webhookPolicy'>,
  { key }: KeyPrincipal,
  url: string,
  lookups: SendLookups,
): Promise<void> {
  if (key.kind === 'public') {
    throw new AppError('validation_failed', '`callbackUrl` needs a secret key.', { field: 'callbackUrl' });
  }
  if (deps.webhookPolicy) checkTargetUrlSyntax(url, deps.webhookPolicy, 'callbackUrl');
  if (!(await lookups.hasWebhookEndpoint())) {
    throw new AppError(
      'validation_failed',
      '`callbackUrl` needs a webhook endpoint in the project: its secret signs the callbacks.',
      { field: 'callbackUrl' },
    );
  }
}

function sameOrSubset(requested: Channel[], allowed: Channel[]): boolean {
  return requested.every((c) => allowed.includes(c));
}
