import {
  batchResponseSchema,
  bulkRequestSchema,
  bulkResponseSchema,
  headers,
  messageExportQuerySchema,
  messageHistoryQuerySchema,
  messageHistoryResponseSchema,
  messageResponseSchema,
  sendMessageRequestSchema,
  sendMessageResponseSchema,
} from '@messagejs/shared-types';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { Store } from '../../store/types.js';
import type { InFlightLocks } from '../../store/shared-state.js';
import { sendMessage, type SendDeps } from './send-message.js';
import { answerOnce } from './idempotent-answer.js';
import { getMessage } from './get-message.js';
import { cancelMessage } from './cancel-message.js';
import { getBatch, sendBulk } from './bulk-send.js';
import { listMessages } from './history.js';
import { exportMessages } from './export.js';
import { jsonBody } from '../../http/platform/json-body.js';
import { idempotencyKey } from '../../http/platform/idempotency.js';
import type { Route } from '../../http/platform/route.js';

const REPLAYED = Object.freeze({ [headers.idempotentReplayed]: 'true' });

/**
 * `POST /v1/messages`, `GET /v1/messages` (the history), `GET /v1/messages/:id` and
 * `POST /v1/messages/:id/cancel`, mounted behind
 * the API's access step (key, origin, request limits). With `locks`, sends with one
 * `Idempotency-Key` run one at a time across relays.
 */
export function messageRoutes(
  deps: SendDeps & { store: Store; locks?: InFlightLocks | null; cursorKey: Buffer; logger?: Logger },
): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/messages',
      use: [jsonBody(), idempotencyKey()],
      doc: {
        summary: 'Send a message: a template (public or secret key) or free text (secret key)',
        tag: 'Messages',
        auth: 'key',
        permission: 'send_messages',
        body: sendMessageRequestSchema,
        responses: { 202: sendMessageResponseSchema },
      },
      async handle(request) {
        const { idempotency, clientIp } = request.locals;
        const caller = request.keyPrincipal();
        const outcome = await answerOnce(deps, caller.key.id, idempotency, () =>
          sendMessage(deps, caller, request.body, idempotency, clientIp),
        );
        if (!outcome.replayed) deps.metrics?.accepted(outcome.body.channel);
        return { status: outcome.status, body: outcome.body, ...(outcome.replayed && { headers: REPLAYED }) };
      },
    },
    {
      method: 'GET',
      path: '/v1/messages',
      doc: {
        summary: 'The project’s messages, newest first, filtered and paginated',
        tag: 'Messages',
        auth: 'key',
        permission: 'view_history',
        query: messageHistoryQuerySchema,
        responses: { 200: messageHistoryResponseSchema },
      },
      async handle(request) {
        return { body: await listMessages(deps, request.keyPrincipal(), request.query()) };
      },
    },
    {
      method: 'GET',
      path: '/v1/messages/export',
      doc: {
        summary: 'Export the messages the history’s filters match: CSV (a header row first) or NDJSON, streamed',
        tag: 'Messages',
        auth: 'key',
        permission: 'export_data',
        query: messageExportQuerySchema,
        contentType: 'text/csv',
        responses: { 200: z.string() },
      },
      handle(request) {
        const { contentType, filename, stream } = exportMessages(deps, request.keyPrincipal(), request.query());
        const disposition = `attachment; filename="${filename}"`;
        return { contentType, headers: { 'Content-Disposition': disposition, 'Cache-Control': 'no-store' }, stream };
      },
    },
    {
      method: 'GET',
      path: '/v1/messages/:id',
      doc: {
        summary: 'Get a message and its status',
        tag: 'Messages',
        auth: 'key',
        permission: 'view_history',
        responses: { 200: messageResponseSchema },
      },
      async handle(request) {
        return { body: await getMessage(deps.store, request.keyPrincipal(), request.params.id!, deps.now()) };
      },
    },
    cancelRoute(deps),
    ...bulkRoutes(deps),
  ];
}

/** `POST /v1/messages/bulk` and `GET /v1/batches/:id` (`bulk-send.ts`). */
function bulkRoutes(deps: SendDeps & { store: Store; locks?: InFlightLocks | null }): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/messages/bulk',
      // Up to 10,000 messages: 4 MB here, 64 KB everywhere else. Control characters refuse one item, not the batch.
      use: [jsonBody({ limit: '4mb', controls: 'route' }), idempotencyKey()],
      doc: {
        summary:
          'Send up to 10,000 messages: recipients of one template or text, or full messages; secret keys and members',
        tag: 'Messages',
        auth: 'key',
        permission: 'send_messages',
        body: bulkRequestSchema,
        responses: { 202: bulkResponseSchema },
      },
      async handle(request) {
        const { idempotency } = request.locals;
        const caller = request.keyPrincipal();
        const outcome = await answerOnce(deps, caller.key.id, idempotency, () =>
          sendBulk(deps, caller, request.body, idempotency),
        );
        return { status: outcome.status, body: outcome.body, ...(outcome.replayed && { headers: REPLAYED }) };
      },
    },
    {
      method: 'GET',
      path: '/v1/batches/:id',
      doc: {
        summary: 'A bulk request’s batch: its messages’ progress by status; secret keys and members',
        tag: 'Messages',
        auth: 'key',
        permission: 'view_history',
        responses: { 200: batchResponseSchema },
      },
      async handle(request) {
        return { body: await getBatch(deps.store, request.keyPrincipal(), request.params.id!) };
      },
    },
  ];
}

/** `POST /v1/messages/:id/cancel` (`cancel-message.ts`). */
function cancelRoute(deps: SendDeps & { store: Store }): Route {
  return {
    method: 'POST',
    path: '/v1/messages/:id/cancel',
    doc: {
      summary:
        'Cancel a message still waiting to be sent (queued, scheduled or waiting to retry): it is never sent; secret keys and members',
      tag: 'Messages',
      auth: 'key',
      permission: 'send_messages',
      responses: { 200: messageResponseSchema },
    },
    async handle(request) {
      return { body: await cancelMessage(deps, request.keyPrincipal(), request.params.id!) };
    },
  };
}
