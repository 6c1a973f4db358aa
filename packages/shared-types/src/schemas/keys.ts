import { z } from 'zod';

const iso = z.iso.datetime();

/** A key's own request limits (the design's per-key `rate_limit`); null: the project's per-key limit. */
export const keyRateLimitSchema = z
  .strictObject({
    /** Requests per hour; replaces the project's `perKeyPerHour` for this key. */
    perHour: z.number().int().min(1).max(1_000_000_000).optional(),
    /** Requests per minute, on top of the hourly limit. */
    perMinute: z.number().int().min(1).max(1_000_000_000).optional(),
  })
  .refine((r) => r.perHour !== undefined || r.perMinute !== undefined, 'set `perHour`, `perMinute`, or both')
  .describe('A key’s own rate limit.');

/** A project key as the admin API shows it: its prefix, never the key. */
export const apiKeySchema = z
  .object({
    id: z.string(),
    projectId: z.string(),
    kind: z.enum(['public', 'secret']),
    /** The first characters of the key, then `…`. */
    prefix: z.string(),
    name: z.string().nullable(),
    status: z.enum(['active', 'expired', 'revoked']),
    createdAt: iso,
    expiresAt: iso.nullable(),
    revokedAt: iso.nullable(),
    /** Precise to 30 seconds (recorded off the request path). */
    lastUsedAt: iso.nullable(),
    rateLimit: z.object({ perHour: z.number().int().optional(), perMinute: z.number().int().optional() }).nullable(),
    /** The key that replaced this one when it was rotated. */
    replacedBy: z.string().nullable(),
  })
  .describe('A project key (`pk_…` or `sk_…`), without its secret.');

/** `POST /v1/projects/:projectId/keys`. */
export const createKeyRequestSchema = z
  .strictObject({
    /** `public` for pages (templates only), `secret` for servers. */
    kind: z.enum(['public', 'secret']),
    name: z.string().trim().min(1).max(100).optional(),
    /** When the key stops working (ISO 8601, in the future). */
    expiresAt: z.iso.datetime({ offset: true }).optional(),
    rateLimit: keyRateLimitSchema.optional(),
  })
  .describe('`POST /v1/projects/:projectId/keys`: a new key, shown once.');

/** `201` answer of a key's creation or rotation: the key in full, shown this once. */
export const createKeyResponseSchema = z
  .object({ key: z.string(), apiKey: apiKeySchema })
  .describe('A new key, shown once: store it now.');

/** `PATCH /v1/projects/:projectId/keys/:keyId`. */
export const updateKeyRequestSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100).nullable().optional(),
    rateLimit: keyRateLimitSchema.nullable().optional(),
  })
  .describe('`PATCH /v1/projects/:projectId/keys/:keyId`: rename a key or set its own rate limit.');

/** `POST /v1/projects/:projectId/keys/:keyId/rotate`. */
export const rotateKeyRequestSchema = z
  .strictObject({
    /** How long the old key keeps working, 0 to 7 days. @default 86400 (a day) */
    graceSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .optional(),
  })
  .describe(
    '`POST /v1/projects/:projectId/keys/:keyId/rotate`: replace a key, the old one working for a grace period.',
  );

/** `201` answer of a rotation: the new key (shown once) and the old one with its end. */
export const rotateKeyResponseSchema = z
  .object({ key: z.string(), apiKey: apiKeySchema, previous: apiKeySchema })
  .describe('The new key, shown once, and the old key with the time it stops working.');

/** `POST /v1/projects/:projectId/signing-keys/rotate`. */
export const rotateSigningKeyResponseSchema = z
  .object({ kid: z.string(), published: z.array(z.string()) })
  .describe('The new verification-token signing key, and the keys the JWKS publishes.');

export type ApiKeyView = z.output<typeof apiKeySchema>;
export type CreateKeyRequest = z.input<typeof createKeyRequestSchema>;
export type CreateKeyResponse = z.output<typeof createKeyResponseSchema>;
export type UpdateKeyRequest = z.input<typeof updateKeyRequestSchema>;
export type RotateKeyRequest = z.input<typeof rotateKeyRequestSchema>;
export type RotateKeyResponse = z.output<typeof rotateKeyResponseSchema>;
