import { z } from 'zod';
import { verifyChannels } from '../enums.js';
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
