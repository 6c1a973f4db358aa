import {
  verifySessionDetailSchema,
  verifySessionsQuerySchema,
  verifySessionsResponseSchema,
} from '@messagejs/shared-types';
import type { Route } from '../../http/platform/route.js';
import { getVerifySession, listVerifySessions, type VerifySessionsDeps } from './verify-sessions.js';

/**
 * `GET /v1/verify/sessions` and `GET /v1/verify/sessions/:id`: the verification sessions'
 * history, mounted behind the access step of the message routes, which also takes members' and
 * admin tokens' credentials (with `MessageJS-Project` or `?projectId=`), as the message history.
 */
export function verifySessionRoutes(deps: VerifySessionsDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/verify/sessions',
      doc: {
        summary: 'The project’s verification sessions, newest first, filtered and paginated (never a code)',
        tag: 'Verification',
        auth: 'key',
        permission: 'view_history',
        query: verifySessionsQuerySchema,
        responses: { 200: verifySessionsResponseSchema },
      },
      async handle(request) {
        return { body: await listVerifySessions(deps, request.keyPrincipal(), request.query()) };
      },
    },
    {
      method: 'GET',
      path: '/v1/verify/sessions/:id',
      doc: {
        summary: 'A verification session and the messages that carried its codes (never a code)',
        tag: 'Verification',
        auth: 'key',
        permission: 'view_history',
        responses: { 200: verifySessionDetailSchema },
      },
      async handle(request) {
        return { body: await getVerifySession(deps, request.keyPrincipal(), request.params.id!) };
      },
    },
  ];
}
