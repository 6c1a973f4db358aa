import { z } from 'zod';

/** How many endpoints one project may have. */
export const maxWebhookEndpoints = 20;

const eventList = z
  .array(z.string().min(1).max(64))
  .min(1)
  .max(64)
  .describe('Event types to receive (`GET /v1/webhooks/event-types`), or `["*"]` for all.');

/** `POST /v1/projects/:projectId/webhooks`. */
export const createWebhookRequestSchema = z
  .strictObject({
    /** `https://…` (plain `http://` only when the operator allows it); never a private address. */
    url: z.string().min(1).max(2048),
    events: eventList.default(['*']),
    description: z.string().max(500).default(''),
    active: z.boolean().default(true),
  })
  .describe('`POST /v1/projects/:projectId/webhooks`: add an endpoint that receives the project’s events.');

/** `PATCH /v1/projects/:projectId/webhooks/:endpointId`. */
export const updateWebhookRequestSchema = z
  .strictObject({
    url: z.string().min(1).max(2048).optional(),
    events: eventList.optional(),
    description: z.string().max(500).optional(),
    /** `false` turns it off (its pending deliveries fail, and a replay brings them back); `true` on again. */
    active: z.boolean().optional(),
  })
  .describe('`PATCH …/webhooks/:endpointId`: change an endpoint’s URL, events, description, or turn it on or off.');

/** A webhook endpoint as the admin API shows it (never its secret, after creation). */
export const webhookEndpointSchema = z
  .object({
    id: z.string(),
    projectId: z.string(),
    url: z.string(),
    description: z.string(),
    events: z.array(z.string()),
    active: z.boolean(),
    /** Why it is off: `manual`, `gone` (it answered 410) or `failing` (5 days of failures); null while on. */
    disabledReason: z.enum(['manual', 'gone', 'failing']).nullable(),
    /** Until when the secret before the last rotation also signs; null when none does. */
    previousSecretExpiresAt: z.iso.datetime().nullable(),
    failingSince: z.iso.datetime().nullable(),
    lastSuccessAt: z.iso.datetime().nullable(),
    lastFailureAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .describe('A webhook endpoint of a project.');

/** `201` answer of creating an endpoint, and of rotating its secret: the secret, shown this once. */
export const webhookSecretResponseSchema = z
  .object({
    endpoint: webhookEndpointSchema,
    /** `whsec_…`: verify signatures with it (any Standard Webhooks library). Shown once. */
    secret: z.string(),
  })
  .describe('An endpoint and its signing secret, shown this once.');

export const webhookEndpointListSchema = z
  .object({ data: z.array(webhookEndpointSchema) })
  .describe('A project’s webhook endpoints, oldest first.');

export const webhookEventTypesSchema = z
  .object({ data: z.array(z.object({ type: z.string(), description: z.string() })) })
  .describe('Every event type an endpoint may subscribe to.');

export const webhookDeliveryStatuses = ['pending', 'delivered', 'failed'] as const;

/** `GET …/webhooks/:endpointId/deliveries`. */
export const webhookDeliveriesQuerySchema = z
  .strictObject({
    status: z.enum(webhookDeliveryStatuses).optional(),
    eventType: z.string().max(64).optional(),
    /** ISO 8601: deliveries created at or after. */
    since: z.iso.datetime({ offset: true }).optional(),
    /** ISO 8601: deliveries created before. */
    until: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(100).optional(),
    cursor: z.string().max(512).optional(),
  })
  .describe('Filters of an endpoint’s delivery log.');

export const webhookAttemptSchema = z
  .object({
    at: z.iso.datetime(),
    /** The receiver's HTTP status; null when none came (timeout, refused address, connection failed). */
    statusCode: z.number().int().nullable(),
    latencyMs: z.number().int(),
    /** The first KB of the receiver's answer. */
    response: z.string(),
    error: z.string().nullable(),
  })
  .describe('One attempt to deliver an event.');

export const webhookDeliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    status: z.enum(webhookDeliveryStatuses),
    attempts: z.number().int(),
    nextAttemptAt: z.iso.datetime().nullable(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .describe('One event’s delivery to an endpoint.');

export const webhookDeliveryDetailSchema = webhookDeliverySchema
  .extend({ attemptLog: z.array(webhookAttemptSchema) })
  .describe('A delivery with every attempt.');

/** `POST …/webhooks/:endpointId/replay`: one event, or every failed delivery since a time. */
export const webhookReplayRequestSchema = z
  .union([
    z.strictObject({ eventId: z.string().min(1).max(64) }),
    z.strictObject({ since: z.iso.datetime({ offset: true }) }),
  ])
  .describe('`POST …/replay`: `{ "eventId" }` sends one event again; `{ "since" }` every failed delivery since then.');

export const webhookReplayResponseSchema = z
  .object({ replayed: z.number().int() })
  .describe('How many deliveries will be tried again.');

export const webhookTestResponseSchema = z
  .object({ eventId: z.string() })
  .describe('The `webhook.test` event queued for the endpoint; its delivery shows in the log.');

export const webhookStatsSchema = z
  .object({
    /** The window the figures cover (the last 7 days by default). */
    since: z.iso.datetime(),
    deliveries: z.object({ pending: z.number(), delivered: z.number(), failed: z.number() }),
    attempts: z.number(),
    /** 2xx attempts out of all attempts; null when none was made. */
    successRate: z.number().nullable(),
    lastSuccessAt: z.iso.datetime().nullable(),
    lastFailureAt: z.iso.datetime().nullable(),
    byType: z.array(z.object({ type: z.string(), pending: z.number(), delivered: z.number(), failed: z.number() })),
  })
  .describe('An endpoint’s delivery figures.');

/**
 * `GET /v1/events/stream`: the project whose events it streams, which types (`*`, the default, for
 * all), and where to resume (what the `Last-Event-ID` header says, for clients that cannot set it).
 */
export const eventStreamQuerySchema = z
  .strictObject({
    projectId: z.string().min(1).max(100),
    types: z
      .string()
      .min(1)
      .max(2048)
      .optional()
      .describe('Comma-separated event types (`GET /v1/webhooks/event-types`), or `*` (the default) for all.'),
    lastEventId: z
      .string()
      .regex(/^\d{1,15}$/, 'Must be the `id` of an event the stream sent (digits only).')
      .optional()
      .describe('Start after this event, as the `Last-Event-ID` header does.'),
  })
  .describe('What a live event stream follows, and from where.');

export type CreateWebhookRequest = z.input<typeof createWebhookRequestSchema>;
export type UpdateWebhookRequest = z.input<typeof updateWebhookRequestSchema>;
export type WebhookEndpoint = z.output<typeof webhookEndpointSchema>;
export type WebhookDelivery = z.output<typeof webhookDeliverySchema>;
export type WebhookDeliveryDetail = z.output<typeof webhookDeliveryDetailSchema>;
export type WebhookStats = z.output<typeof webhookStatsSchema>;
export type EventStreamQuery = z.input<typeof eventStreamQuerySchema>;
