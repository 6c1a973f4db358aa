import { z } from 'zod';
import {
  createWebhookRequestSchema,
  pageSchema,
  updateWebhookRequestSchema,
  webhookDeliveriesQuerySchema,
  webhookDeliveryDetailSchema,
  webhookDeliverySchema,
  webhookEndpointListSchema,
  webhookEndpointSchema,
  webhookEventTypesSchema,
  webhookReplayRequestSchema,
  webhookReplayResponseSchema,
  webhookSecretResponseSchema,
  webhookStatsSchema,
  webhookTestResponseSchema,
} from '@messagejs/shared-types';
import { jsonBody } from '../../http/platform/json-body.js';
import { pageReply, pageRequest } from '../../http/platform/pagination.js';
import type { Route, RouteRequest } from '../../http/platform/route.js';
import { projectIdOf } from '../projects/routes.js';
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listEndpoints,
  replay,
  rotateSecret,
  sendTestEvent,
  updateEndpoint,
  type WebhookDeps,
} from './endpoints.js';
import { deliveryFilter, deliveryView, endpointStats, getDelivery, pageDeliveries } from './delivery-log.js';
import { eventTypes } from './event-types.js';

const BASE = '/v1/projects/:projectId/webhooks';
const ONE = `${BASE}/:endpointId`;
const tag = 'Webhooks';
/** A secret in full is answered once: no cache may keep it. */
const noStore = { 'Cache-Control': 'no-store' };
const doc = (summary: string, responses: Record<number, z.ZodType | null>, extra: object = {}) => ({
  summary,
  tag,
  auth: 'admin' as const,
  permission: 'manage_webhooks' as const,
  responses,
  ...extra,
});
const ids = (request: RouteRequest) => ({ projectId: projectIdOf(request), endpointId: request.params.endpointId! });

/** Webhook endpoints of a project (`manage_webhooks`), their logs, tests and replays; and the event types. */
export function webhookRoutes(deps: WebhookDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/webhooks/event-types',
      doc: {
        summary: 'List the event types an endpoint may subscribe to',
        tag,
        auth: 'admin',
        responses: { 200: webhookEventTypesSchema },
      },
      handle: () => ({
        body: { data: Object.entries(eventTypes).map(([type, description]) => ({ type, description })) },
      }),
    },
    ...collectionRoutes(deps),
    ...itemRoutes(deps),
    ...logRoutes(deps),
  ];
}

function collectionRoutes(deps: WebhookDeps): Route[] {
  return [
    {
      method: 'GET',
      path: BASE,
      doc: doc('List a project’s webhook endpoints', { 200: webhookEndpointListSchema }),
      handle: async (request) => ({ body: { data: await listEndpoints(deps, projectIdOf(request), request.actor()) } }),
    },
    {
      method: 'POST',
      path: BASE,
      use: [jsonBody({ limit: '16kb' })],
      doc: doc(
        'Add a webhook endpoint: its signing secret is answered this once',
        { 201: webhookSecretResponseSchema },
        { body: createWebhookRequestSchema },
      ),
      handle: async (request) => ({
        status: 201,
        body: await createEndpoint(deps, projectIdOf(request), request.body, request.actor()),
        headers: noStore,
      }),
    },
  ];
}

function itemRoutes(deps: WebhookDeps): Route[] {
  return [
    {
      method: 'GET',
      path: ONE,
      doc: doc('Read a webhook endpoint', { 200: webhookEndpointSchema }),
      handle: async (request) => {
        const { projectId, endpointId } = ids(request);
        return { body: await getEndpoint(deps, projectId, endpointId, request.actor()) };
      },
    },
    {
      method: 'PATCH',
      path: ONE,
      use: [jsonBody({ limit: '16kb' })],
      doc: doc(
        'Change a webhook endpoint, or turn it on or off',
        { 200: webhookEndpointSchema },
        { body: updateWebhookRequestSchema },
      ),
      handle: async (request) => {
        const { projectId, endpointId } = ids(request);
        const after = await updateEndpoint(deps, projectId, endpointId, request.body, request.actor());
        return { body: await getEndpoint(deps, projectId, after.id, request.actor()) };
      },
    },
    {
      method: 'DELETE',
      path: ONE,
      doc: doc('Delete a webhook endpoint and its delivery log', { 200: webhookEndpointSchema }),
      handle: async (request) => {
        const { projectId, endpointId } = ids(request);
        return { body: await deleteEndpoint(deps, projectId, endpointId, request.actor()) };
      },
    },
    {
      method: 'POST',
      path: `${ONE}/rotate-secret`,
      doc: doc('Replace the signing secret: the old one signs beside the new one for 24 h', {
        200: webhookSecretResponseSchema,
      }),
      handle: async (request) => {
        const { projectId, endpointId } = ids(request);
        return { body: await rotateSecret(deps, projectId, endpointId, request.actor()), headers: noStore };
      },
    },
    {
      method: 'POST',
      path: `${ONE}/test`,
      doc: doc('Send a `webhook.test` event to the endpoint', { 202: webhookTestResponseSchema }),
      handle: async (request) => {
        const { projectId, endpointId } = ids(request);
        return { status: 202, body: await sendTestEvent(deps, projectId, endpointId, request.actor()) };
      },
    },
    {
      method: 'POST',
      path: `${ONE}/replay`,
      use: [jsonBody({ limit: '4kb' })],
      doc: doc(
        'Send one event again, or every failed delivery since a time',
        { 202: webhookReplayResponseSchema },
        { body: webhookReplayRequestSchema },
      ),
      handle: async (request) => {
        const { projectId, endpointId } = ids(request);
        return { status: 202, body: await replay(deps, projectId, endpointId, request.body, request.actor()) };
      },
    },
  ];
}

function logRoutes(deps: WebhookDeps): Route[] {
  return [
    {
      method: 'GET',
      path: `${ONE}/deliveries`,
      doc: doc(
        'List an endpoint’s deliveries, newest first',
        { 200: pageSchema(webhookDeliverySchema) },
        {
          query: webhookDeliveriesQuerySchema,
        },
      ),
      handle: async (request) => {
        const query = request.query();
        const filter = deliveryFilter(query);
        const found = await pageDeliveries(deps, ids(request), filter, pageRequest(query), request.actor());
        return { body: pageReply(found, deliveryView) };
      },
    },
    {
      method: 'GET',
      path: `${ONE}/deliveries/:deliveryId`,
      doc: doc('Read one delivery with every attempt', { 200: webhookDeliveryDetailSchema }),
      handle: async (request) => ({
        body: await getDelivery(deps, { ...ids(request), deliveryId: request.params.deliveryId! }, request.actor()),
      }),
    },
    {
      method: 'GET',
      path: `${ONE}/stats`,
      doc: doc('An endpoint’s success rate, last success and deliveries by event type', { 200: webhookStatsSchema }),
      handle: async (request) => ({
        body: await endpointStats(deps, ids(request), request.query().since, request.actor()),
      }),
    },
  ];
}
