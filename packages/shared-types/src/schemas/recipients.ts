import { z } from 'zod';
import { channels, numberTypes } from '../enums.js';

/** `POST /v1/recipients/analyze` (secret keys). */
export const analyzeRecipientsRequestSchema = z
  .strictObject({
    /** Up to 1,000 phone numbers, as typed. */
    numbers: z.array(z.string().max(64)).min(1).max(1000),
    /** The ISO 3166-1 alpha-2 region of numbers without a country code; the project's default when omitted. */
    defaultCountry: z
      .string()
      .regex(/^[A-Z]{2}$/)
      .optional(),
  })
  .describe('`POST /v1/recipients/analyze` (secret keys): describe up to 1,000 phone numbers.');

/** One analysed number. */
export const recipientAnalysisSchema = z
  .object({
    /** The input, as given. */
    input: z.string(),
    valid: z.boolean(),
    /** `+212612345678`; `null` unless `valid`. */
    e164: z.string().nullable(),
    /** ISO 3166-1 alpha-2 region (`MA`); `null` when unknown or for non-geographic numbers (`+800…`). */
    country: z.string().nullable(),
    /** `null` unless `valid`. */
    type: z.enum(numberTypes).nullable(),
    /** The operator that was allocated the number's prefix (only MA and GA are known). */
    operator: z.string().nullable(),
    /** `'prefix'` when `operator` was found: numbers are portable, so it is the original allocation. */
    operatorSource: z.literal('prefix').nullable(),
    /** The project's phone channels would send to it (its country and its type are allowed). */
    allowed: z.boolean(),
  })
  .describe('One analysed phone number.');

/** `200` answer of `POST /v1/recipients/analyze`, one result per number, in order. */
export const analyzeRecipientsResponseSchema = z
  .object({ results: z.array(recipientAnalysisSchema) })
  .describe('`200` answer of `POST /v1/recipients/analyze`: one result per number, in order.');

/** `POST /v1/recipients/analyze`. */
export type AnalyzeRecipientsRequest = z.input<typeof analyzeRecipientsRequestSchema>;
/** One analysed number. */
export type RecipientAnalysis = z.output<typeof recipientAnalysisSchema>;
/** `200` answer of `POST /v1/recipients/analyze`. */
export type AnalyzeRecipientsResponse = z.output<typeof analyzeRecipientsResponseSchema>;

/** Where an opt-out came from: the admin API, the command line, or a provider's report (a STOP, a block). */
const optOutSourceSchema = z.enum(['api', 'cli', 'provider']);

/** A recipient that opted out of a project's messages. */
export const optOutSchema = z
  .object({
    /** The normalised address: E.164, an email with its domain in lower case, a chat id. */
    address: z.string(),
    reason: z.string().nullable(),
    source: optOutSourceSchema,
    createdAt: z.iso.datetime(),
  })
  .describe('A recipient that opted out: sends to it are refused with `recipient_opted_out`.');

/** `POST /v1/projects/:projectId/opt-outs`. */
export const addOptOutRequestSchema = z
  .strictObject({
    /** A phone number (E.164, or national with `channel` sms/whatsapp and the project's default country), an email, a chat id. */
    address: z.string().trim().min(1).max(320),
    /** How to read `address`; without it, `+…` is a phone number and `…@…` an email. */
    channel: z.enum(channels).optional(),
    reason: z.string().trim().min(1).max(500).optional(),
  })
  .describe('`POST /v1/projects/:projectId/opt-outs`: stop sending to a recipient.');

/** `GET /v1/projects/:projectId/opt-outs/:address`: whether one recipient opted out. */
export const optOutCheckSchema = z
  .object({
    address: z.string(),
    optedOut: z.boolean(),
    reason: z.string().nullable(),
    source: optOutSourceSchema.nullable(),
    createdAt: z.iso.datetime().nullable(),
  })
  .describe('Whether a recipient opted out of a project’s messages.');

/** `?channel=` of the routes that name one address. */
export const optOutAddressQuerySchema = z
  .object({ channel: z.enum(channels).optional() })
  .describe('How to read the address in the path.');

export type OptOut = z.output<typeof optOutSchema>;
export type AddOptOutRequest = z.input<typeof addOptOutRequestSchema>;
export type OptOutCheck = z.output<typeof optOutCheckSchema>;
