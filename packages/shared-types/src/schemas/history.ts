import { z } from 'zod';
import { channelSchema, messageOptionsViewShape, messageStatusSchema } from './messages.js';
import { pageQueryShape } from './page.js';

/** How far apart `createdAfter` and `createdBefore` may be in one query (366 days). */
export const maxHistoryRangeMs = 366 * 24 * 3600 * 1000;

/** Message directions: what a project sent, and (with inbound messages) what it received. */
export const messageDirections = ['outbound', 'inbound'] as const;

/** Query text: no control characters (U+0000 cannot even be stored on PostgreSQL). */
const plain = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    .regex(/^[^\u0000-\u001F\u007F]*$/, 'no control characters');
const name = plain(100);

/**
 * The history's filters (all optional, combined with AND), shared by the list and the export, and
 * some of them by the verification sessions' list (`verify-sessions.ts`).
 */
export const filterShape = {
  status: z
    .string()
    .max(200)
    .transform((value) => value.split(','))
    .pipe(z.array(messageStatusSchema).min(1).max(10))
    .optional()
    .describe('One status or several separated by commas (`failed,undelivered`).'),
  channel: channelSchema.optional(),
  /** A template's name. */
  template: name.optional(),
  /** A connector's id (`con_…`): the one that sent the message. */
  connector: name.optional(),
  /** ISO 3166-1 alpha-2 country of the recipient (`MA`). */
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code in capitals (MA)')
    .optional(),
  /** The recipient's mobile operator, as the relay detected it. */
  operator: name.optional(),
  /** The `reference` the sender gave the message (whole). */
  reference: plain(128).optional(),
  to: z
    .string()
    .regex(/^(\+[1-9]\d{6,14}|\d{2,8})$/, 'a full E.164 number (+212612345678) or its last 2 to 8 digits')
    .optional()
    .describe('The recipient: a full E.164 number, or its last 2 to 8 digits.'),
  /** Messages created at or after this time (ISO 8601). */
  createdAfter: z.iso.datetime({ offset: true }).optional(),
  /** Messages created before this time (ISO 8601). */
  createdBefore: z.iso.datetime({ offset: true }).optional(),
  /**
   * `outbound` (the default): the messages the project sent; `inbound`: those it received, as
   * `GET /v1/inbound` shows them (filtered by `channel`, `connector`, `to` — the project's number —,
   * the dates and `q`; the filters only sent messages have are refused).
   */
  direction: z.enum(messageDirections).optional(),
  /** Text the message body holds (1–200 characters; ASCII letters match in any case). */
  q: plain(200).optional(),
  /** For members and admin tokens: the project (or the `MessageJS-Project` header). */
  projectId: name.optional(),
};

/** `createdBefore` after `createdAfter`, and at most `maxHistoryRangeMs` after it. */
export function checkRange(
  query: { createdAfter?: string | undefined; createdBefore?: string | undefined },
  ctx: z.RefinementCtx,
) {
  if (query.createdAfter === undefined || query.createdBefore === undefined) return;
  const after = Date.parse(query.createdAfter);
  const before = Date.parse(query.createdBefore);
  if (before <= after) {
    ctx.addIssue({ code: 'custom', path: ['createdBefore'], message: 'must be after createdAfter' });
  } else if (before - after > maxHistoryRangeMs) {
    ctx.addIssue({ code: 'custom', path: ['createdBefore'], message: 'at most 366 days after createdAfter' });
  }
}

/**
 * `GET /v1/messages`: the filters and the page. `status` takes several statuses separated by
 * commas; `to` is a full E.164 number (`+212612345678`) or its last 2–8 digits; `q` finds text in
 * the message body (ASCII letters in any case).
 */
export const messageHistoryQuerySchema = z
  .strictObject({ ...pageQueryShape, ...filterShape })
  .superRefine(checkRange)
  .describe('Filters of the message history.');

/** `GET /v1/messages/export`: the history's filters, every matching message, as CSV or NDJSON. */
export const messageExportQuerySchema = z
  .strictObject({
    format: z.enum(['csv', 'ndjson']).default('csv').describe('`csv` (a header row first) or `ndjson`.'),
    ...filterShape,
  })
  .superRefine(checkRange)
  .describe('Filters of a history export.');

/** One message of the history. Secret keys, owners and admins read full numbers; other members masked ones. */
export const messageSummarySchema = z
  .object({
    id: z.string(),
    projectId: z.string(),
    direction: z.enum(messageDirections),
    status: messageStatusSchema,
    channel: channelSchema,
    to: z.string(),
    template: z.string().nullable(),
    templateVersion: z.number().int().nullable(),
    /** The connector that sent it (`con_…`), once one did. */
    connector: z.string().nullable(),
    country: z.string().nullable(),
    operator: z.string().nullable(),
    subject: z.string().nullable(),
    /** The rendered text; null for a message holding a secret (a verification code). */
    body: z.string().nullable(),
    segments: z.number().int().nullable(),
    encoding: z.enum(['GSM-7', 'UCS-2']).nullable(),
    cost: z.object({ eur: z.number(), mad: z.number() }).nullable(),
    providerMessageId: z.string().nullable(),
    errorCode: z.string().nullable(),
    errorMessage: z.string().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    sentAt: z.iso.datetime().nullable(),
    deliveredAt: z.iso.datetime().nullable(),
    ...messageOptionsViewShape,
  })
  .describe('One message of `GET /v1/messages`.');

export type MessageHistoryQuery = z.input<typeof messageHistoryQuerySchema>;
export type MessageExportQuery = z.input<typeof messageExportQuerySchema>;
export type MessageSummary = z.output<typeof messageSummarySchema>;
export type MessageDirection = (typeof messageDirections)[number];
