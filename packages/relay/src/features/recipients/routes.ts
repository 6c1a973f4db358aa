import { analyzeRecipientsRequestSchema, analyzeRecipientsResponseSchema } from '@messagejs/shared-types';
import { jsonBody } from '../../http/platform/json-body.js';
import type { Route } from '../../http/platform/route.js';
import { analyzeRecipients } from './analyze-recipients.js';

/** `POST /v1/recipients/analyze` (secret keys), mounted behind the API's access step. */
export function recipientsRoutes(): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/recipients/analyze',
      use: [jsonBody({ limit: '256kb' })],
      doc: {
        summary: 'Describe up to 1,000 phone numbers: valid, country, type, operator, allowed',
        tag: 'Recipients',
        auth: 'key',
        body: analyzeRecipientsRequestSchema,
        responses: { 200: analyzeRecipientsResponseSchema },
      },
      handle: (request) => ({ body: analyzeRecipients(request.keyPrincipal(), request.body) }),
    },
  ];
}
