import { z } from 'zod';
import { verifyChannels } from '../enums.js';
import { checkRange, filterShape } from './history.js';
import { pageQueryShape, pageSchema } from './page.js';

/**
 * A verification session's status as the history shows it: `pending` while its code can still be
 * checked, `approved` once one was right, `canceled` after too many wrong ones, `expired` when its
 * code ran out unchecked.
 */
export const verifySessionStatuses = ['pending', 'approved', 'canceled', 'expired'] as const;

/**
 * `GET /v1/verify/sessions`: the filters and the page, as the message history's (`history.ts`).
 * `status` takes several statuses separated by commas; `to` is a full E.164 number or its last
 * 2–8 digits.
 */
export const verifySessionsQuerySchema = z
  .strictObject({
    ...pageQueryShape,
    status: z
      .string()
      .max(100)
      .transform((value) => value.split(','))
      .pipe(z.array(z.enum(verifySessionStatuses)).min(1).max(4))
      .optional()
      .describe('One status or several separated by commas (`canceled,expired`).'),
    channel: z.enum(verifyChannels).optional(),
    country: filterShape.country,
    to: filterShape.to,
    createdAfter: filterShape.createdAfter,
    createdBefore: filterShape.createdBefore,
    projectId: filterShape.projectId,
  })
  .superRefine(checkRange)
  .describe('Filters of the verification sessions.');

/** One verification session of the list: never its code nor the code's hash. */
export const verifySessionSummarySchema = z
  .object({
    id: z.string(),
    projectId: z.string(),
    status: z.enum(verifySessionStatuses),
    channel: z.enum(verifyChannels),
    /** The recipient; masked below owner and admin (and for anyone but a secret key's server). */
    to: z.string(),
    /** ISO 3166-1 alpha-2 country of a phone number; null for other channels. */
    country: z.string().nullable(),
    /** Codes sent in the session, the first one included. */
    sends: z.number().int(),
    /** Codes checked against it: the wrong ones, and the one that approved it. */
    checks: z.number().int(),
    /** Wrong codes so far. */
    attempts: z.number().int(),
    /** Wrong codes accepted before the session is canceled. */
    maxAttempts: z.number().int(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    lastSentAt: z.iso.datetime(),
    /** When its current code stops being accepted. */
    expiresAt: z.iso.datetime(),
    verifiedAt: z.iso.datetime().nullable(),
  })
  .describe('One session of `GET /v1/verify/sessions`.');

/** `GET /v1/verify/sessions/:id`: a session and the messages that carried its codes. */
export const verifySessionDetailSchema = verifySessionSummarySchema
  .extend({
    /** The messages that carried its codes, oldest first (the last 20); their text is never shown. */
    messageIds: z.array(z.string()),
  })
  .describe('`GET /v1/verify/sessions/:id`: a verification session, never its code.');

export const verifySessionsResponseSchema = pageSchema(verifySessionSummarySchema).describe(
  '`GET /v1/verify/sessions`: the newest sessions first.',
);

export type VerifySessionStatus = (typeof verifySessionStatuses)[number];
export type VerifySessionsQuery = z.input<typeof verifySessionsQuerySchema>;
export type VerifySessionSummary = z.output<typeof verifySessionSummarySchema>;
export type VerifySessionDetail = z.output<typeof verifySessionDetailSchema>;
