import { z } from 'zod';
import { channels, messageStatuses } from '../enums.js';

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

/** A solved CAPTCHA. Provider tokens run to a few KB (Turnstile caps them at 2048 characters). */
export const captchaTokenSchema = z.string().min(1).max(8192).describe('A solved CAPTCHA token.');

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

/** `GET /v1/messages/:id`. The recipient, and numbers and addresses in `errorMessage`, are masked for public keys. */
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
    attempts: z.array(messageAttemptSchema).optional(),
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
/** `GET /v1/messages/:id`. The recipient, and numbers and addresses in `errorMessage`, are masked for public keys. */
export type MessageResponse = z.output<typeof messageResponseSchema>;
