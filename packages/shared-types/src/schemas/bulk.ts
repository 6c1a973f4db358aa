import { z } from 'zod';
import {
  callbackUrlSchema,
  cascadeSchema,
  channelSchema,
  fallbackAfterSchema,
  messageOptionsShape,
  messageStatusSchema,
  paramsSchema,
} from './messages.js';

/** The most messages one bulk request may carry. */
export const maxBulkMessages = 10_000;

/**
 * What every item of a bulk request takes from the request unless it says otherwise: the content
 * (a template, or text on a channel), the cascade and the options of `POST /v1/messages`. `params`
 * here are defaults each recipient's own params override.
 */
const sharedShape = {
  template: z.string().min(1).max(100).optional(),
  text: z.string().min(1).max(10_000).optional(),
  channel: channelSchema.optional(),
  subject: z.string().min(1).max(500).optional(),
  params: paramsSchema.optional(),
  channels: cascadeSchema.optional(),
  fallbackAfter: fallbackAfterSchema.optional(),
  callbackUrl: callbackUrlSchema.optional(),
  ...messageOptionsShape,
};

/**
 * `POST /v1/messages/bulk`: up to 10,000 messages — `recipients` of one shared template or text
 * (each a number or address, or `{ to, params, … }`), or full `messages`, each checked on its own
 * as `POST /v1/messages` checks a body. A bad item is refused alone (`rejected`), unless `atomic`.
 */
export const bulkRequestSchema = z
  .strictObject({
    ...sharedShape,
    /** Full messages, each as `POST /v1/messages` takes it (the fields above are their defaults). */
    messages: z.array(z.unknown()).min(1).optional(),
    /** Recipients of the shared template or text: an address, or `{ to, params, metadata, reference, … }`. */
    recipients: z.array(z.unknown()).min(1).optional(),
    /** Refuse the whole batch when any item is bad (nothing is sent). */
    atomic: z.boolean().optional(),
  })
  .refine((b) => (b.messages === undefined) !== (b.recipients === undefined), {
    message: 'give `messages` or `recipients`',
    path: ['messages'],
  })
  .describe('`POST /v1/messages/bulk`: many messages in one request (secret keys and members).');

/** An item refused: where it is in the list, and why. */
export const bulkRejectionSchema = z.object({
  index: z.number().int(),
  code: z.string(),
  field: z.string().nullable(),
  message: z.string(),
});

/** Counts, segments and estimated cost of a group of accepted messages. */
const tallySchema = z.object({
  messages: z.number().int(),
  segments: z.number().int(),
  cost: z.object({ eur: z.number(), mad: z.number() }),
});

/** `202` answer of `POST /v1/messages/bulk`. */
export const bulkResponseSchema = z
  .object({
    batchId: z.string(),
    accepted: z.number().int(),
    rejected: z.array(bulkRejectionSchema),
    ids: z.array(z.object({ index: z.number().int(), id: z.string() })),
    /** SMS segments of the accepted messages. */
    segments: z.number().int(),
    /** Their estimated cost, from the project's price table. */
    cost: z.object({ eur: z.number(), mad: z.number() }),
    /** By the recipients' country (`MA`), then by operator (`MA:IAM`; `MA:unknown` when not known). */
    byCountry: z.record(z.string(), tallySchema),
    byOperator: z.record(z.string(), tallySchema),
  })
  .describe('`202` answer of `POST /v1/messages/bulk`: what was accepted, what was refused and why.');

/** `GET /v1/batches/:id`: a batch's progress. */
export const batchResponseSchema = z
  .object({
    id: z.string(),
    createdAt: z.iso.datetime(),
    total: z.number().int(),
    accepted: z.number().int(),
    rejected: z.number().int(),
    /** How many of its messages are in each status now. */
    statuses: z.partialRecord(messageStatusSchema, z.number().int()),
    /** True once none of its messages waits or is being sent. */
    done: z.boolean(),
  })
  .describe('A bulk request’s batch and its messages’ progress, by status.');

export type BulkRequest = z.input<typeof bulkRequestSchema>;
export type BulkResponse = z.output<typeof bulkResponseSchema>;
export type BulkRejection = z.output<typeof bulkRejectionSchema>;
export type BatchResponse = z.output<typeof batchResponseSchema>;
