import { z } from 'zod';
import { numberTypes } from '../enums.js';

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
