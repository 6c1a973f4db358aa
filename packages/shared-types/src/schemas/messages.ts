import { z } from 'zod';
import { channels, messageCategories, messagePriorities, messageStatuses } from '../enums.js';

/** A delivery channel. */
export const channelSchema = z.enum(channels).describe('A delivery channel.');

/** A message status. */
export const messageStatusSchema = z.enum(messageStatuses).describe('A message status.');

const paramValue = z.union([z.string().max(10_000), z.number().finite()]);

/** Template params: a flat map of strings and numbers (at most 50, names up to 64 characters). */
export const paramsSchema = z
  .record(z.string().max(64), paramValue)
  .refine((p) => Object.keys(p).length <= 50, 'at most 50 params')
  .describe('Template params: a flat map of strings and numbers.');

/** A channel order for cascading (`["whatsapp", "sms"]`). */
export const cascadeSchema = z
  .array(channelSchema)
  .min(1)
  .max(5)
  .describe('A channel order for cascading: the first channel, then the ones to fall back to.');

/** Seconds a channel has to report delivery before the next channel of `channels` is tried. */
export const fallbackAfterSchema = z
  .number()
  .int()
  .min(1)
  .max(7 * 24 * 3600)
  .describe('Seconds a channel has to report delivery before the next channel of `channels` is tried.');

/** Where this message's status events are posted too (secret keys only), signed like the project's webhooks. */
export const callbackUrlSchema = z
  .string()
  .min(1)
  .max(2048)
  .describe(
    'Secret keys only: an `https` URL that receives this message’s status events too, signed with the secret of the project’s first webhook endpoint.',
  );

/** A solved CAPTCHA. Provider tokens run to a few KB (Turnstile caps them at 2048 characters). */
export const captchaTokenSchema = z.string().min(1).max(8192).describe('A solved CAPTCHA token.');

/** The UTF-8 size of `text` in bytes (no `Buffer` or `TextEncoder`: this package runs anywhere). */
export function utf8Length(text: string): number {
  let n = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

const metadataValue = z.union([z.string().max(1000), z.number().finite(), z.boolean(), z.null()]);

/** The caller's data on a message: at most 16 keys, 4 KB as JSON; returned on GET and in events. */
export const metadataSchema = z
  .record(z.string().min(1).max(64), metadataValue)
  .refine((m) => Object.keys(m).length <= 16, 'at most 16 keys')
  .refine((m) => utf8Length(JSON.stringify(m)) <= 4096, 'at most 4 KB as JSON')
  .describe('Your own data on the message (at most 16 keys of strings, numbers, booleans or null; 4 KB as JSON).');

/**
 * What a send may ask besides its content (issue 16). `sendAt`, `priority`, `category`, `from` and
 * `flash` need a secret key; `expireAt`/`validFor`, `reference` and `metadata` are open to public keys.
 */
export const messageOptionsShape = {
  /** Send later (ISO 8601 with a zone, up to a year ahead): the message is `scheduled` until then. */
  sendAt: z.iso
    .datetime({ offset: true })
    .describe('Send at this time (ISO 8601 with a zone, up to a year ahead); the message is `scheduled` until then.')
    .optional(),
  /** Not sent after this time: the message becomes `expired`. */
  expireAt: z.iso
    .datetime({ offset: true })
    .describe('Not sent after this time (ISO 8601 with a zone): the message becomes `expired`.')
    .optional(),
  /** Seconds the message stays sendable, counted from `sendAt` (or now); instead of `expireAt`. */
  validFor: z
    .number()
    .int()
    .min(1)
    .max(366 * 24 * 3600)
    .describe('Seconds the message stays sendable, from `sendAt` or now (instead of `expireAt`).')
    .optional(),
  /** `high` (OTP, alerts) is claimed before `normal` and `low`. */
  priority: z
    .enum(messagePriorities)
    .describe(
      '`high` is sent before `normal` and `low` (default: `high` for `otp` and `alert`, `low` for `marketing`).',
    )
    .optional(),
  /** What the message is for: `marketing` waits out the project's quiet hours. */
  category: z
    .enum(messageCategories)
    .describe('What the message is for; `marketing` waits out the project’s quiet hours in the recipient’s time zone.')
    .optional(),
  metadata: metadataSchema.optional(),
  /** Your own id for the message, filterable in the history (`?reference=`). */
  reference: z
    .string()
    .min(1)
    .max(128)
    .describe('Your own id for the message (filter the history with `?reference=`).')
    .optional(),
  /** A sender id or number among those the channel's connectors allow. */
  from: z
    .string()
    .min(1)
    .max(32)
    .describe('A sender (number, short code or alphanumeric id) among those the channel’s connectors allow.')
    .optional(),
  /** A class 0 SMS (shown at once, not stored), where the connector supports it. */
  flash: z.boolean().describe('A class 0 SMS, shown at once and not stored, on connectors that support it.').optional(),
};

/** A message's options as `GET /v1/messages/:id` and the history show them (issue 16). */
export const messageOptionsViewShape = {
  /** When a scheduled message is (or was) due: its `sendAt`, or the end of the quiet hours it waited out. */
  sendAt: z.iso.datetime().nullable(),
  /** Not sent after this time. */
  expireAt: z.iso.datetime().nullable(),
  priority: z.enum(messagePriorities),
  category: z.enum(messageCategories).nullable(),
  reference: z.string().nullable(),
  metadata: z.record(z.string(), metadataValue).nullable(),
  /** The sender the caller chose (`from`); null: the connector's own. */
  from: z.string().nullable(),
  flash: z.boolean(),
};

/** `POST /v1/messages` with a template (public or secret key). */
export const templateMessageRequestSchema = z
  .strictObject({
    /** The template's name. */
    template: z.string().min(1).max(100),
    /** The recipient, when the template lets the caller choose it. */
    to: z.string().min(1).max(320).optional(),
    /** Values for the template's declared params. */
    params: paramsSchema.optional(),
    /** Optional channel order for cascading (`["whatsapp", "sms"]`). */
    channels: cascadeSchema.optional(),
    /** Seconds a channel has to report delivery before the next channel of `channels` is tried. */
    fallbackAfter: fallbackAfterSchema.optional(),
    /** A solved CAPTCHA, when the project asks public keys for one on sends (the client solves the relay's own proof of work by itself). */
    captchaToken: captchaTokenSchema.optional(),
    /** Secret keys only: where this message's status events are posted too. */
    callbackUrl: callbackUrlSchema.optional(),
    ...messageOptionsShape,
  })
  .describe('`POST /v1/messages` with a template (public or secret key).');

/** `POST /v1/messages` with free text (secret key only). */
export const textMessageRequestSchema = z
  .strictObject({
    /** The recipient: an E.164 number, a chat id or an email address, as the channel wants. */
    to: z.string().min(1).max(320),
    /** The message text. */
    text: z.string().min(1).max(10_000),
    /** The channel to send on (the first of `channels`, when given). */
    channel: channelSchema,
    /** Email subject, for the email channel. */
    subject: z.string().min(1).max(500).optional(),
    /** Optional channel order for cascading; starts with `channel`. */
    channels: cascadeSchema.optional(),
    /** Seconds a channel has to report delivery before the next channel of `channels` is tried. */
    fallbackAfter: fallbackAfterSchema.optional(),
    /** Where this message's status events are posted too. */
    callbackUrl: callbackUrlSchema.optional(),
    ...messageOptionsShape,
  })
  .describe('`POST /v1/messages` with free text (secret key only).');

/** `POST /v1/messages`: a template message, or a free-text one. */
export const sendMessageRequestSchema = z
  .union([templateMessageRequestSchema, textMessageRequestSchema])
  .describe('`POST /v1/messages`: a template message (with `template`) or free text.');

const encodingSchema = z.enum(['GSM-7', 'UCS-2']).nullable();

/** `202` answer of `POST /v1/messages`. */
export const sendMessageResponseSchema = z
  .object({
    id: z.string(),
    status: messageStatusSchema,
    channel: channelSchema,
    segments: z.number().int().nullable(),
    encoding: encodingSchema.optional(),
    createdAt: z.iso.datetime(),
    /** When a `scheduled` message will be sent (its `sendAt`, or the end of the quiet hours). */
    sendAt: z.iso.datetime().optional(),
  })
  .describe('`202` answer of `POST /v1/messages`.');

/** One delivery attempt of a message (one channel through one connector). */
export const messageAttemptSchema = z
  .object({
    channel: channelSchema,
    connector: z.string(),
    providerMessageId: z.string().nullable(),
    status: messageStatusSchema,
    errorCode: z.string().nullable(),
    at: z.iso.datetime(),
  })
  .describe('One delivery attempt of a message (one channel through one connector).');

/**
 * What happened to a message, in the order it happened: `accepted`; each `attempt` (one channel
 * through one connector); each provider status `callback`, `applied` or ignored (it would have
 * moved the status backwards or nowhere: callbacks arrive out of order); a `retry` of the same
 * connector after a transient failure; a `failover` to the channel's next connector; a `fallback`
 * to the next channel the message names; and `failed` when the relay gave up.
 */
export const messageEventTypes = [
  'accepted',
  'attempt',
  'callback',
  'retry',
  'failover',
  'fallback',
  'failed',
] as const;

/** One step of a message's timeline (`GET /v1/messages/:id` for secret keys and members). */
export const messageEventSchema = z
  .object({
    type: z.enum(messageEventTypes),
    /** When it happened; for a callback, when the relay received it. */
    at: z.iso.datetime(),
    /** The channel it happened on; for a fallback, the channel left. */
    channel: channelSchema.nullable(),
    /** The connector's type (`twilio`), when a connector was involved. */
    connector: z.string().nullable(),
    connectorId: z.string().nullable(),
    /** The status it set or reported (`accepted`: queued or scheduled; `attempt`: what the provider answered). */
    status: messageStatusSchema.nullable(),
    /** The relay's code for a failure, or the provider's own (an attempt, a callback). */
    errorCode: z.string().nullable(),
    /** `attempt`, `callback`: the provider's id of the message. */
    providerMessageId: z.string().nullable().optional(),
    /** `callback`: the status in the provider's own words (Twilio `queued` is the relay's `sent`). */
    providerStatus: z.string().nullable().optional(),
    /** `callback`: when the provider says the status happened, if it says. */
    reportedAt: z.iso.datetime().optional(),
    /** `callback`: false when it was ignored, arriving after a status as far or further along. */
    applied: z.boolean().optional(),
    /** `fallback`: the channel tried next. */
    to: channelSchema.optional(),
    /** `failover`: the connector tried next. */
    toConnectorId: z.string().optional(),
    /** `retry`: when the same connector is tried again. */
    retryAt: z.iso.datetime().optional(),
    /** `retry`, `failover`, `fallback`, `failed`: the provider's code beside the relay's `errorCode`. */
    providerCode: z.string().nullable().optional(),
    /** The provider's words for the failure; masked like `errorMessage` for callers who read masked numbers. */
    errorMessage: z.string().nullable().optional(),
  })
  .describe(
    'One step of a message’s timeline: accepted, an attempt, a provider callback, a retry, failover, fallback or failure.',
  );

/**
 * `GET /v1/messages/:id`. The recipient, and numbers and addresses in `errorMessage`, are masked
 * for public keys and for members who read masked numbers (managers, senders, viewers).
 */
export const messageResponseSchema = z
  .object({
    id: z.string(),
    status: messageStatusSchema,
    channel: channelSchema,
    to: z.string(),
    template: z.string().nullable(),
    /** The version of `template` the message was rendered from (null for free text and messages older than versions). */
    templateVersion: z.number().int().nullable().optional(),
    segments: z.number().int().nullable(),
    encoding: encodingSchema.optional(),
    /** Estimated cost from the project's price table (per SMS segment, or per message), when priced. */
    cost: z.object({ eur: z.number(), mad: z.number() }).nullable().optional(),
    providerMessageId: z.string().nullable(),
    errorCode: z.string().nullable(),
    /** The provider's words for the last failure; public keys read it with phone numbers and email addresses masked. */
    errorMessage: z.string().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    sentAt: z.iso.datetime().nullable(),
    deliveredAt: z.iso.datetime().nullable(),
    ...messageOptionsViewShape,
    attempts: z.array(messageAttemptSchema).optional(),
    /** The message's timeline, oldest first: secret keys and members only (not public keys). */
    events: z.array(messageEventSchema).optional(),
  })
  .describe('`GET /v1/messages/:id`: a message and its current status.');

/** Template params are a flat map of strings and numbers. */
export type Params = z.input<typeof paramsSchema>;
/** `POST /v1/messages` with a template (public or secret key). */
export type TemplateMessageRequest = z.input<typeof templateMessageRequestSchema>;
/** `POST /v1/messages` with free text (secret key only). */
export type TextMessageRequest = z.input<typeof textMessageRequestSchema>;
/** `POST /v1/messages`: a template message, or a free-text one. */
export type SendMessageRequest = TemplateMessageRequest | TextMessageRequest;
/** `202` answer of `POST /v1/messages`. */
export type SendMessageResponse = z.output<typeof sendMessageResponseSchema>;
/** One delivery attempt of a message (one channel through one connector). */
export type MessageAttempt = z.output<typeof messageAttemptSchema>;
/** One step of a message's timeline. */
export type MessageEvent = z.output<typeof messageEventSchema>;
/** The kinds of step of a message's timeline. */
export type MessageEventType = (typeof messageEventTypes)[number];
/** `GET /v1/messages/:id`. The recipient, and numbers and addresses in `errorMessage`, are masked for public keys and members who read masked numbers. */
export type MessageResponse = z.output<typeof messageResponseSchema>;
