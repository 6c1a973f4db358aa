import { z } from 'zod';
import { filterShape, messageSummarySchema } from './history.js';
import { channelSchema } from './messages.js';
import { pageQueryShape, pageSchema } from './page.js';

/**
 * Messages in (issue 15): what recipients send to a project's numbers and bots, the keywords the
 * relay acts on, auto-replies, and the phone mappings that say which of the developer's users wrote.
 */

/** The opt-out keywords the relay acts on: opt out, opt back in, ask for help. */
export const inboundKeywordKinds = ['stop', 'start', 'help'] as const;
export type InboundKeywordKind = (typeof inboundKeywordKinds)[number];

/** How an auto-reply rule matches a message: its whole text equal to a keyword, or a regular expression found in it. */
export const inboundRuleKinds = ['keyword', 'regex'] as const;

/** How a phone mapping was verified: the relay's verify flow approved the number, or a person said so. */
export const phoneVerificationMethods = ['verify', 'manual'] as const;

/** Text without control characters (U+0000 cannot even be stored on PostgreSQL). */
const plain = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    .regex(/^[^\u0000-\u001F\u007F]*$/, 'no control characters');

/** `until` after `since`, when both are given. */
function checkWindow(q: { since?: string | undefined; until?: string | undefined }, ctx: z.RefinementCtx) {
  if (q.since !== undefined && q.until !== undefined && Date.parse(q.until) <= Date.parse(q.since)) {
    ctx.addIssue({ code: 'custom', path: ['until'], message: 'must be after since' });
  }
}

/** An attachment of an inbound message. */
export const inboundMediaSchema = z
  .object({
    /** Where to download it; null when the provider gives only an id (WhatsApp media id, Telegram file_id). */
    url: z.string().nullable(),
    contentType: z.string().nullable(),
    /** The provider's id for it, when it has one. */
    providerMediaId: z.string().nullable(),
  })
  .describe(
    'An attachment of an inbound message (the provider’s link or id; Twilio and WhatsApp links need the connector’s credentials).',
  );

/** One inbound message as the API shows it, and as `inbound.received` carries it. */
export const inboundMessageSchema = z
  .object({
    id: z.string(),
    projectId: z.string(),
    direction: z.literal('inbound'),
    /** The connector whose hook URL it came through (`con_…`). */
    connectorId: z.string(),
    channel: channelSchema,
    /** The sender: E.164 for SMS and WhatsApp, the chat id for Telegram. */
    from: z.string(),
    /** The project's number or bot it was sent to ('' when the provider does not say). */
    to: z.string(),
    text: z.string(),
    media: z.array(inboundMediaSchema),
    /** The sender's display name, when the provider gives one. */
    senderName: z.string().nullable(),
    /** The developer's own user id, from a phone mapping of the sender's number; null when unrouted. */
    userId: z.string().nullable(),
    /** The opt-out keyword it was (`stop`, `start`, `help`), or null. */
    keyword: z.enum(inboundKeywordKinds).nullable(),
    /** What the relay answered (a keyword reply or an auto-reply rule's), or null. */
    autoReply: z.string().nullable(),
    /** The outbound message that carried the answer (`msg_…`); null when none, or when it went back in the webhook's answer (Twilio TwiML). */
    replyMessageId: z.string().nullable(),
    providerMessageId: z.string(),
    receivedAt: z.iso.datetime(),
    /** When the provider says it was sent, if it says. */
    sentAt: z.iso.datetime().nullable(),
    /** Milliseconds from receipt to stored. */
    processingMs: z.number().int(),
  })
  .describe('A message a recipient sent to one of the project’s numbers or bots.');

/**
 * `GET /v1/messages`: the newest messages first, sent ones (`direction` `outbound`, the default)
 * or, with `direction=inbound`, received ones (as `GET /v1/inbound` shows them).
 */
export const messageHistoryResponseSchema = pageSchema(z.union([messageSummarySchema, inboundMessageSchema])).describe(
  '`GET /v1/messages`: the newest messages first (received ones with `direction=inbound`).',
);

/** `GET /v1/inbound`: the filters and the page. */
export const inboundListQuerySchema = z
  .strictObject({
    ...pageQueryShape,
    projectId: filterShape.projectId,
    from: plain(320).optional().describe('The sender, exactly as stored (E.164 for SMS and WhatsApp, a chat id).'),
    to: plain(320).optional().describe('The project’s number or bot it was sent to.'),
    channel: channelSchema.optional(),
    connectorId: plain(100).optional().describe('The connector it came through (`con_…`).'),
    userId: plain(128).optional().describe('The developer’s user id a phone mapping routed it to.'),
    keyword: z.enum(inboundKeywordKinds).optional(),
    since: z.iso.datetime({ offset: true }).optional().describe('Received at or after (ISO 8601).'),
    until: z.iso.datetime({ offset: true }).optional().describe('Received before (ISO 8601).'),
  })
  .superRefine(checkWindow)
  .describe('Filters of the inbound messages.');

export const inboundListResponseSchema = pageSchema(inboundMessageSchema).describe(
  '`GET /v1/inbound`: the newest inbound messages first.',
);

/** `GET /v1/inbound/conversations/:address`: a page of one conversation, both directions. */
export const conversationQuerySchema = z
  .strictObject({ ...pageQueryShape, projectId: filterShape.projectId })
  .describe('A page of a conversation: `?limit=&cursor=` (and `projectId` for members).');

export const conversationResponseSchema = z
  .object({
    /** The counterpart's address, as messages to and from it are stored. */
    address: z.string(),
    /** Newest first: inbound messages from the address and outbound messages to it, by time. */
    data: z.array(z.union([inboundMessageSchema, messageSummarySchema])),
    nextCursor: z.string().nullable(),
  })
  .describe('A conversation with one address: what it sent and what the project sent it, newest first.');

/** A phone mapping: a number of the project's users, and the user it belongs to. */
export const phoneMappingSchema = z
  .object({
    projectId: z.string(),
    phone: z.string(),
    userId: z.string(),
    /** The user's primary number: inbound from a number several users share goes to the user whose primary it is. */
    isPrimary: z.boolean(),
    verified: z.boolean(),
    verificationMethod: z.enum(phoneVerificationMethods).nullable(),
    verifiedAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .describe('A number of one of the developer’s users: inbound from it names that user.');

/** `POST /v1/projects/:projectId/phone-mappings`. */
export const createPhoneMappingRequestSchema = z
  .strictObject({
    /** The number, E.164 (`+212612345678`), or national with the project's default country. */
    phone: plain(32),
    /** The developer's own id for the user (their database's, not the relay's). */
    userId: plain(128),
    isPrimary: z.boolean().default(false),
    /**
     * Mark it verified: `verify` when the number completed a verification in this project (a
     * session approved for it, else `422 phone_not_verified`), `manual` on a person's word.
     */
    verification: z.enum(phoneVerificationMethods).optional(),
  })
  .describe('`POST …/phone-mappings`: map a number to one of the developer’s users.');

/** `PATCH /v1/projects/:projectId/phone-mappings/:phone/:userId`. */
export const updatePhoneMappingRequestSchema = z
  .strictObject({
    isPrimary: z.boolean().optional(),
    /** `verify` or `manual` marks it verified (as when it is created); null marks it unverified. */
    verification: z.enum(phoneVerificationMethods).nullable().optional(),
  })
  .describe('`PATCH …/phone-mappings/:phone/:userId`: make it primary, or mark it verified or not.');

/** `GET /v1/projects/:projectId/phone-mappings`. */
export const phoneMappingsQuerySchema = z
  .strictObject({
    ...pageQueryShape,
    phone: plain(32).optional().describe('One number (E.164).'),
    userId: plain(128).optional().describe('One user’s numbers.'),
  })
  .describe('Filters of the phone mappings.');

export const phoneMappingListSchema = pageSchema(phoneMappingSchema).describe(
  'A project’s phone mappings, by number then user id.',
);

/** A keyword: letters and digits, compared without case or accents (`arrêt` is `ARRET`). */
const keywordSchema = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[\p{L}\p{M}\p{N}]+$/u, 'letters and digits only');
const keywordListSchema = z.array(keywordSchema).max(20);
/** An answer; null answers nothing. `{{project}}` is replaced by the project's name. */
const replySchema = z.string().min(1).max(640).nullable();
/** A language tag: `en`, `fr`, `pt-BR`. */
const languageTag = z.string().regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, 'a language tag such as en, fr or pt-BR');

export const inboundLanguageSchema = z
  .strictObject({
    stop: keywordListSchema.describe('Keywords that opt the sender out.'),
    start: keywordListSchema.describe('Keywords that opt the sender back in.'),
    help: keywordListSchema.describe('Keywords that ask for help.'),
    replies: z
      .strictObject({
        stop: replySchema.describe('The answer to an opt-out.'),
        start: replySchema.describe('The answer to an opt-in.'),
        help: replySchema.describe('The project’s help text, the answer to a help keyword.'),
      })
      .describe('What the relay answers each keyword with, in this language.'),
  })
  .describe('Keywords and answers in one language.');

/** `PUT /v1/projects/:projectId/inbound-settings`: the whole settings, replacing the stored ones. */
export const inboundSettingsRequestSchema = z
  .strictObject({
    /** The language whose keywords are tried first, and whose answers a keyword of several languages gets. */
    defaultLanguage: languageTag,
    languages: z
      .record(languageTag, inboundLanguageSchema)
      .refine((languages) => Object.keys(languages).length >= 1 && Object.keys(languages).length <= 10, {
        message: 'from 1 to 10 languages',
      }),
  })
  .superRefine((settings, ctx) => {
    if (!Object.hasOwn(settings.languages, settings.defaultLanguage)) {
      ctx.addIssue({ code: 'custom', path: ['defaultLanguage'], message: 'must be one of `languages`' });
    }
  })
  .describe('A project’s inbound keywords and answers, per language.');

export const inboundSettingsSchema = z
  .object({
    defaultLanguage: z.string(),
    languages: z.record(z.string(), inboundLanguageSchema),
    /** False while the project uses the relay's defaults (English and French). */
    custom: z.boolean(),
    updatedAt: z.iso.datetime().nullable(),
  })
  .describe('A project’s inbound keywords and answers (the defaults until changed).');

/** An auto-reply rule. */
export const inboundRuleSchema = z
  .object({
    id: z.string(),
    projectId: z.string(),
    kind: z.enum(inboundRuleKinds),
    pattern: z.string(),
    reply: z.string(),
    /** Lower is tried first; the first rule that matches answers. */
    priority: z.number().int(),
    active: z.boolean(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .describe('An auto-reply: a keyword or regular expression, and the answer to a message it matches.');

/** `POST /v1/projects/:projectId/inbound-rules`. */
export const createInboundRuleRequestSchema = z
  .strictObject({
    kind: z.enum(inboundRuleKinds),
    /**
     * A keyword (the whole message, without case or accents) or a regular expression found
     * anywhere in it, case-insensitive, run by RE2 in linear time: no lookaround, no backreferences.
     */
    pattern: z.string().min(1).max(500),
    reply: z.string().min(1).max(640),
    priority: z.number().int().min(0).max(10_000).default(100),
    active: z.boolean().default(true),
  })
  .describe('`POST …/inbound-rules`: add an auto-reply.');

/** `PATCH /v1/projects/:projectId/inbound-rules/:ruleId`. */
export const updateInboundRuleRequestSchema = z
  .strictObject({
    kind: z.enum(inboundRuleKinds).optional(),
    pattern: z.string().min(1).max(500).optional(),
    reply: z.string().min(1).max(640).optional(),
    priority: z.number().int().min(0).max(10_000).optional(),
    active: z.boolean().optional(),
  })
  .describe('`PATCH …/inbound-rules/:ruleId`: change an auto-reply, or turn it on or off.');

export const inboundRuleListSchema = z
  .object({ data: z.array(inboundRuleSchema) })
  .describe('A project’s auto-replies, in the order they are tried.');

/** `GET /v1/projects/:projectId/inbound/stats`. */
export const inboundStatsQuerySchema = z
  .strictObject({
    since: z.iso.datetime({ offset: true }).optional().describe('Received at or after (default: 7 days ago).'),
    until: z.iso.datetime({ offset: true }).optional().describe('Received before (default: now).'),
  })
  .superRefine(checkWindow)
  .describe('The window of the inbound figures.');

export const inboundStatsSchema = z
  .object({
    since: z.iso.datetime(),
    until: z.iso.datetime(),
    /** Inbound messages stored in the window. */
    inbound: z.number().int(),
    /** Those a phone mapping routed to one of the developer's users, and the rest. */
    routed: z.number().int(),
    unrouted: z.number().int(),
    keywords: z.object({ stop: z.number().int(), start: z.number().int(), help: z.number().int() }),
    /** Those the relay answered (a keyword or an auto-reply rule). */
    autoReplies: z.number().int(),
    /** Milliseconds from receipt to stored; null without messages. */
    processingMs: z.object({
      avg: z.number().nullable(),
      p50: z.number().int().nullable(),
      p95: z.number().int().nullable(),
      max: z.number().int().nullable(),
    }),
  })
  .describe('How many messages came in, how many were routed, and how long storing them took.');

export type InboundMessage = z.output<typeof inboundMessageSchema>;
export type InboundMedia = z.output<typeof inboundMediaSchema>;
export type InboundListQuery = z.input<typeof inboundListQuerySchema>;
export type Conversation = z.output<typeof conversationResponseSchema>;
export type PhoneMapping = z.output<typeof phoneMappingSchema>;
export type CreatePhoneMappingRequest = z.input<typeof createPhoneMappingRequestSchema>;
export type UpdatePhoneMappingRequest = z.input<typeof updatePhoneMappingRequestSchema>;
export type InboundLanguage = z.output<typeof inboundLanguageSchema>;
export type InboundSettingsRequest = z.input<typeof inboundSettingsRequestSchema>;
export type InboundSettings = z.output<typeof inboundSettingsSchema>;
export type InboundRule = z.output<typeof inboundRuleSchema>;
export type CreateInboundRuleRequest = z.input<typeof createInboundRuleRequestSchema>;
export type UpdateInboundRuleRequest = z.input<typeof updateInboundRuleRequestSchema>;
export type InboundStats = z.output<typeof inboundStatsSchema>;
