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
      handle: (request) => ({ body: analyzeRecipients(request.keyPrincipal(), request.body) }),
    },
  ];
}
