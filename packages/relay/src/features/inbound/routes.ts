import {
  conversationQuerySchema,
  conversationResponseSchema,
  inboundListQuerySchema,
  inboundListResponseSchema,
  inboundMessageSchema,
} from '@messagejs/shared-types';
import type { Route } from '../../http/platform/route.js';
import { conversation, getInbound, listInbound, type InboundHistoryDeps } from './inbound-history.js';

const tag = 'Inbound messages';

/**
 * `GET /v1/inbound`, `GET /v1/inbound/:id` and `GET /v1/inbound/conversations/:address`, mounted
 * behind the access step of the message history (a secret key, or a member or admin token naming
 * the project with `MessageJS-Project` or `?projectId=`), `view_history`.
 */
export function inboundRoutes(deps: InboundHistoryDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/inbound',
      doc: {
        summary: 'The messages recipients sent to the project, newest first, filtered and paginated',
        tag,
        auth: 'key',
        permission: 'view_history',
        query: inboundListQuerySchema,
        responses: { 200: inboundListResponseSchema },
      },
      handle: async (request) => ({ body: await listInbound(deps, request.keyPrincipal(), request.query()) }),
    },
    {
      method: 'GET',
      path: '/v1/inbound/conversations/:address',
      doc: {
        summary: 'A conversation with one address: what it sent and what the project sent it, newest first',
        tag,
        auth: 'key',
        permission: 'view_history',
        query: conversationQuerySchema,
        responses: { 200: conversationResponseSchema },
      },
      handle: async (request) => ({
        body: await conversation(deps, request.keyPrincipal(), request.params.address!, request.query()),
      }),
    },
    {
      method: 'GET',
      path: '/v1/inbound/:id',
      doc: {
        summary: 'One inbound message',
        tag,
        auth: 'key',
        permission: 'view_history',
        responses: { 200: inboundMessageSchema },
      },
      handle: async (request) => ({ body: await getInbound(deps, request.keyPrincipal(), request.params.id!) }),
    },
  ];
}
