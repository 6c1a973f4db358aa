import { z } from 'zod';
import { errorCodes } from '../error-status.js';
import { messageStatuses, numberTypes, permissions } from '../enums.js';
import { powChallengeSchema } from './verify.js';

/** The body of every error answer: `{ "error": { "code", "message", "field"? } }`. */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(errorCodes),
      message: z.string(),
      /** The request field at fault, as a dotted path (`params.order`, `to`). */
      field: z.string().optional(),
      /** The request id, also sent as the `X-Request-Id` header. */
      requestId: z.string().optional(),
      /** With `number_type_not_allowed`: the type the recipient's number was found to be (`premium_rate`). */
      numberType: z.enum(numberTypes).optional(),
      /** With `forbidden` on the management plane: the permission the caller lacks. */
      permission: z.enum(permissions).optional(),
      /** With `message_not_cancelable`: the message's status (`sending`, `sent`, `delivered`, …). */
      messageStatus: z.enum(messageStatuses).optional(),
      /** With `validation_failed` on an `atomic` bulk request: every item refused, and why (nothing was sent). */
      rejected: z
        .array(
          z.object({ index: z.number().int(), code: z.string(), field: z.string().nullable(), message: z.string() }),
        )
        .optional(),
      /** With `captcha_required`, when the project uses the relay's own proof-of-work CAPTCHA: the challenge to solve. */
      challenge: powChallengeSchema.optional(),
    }),
  })
  .describe('The body of every error answer.');

/** The body of every error answer: `{ "error": { "code", "message", "field"? } }`. */
export type ErrorBody = z.output<typeof errorBodySchema>;
