import {
  connectorSchema,
  connectorTestResponseSchema,
  connectorTypesResponseSchema,
  createConnectorRequestSchema,
  pageQuerySchema,
  pageSchema,
  replaceCredentialsRequestSchema,
  updateConnectorRequestSchema,
} from '@messagejs/shared-types';
import { jsonBody } from '../../http/platform/json-body.js';
import { pageReply, pageRequest } from '../../http/platform/pagination.js';
import type { Route, RouteDoc, RouteRequest } from '../../http/platform/route.js';
import type { ProjectAdminDeps } from '../projects/route-deps.js';
import { connectorView, createConnector, pageConnectors, testConnector } from './admin-connectors.js';
import { deleteConnector, getConnector, replaceCredentials, updateConnector } from './update-connectors.js';
import { listConnectorTypes } from './connector-types.js';

const CONNECTORS = '/v1/projects/:projectId/connectors';
const ONE = `${CONNECTORS}/:connectorId`;
const tag = 'Connectors';
const body = [jsonBody({ limit: '64kb' })];
const ids = (request: RouteRequest) => ({
  projectId: request.params.projectId!,
  connectorId: request.params.connectorId!,
});
const doc = (summary: string, responses: RouteDoc['responses'], extra: Partial<RouteDoc> = {}): RouteDoc => ({
  summary,
  tag,
  auth: 'admin',
  permission: 'manage_connectors',
  responses,
  ...extra,
});

/** `GET /v1/connector-types` (any member) and a project's connectors (`manage_connectors`). */
export function connectorRoutes(deps: ProjectAdminDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/connector-types',
      doc: {
        summary: 'Every connector type: its channels, settings and credentials (secrets marked), with their help',
        tag,
        auth: 'admin',
        responses: { 200: connectorTypesResponseSchema },
      },
      handle: (request) => {
        request.adminPrincipal();
        return { body: { data: listConnectorTypes() } };
      },
    },
    ...collectionRoutes(deps),
    ...itemRoutes(deps),
  ];
}

function collectionRoutes(deps: ProjectAdminDeps): Route[] {
  const { store, sealer, now } = deps;
  return [
    {
      method: 'GET',
      path: CONNECTORS,
      doc: doc(
        'List a project’s connectors (credentials never shown)',
        { 200: pageSchema(connectorSchema) },
        {
          query: pageQuerySchema,
        },
      ),
      async handle(request) {
        const page = pageRequest(request.query());
        const found = await pageConnectors(store, request.params.projectId!, page, request.adminPrincipal());
        return { body: pageReply(found, connectorView) };
      },
    },
    {
      method: 'POST',
      path: CONNECTORS,
      use: body,
      doc: doc(
        'Connect a provider (credentials are write-only)',
        { 201: connectorSchema },
        {
          body: createConnectorRequestSchema,
        },
      ),
      async handle(request) {
        const projectId = request.params.projectId!;
        const record = await createConnector(store, sealer, projectId, request.body, now(), request.actor());
        return { status: 201, body: connectorView(record) };
      },
    },
  ];
}

function itemRoutes(deps: ProjectAdminDeps): Route[] {
  const { store, sealer, now } = deps;
  return [
    {
      method: 'GET',
      path: ONE,
      doc: doc('Read a connector (credentials never shown)', { 200: connectorSchema }),
      handle: async (request) => ({ body: await getConnector(store, ids(request), request.adminPrincipal()) }),
    },
    {
      method: 'PATCH',
      path: ONE,
      use: body,
      doc: doc(
        'Change a connector’s name, channels, settings, priority, or enable/disable it',
        { 200: connectorSchema },
        {
          body: updateConnectorRequestSchema,
        },
      ),
      handle: async (request) => ({
        body: await updateConnector(store, ids(request), request.body, now(), request.actor()),
      }),
    },
    {
      method: 'PUT',
      path: `${ONE}/credentials`,
      use: body,
      doc: doc(
        'Replace a connector’s credentials (write-only)',
        { 200: connectorSchema },
        {
          body: replaceCredentialsRequestSchema,
        },
      ),
      handle: async (request) => ({
        body: await replaceCredentials(store, sealer, ids(request), request.body, now(), request.actor()),
      }),
    },
    {
      method: 'DELETE',
      path: ONE,
      doc: doc('Delete a connector and its credentials', { 204: null }),
      async handle(request) {
        await deleteConnector(store, ids(request), now(), request.actor());
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      path: `${ONE}/test`,
      doc: doc('Call the provider with the stored credentials (a webhook receiver gets a signed test request)', {
        200: connectorTestResponseSchema,
      }),
      handle: async (request) => ({
        body: await testConnector(store, sealer, ids(request), deps.connectorBaseUrls, request.adminPrincipal()),
      }),
    },
  ];
}
