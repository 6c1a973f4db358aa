import { z } from 'zod';

/** `GET /healthz`: the process answers. */
export const healthResponseSchema = z.object({ status: z.literal('ok') }).describe('The relay process answers.');

/**
 * `GET /readyz`: `200` when the database answers and the worker runs, else `503`. `redis` only
 * when the relay is configured with Redis: `degraded` while it does not answer (the relay stays
 * ready, its limits counted per process).
 */
export const readinessResponseSchema = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    database: z.enum(['ok', 'down']),
    worker: z.enum(['ok', 'down', 'disabled']),
    redis: z.enum(['ok', 'degraded']).optional(),
  })
  .describe(
    'Whether the relay can take traffic: its database and its worker (and, when configured, whether Redis answers).',
  );

/** `POST /v1/hooks/:connectorId`: a provider's status callback was taken. */
export const hookReceiptSchema = z.object({ received: z.literal(true) }).describe('A provider callback was taken.');

/** A public JSON Web Key (RFC 7517). */
export const jwkSchema = z
  .object({ kty: z.string(), kid: z.string().optional(), alg: z.string().optional() })
  .catchall(z.unknown())
  .describe('A public JSON Web Key.');

/** `GET /v1/projects/:projectId/jwks.json`: the keys that verify the project's verification tokens. */
export const jwksResponseSchema = z
  .object({ keys: z.array(jwkSchema) })
  .describe('The public keys that verify a project’s verification tokens (RFC 7517 key set).');

/** `GET /demo/config.json`: the demo project's public settings, for the demo pages. */
export const demoConfigSchema = z
  .object({ projectId: z.string(), publicKey: z.string(), templates: z.array(z.string()) })
  .describe('The demo project’s public settings.');

/** `GET /v1/openapi.json`: an OpenAPI 3.1 document. */
export const openApiDocumentSchema = z
  .object({ openapi: z.string(), info: z.object({ title: z.string(), version: z.string() }) })
  .catchall(z.unknown())
  .describe('An OpenAPI 3.1 document.');
