import { z } from 'zod';

/** A component that answers or not, with the time a trivial request to it took. */
const probeSchema = z.object({
  status: z.enum(['ok', 'down', 'degraded']),
  /** How long a trivial query (`SELECT 1`, a Redis `PING`) took, in ms; null when it failed. */
  latencyMs: z.number().nonnegative().nullable(),
});

/** One connector of the caller's projects, as this relay's worker has seen it. */
export const connectorHealthSchema = z
  .object({
    id: z.string(),
    projectId: z.string(),
    name: z.string(),
    type: z.string(),
    enabled: z.boolean(),
    /**
     * Its circuit breaker in this process's worker: `open` while it is skipped after transient
     * failures in a row; `unknown` when this process runs no worker.
     */
    circuitBreaker: z.enum(['closed', 'open', 'unknown']),
    /** Until when an open breaker skips it. */
    openUntil: z.iso.datetime().nullable(),
    /** Transient failures in a row since its last success. */
    failures: z.number().int().nonnegative(),
    /** The provider's last refusal seen by this worker since it started: the relay's code, whether a retry could help, when. */
    lastError: z.object({ code: z.string(), transient: z.boolean(), at: z.iso.datetime() }).nullable(),
    /** When this worker last handed it a message. */
    lastSuccessAt: z.iso.datetime().nullable(),
  })
  .describe('A connector’s health as this relay’s worker has seen it.');

/**
 * `GET /v1/status` (owners and admins): the relay's components, versions, uptime and queue, the
 * way the SMS Router's admin status reports its service. `status` is `down` while the database
 * does not answer, `degraded` while Redis does not (or the worker is stalled, or a circuit breaker
 * is open), else `ok`.
 */
export const relayStatusSchema = z
  .object({
    status: z.enum(['ok', 'degraded', 'down']),
    service: z.literal('MessageJS relay'),
    checkedAt: z.iso.datetime(),
    /** Seconds since this relay started. */
    uptimeSeconds: z.number().nonnegative(),
    versions: z.object({
      relay: z.string(),
      node: z.string(),
      /** `sqlite` or `postgres`. */
      databaseBackend: z.enum(['sqlite', 'postgres']),
      /** The SQLite library's version, or the PostgreSQL server's; null when it did not answer. */
      database: z.string().nullable(),
      /** The schema version (migrations applied); null when the database did not answer. */
      schema: z.number().int().nullable(),
    }),
    components: z.object({
      database: probeSchema,
      /** Only when the relay is configured with Redis. */
      redis: probeSchema.optional(),
      worker: z.object({
        /** `stalled`: its loop has not passed for a minute; `disabled`: this process runs none. */
        status: z.enum(['running', 'stalled', 'stopped', 'disabled']),
        inFlight: z.number().int().nonnegative(),
        /** Jobs held in memory waiting for a slot. */
        waiting: z.number().int().nonnegative(),
        concurrency: z.number().int().nonnegative(),
        lastTickAt: z.iso.datetime().nullable(),
      }),
      connectors: z.array(connectorHealthSchema),
    }),
    /** The outbox, relay-wide; null when the database did not answer. */
    queue: z
      .object({
        /** Every row: due + leased + scheduled. */
        pending: z.number().int().nonnegative(),
        /** Due and waiting for a worker. */
        due: z.number().int().nonnegative(),
        /** Being delivered (leased to a worker). */
        leased: z.number().int().nonnegative(),
        /** Due later: scheduled messages, retries waiting for their backoff, fallback checks. */
        scheduled: z.number().int().nonnegative(),
        /** How long the oldest due row has waited for a worker (0 when none waits). */
        oldestDueAgeSeconds: z.number().nonnegative(),
      })
      .nullable(),
  })
  .describe('The relay’s components, versions, uptime and queue.');

export type RelayStatus = z.infer<typeof relayStatusSchema>;
export type ConnectorHealth = z.infer<typeof connectorHealthSchema>;
