import { z } from 'zod';
import { captchaProviders, verifyChannels } from '../enums.js';
import { captchaTokenSchema } from './messages.js';

/** `POST /v1/verify/send`. */
export const verifyStartRequestSchema = z
  .strictObject({
    /** The phone number (E.164, or national with the project's default country) or address to send the code to. */
    to: z.string().min(1).max(320),
    /** The channel to send the code on. */
    channel: z.enum(verifyChannels).default('sms'),
    /** A solved CAPTCHA, when the project asks public keys for one (the client solves the relay's own proof of work by itself). */
    captchaToken: captchaTokenSchema.optional(),
  })
  .describe('`POST /v1/verify/send`: send a one-time code.');

/** `202` answer of `POST /v1/verify/send`: the session to check the code against — never the code. */
export const verifyStartResponseSchema = z
  .object({
    sessionId: z.string(),
    status: z.literal('pending'),
    expiresAt: z.iso.datetime(),
    /** When another code may be asked for. */
    resendAfter: z.iso.datetime(),
  })
  .describe('`202` answer of `POST /v1/verify/send`: the session to check the code against.');

/** `POST /v1/verify/check`. */
export const verifyCheckRequestSchema = z
  .strictObject({
    /** The `sessionId` that `POST /v1/verify/send` answered with. */
    sessionId: z.string().min(1).max(100),
    /** The code the user typed (spaces and dashes are ignored). */
    code: z.string().max(64),
  })
  .describe('`POST /v1/verify/check`: check a code the user typed.');

/** `200` answer of `POST /v1/verify/check`. */
export const verifyCheckResponseSchema = z
  .object({
    valid: z.boolean(),
    status: z.enum(['pending', 'approved', 'canceled', 'expired']),
    /** A relay-signed JWT, present when `valid` is true. */
    token: z.string().optional(),
    /** Wrong codes still accepted before the session closes, when `valid` is false. */
    attemptsRemaining: z.number().int().optional(),
  })
  .describe('`200` answer of `POST /v1/verify/check`; `token` is a relay-signed JWT when `valid`.');

/**
 * A proof-of-work challenge (the ALTCHA scheme): find the integer `number` in `0…maxnumber` for
 * which `hex(SHA-256(salt + number)) === challenge`, then send
 * `base64(JSON.stringify({ algorithm, challenge, number, salt, signature }))` as `captchaToken`.
 * The salt carries its expiry (`?expires=<unix seconds>`); the signature is the relay's HMAC.
 */
export const powChallengeSchema = z
  .object({
    algorithm: z.literal('SHA-256'),
    challenge: z.string(),
    salt: z.string(),
    maxnumber: z.number().int(),
    signature: z.string(),
  })
  .describe('A proof-of-work challenge (the ALTCHA scheme), solved into a `captchaToken`.');

/** `POST /v1/verify/send`. */
export type VerifyStartRequest = z.input<typeof verifyStartRequestSchema>;
/** `202` answer of `POST /v1/verify/send`. */
export type VerifyStartResponse = z.output<typeof verifyStartResponseSchema>;
/** `POST /v1/verify/check`. */
export type VerifyCheckRequest = z.input<typeof verifyCheckRequestSchema>;
/** `200` answer of `POST /v1/verify/check`. */
export type VerifyCheckResponse = z.output<typeof verifyCheckResponseSchema>;
/**
 * A proof-of-work challenge (the ALTCHA scheme): find the integer `number` in `0…maxnumber` for
 * which `hex(SHA-256(salt + number)) === challenge`, then send
 * `base64(JSON.stringify({ algorithm, challenge, number, salt, signature }))` as `captchaToken`.
 * The salt carries its expiry (`?expires=<unix seconds>`); the signature is the relay's HMAC.
 */
export type PowChallenge = z.output<typeof powChallengeSchema>;

/** `{{name}}` placeholders, as templates write them. */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const placeholders = (text: string) => [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!);
const VERIFY_PLACEHOLDERS = new Set(['code', 'brand', 'ttl']);
// C0/C1 control characters have no place in a brand name.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;

/** How long a verification code is, at least and at most. */
export const verifyCodeLength = { min: 4, max: 10 } as const;

/**
 * `PATCH /v1/projects/:projectId/verify-settings` (and `messagejs-relay verify set`): each field
 * optional; `null` restores the default. `captchaSecret` is write-only: sealed at once, never shown.
 */
export const verifySettingsPatchSchema = z
  .strictObject({
    codeLength: z.number().int().min(verifyCodeLength.min).max(verifyCodeLength.max).optional(),
    alphabet: z.enum(['numeric', 'alphanumeric']).optional(),
    ttlMinutes: z.number().int().min(1).max(30).optional(),
    maxAttempts: z.number().int().min(1).max(10).optional(),
    cooldownSeconds: z.number().int().min(0).max(3600).optional(),
    maxSendsPer10Minutes: z.number().int().min(1).max(50).optional(),
    maxSendsPerRecipientPer10Minutes: z.number().int().min(1).max(200).optional(),
    maxSendsPerKeyPerHour: z.number().int().min(1).max(1_000_000).optional(),
    maxSendsPerCountryPerDay: z.number().int().min(1).max(10_000_000).optional(),
    maxSendsPerPrefixPerDay: z.number().int().min(1).max(10_000_000).optional(),
    guardMinSuccessPercent: z.number().int().min(0).max(100).optional(),
    guardMinSends: z.number().int().min(1).max(100_000).optional(),
    brand: z
      .string()
      .trim()
      .min(1)
      .max(50)
      .refine((b) => !CONTROL.test(b), 'must not contain control characters')
      .nullable()
      .optional(),
    body: z
      .string()
      .min(1)
      .max(1000)
      .refine((b) => placeholders(b).includes('code'), 'must contain {{code}}')
      .refine(
        (b) => placeholders(b).every((p) => VERIFY_PLACEHOLDERS.has(p)),
        'may only use {{code}}, {{brand}} and {{ttl}}',
      )
      .nullable()
      .optional(),
    subject: z
      .string()
      .min(1)
      .max(200)
      .refine((s) => placeholders(s).every((p) => p === 'brand' || p === 'ttl'), 'may only use {{brand}} and {{ttl}}')
      .nullable()
      .optional(),
    tokenTtlMinutes: z.number().int().min(1).max(60).optional(),
    /** `none` removes the CAPTCHA requirement; `pow` is the relay's own; any other provider needs `captchaSecret`. */
    captcha: z.enum([...captchaProviders, 'pow', 'none']).optional(),
    /** The CAPTCHA provider's secret key: write-only, sealed at once. */
    captchaSecret: z.string().min(1).max(500).optional(),
    /** Public-key template sends need the CAPTCHA too. */
    captchaOnSends: z.boolean().optional(),
    /** From a few ms of work (1,000) to several seconds (5,000,000). */
    powMaxNumber: z.number().int().min(1000).max(5_000_000).optional(),
  })
  .describe('`PATCH /v1/projects/:projectId/verify-settings`: change how codes are made, sent and checked.');

/** A project's verification settings with defaults filled in; the CAPTCHA secret only as `sealed`. */
export const verifySettingsSchema = z
  .object({
    codeLength: z.number().int(),
    alphabet: z.enum(['numeric', 'alphanumeric']),
    ttlMinutes: z.number().int(),
    maxAttempts: z.number().int(),
    cooldownSeconds: z.number().int(),
    maxSendsPer10Minutes: z.number().int(),
    maxSendsPerRecipientPer10Minutes: z.number().int(),
    maxSendsPerKeyPerHour: z.number().int(),
    maxSendsPerCountryPerDay: z.number().int(),
    maxSendsPerPrefixPerDay: z.number().int(),
    guardMinSuccessPercent: z.number().int(),
    guardMinSends: z.number().int(),
    brand: z.string(),
    body: z.string(),
    subject: z.string(),
    tokenTtlMinutes: z.number().int(),
    captchaOnSends: z.boolean(),
    powMaxNumber: z.number().int(),
    captcha: z.union([
      z.literal('none'),
      z.object({ provider: z.literal('pow') }),
      z.object({ provider: z.enum(captchaProviders), secret: z.literal('sealed') }),
    ]),
  })
  .describe('A project’s verification settings; the CAPTCHA secret is never shown.');

export type VerifySettingsPatchRequest = z.input<typeof verifySettingsPatchSchema>;
export type VerifySettingsView = z.output<typeof verifySettingsSchema>;
