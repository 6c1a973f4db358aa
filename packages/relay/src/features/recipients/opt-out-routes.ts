import {
  addOptOutRequestSchema,
  optOutAddressQuerySchema,
  optOutCheckSchema,
  optOutSchema,
  pageQuerySchema,
  pageSchema,
} from '@messagejs/shared-types';
import { jsonBody } from '../../http/platform/json-body.js';
import { pageReply, pageRequest } from '../../http/platform/pagination.js';
import type { Route, RouteRequest } from '../../http/platform/route.js';
import type { ProjectAdminDeps } from '../projects/route-deps.js';
import { addOptOut, checkOptOut, optOutView, pageOptOuts, removeOptOut } from './opt-outs.js';

const OPT_OUTS = '/v1/projects/:projectId/opt-outs';
const tag = 'Opt-outs';
const one = (request: RouteRequest) => ({
  projectId: request.params.projectId!,
  address: request.params.address!,
  ...(request.query().channel !== undefined && { channel: request.query().channel }),
});

/** A project's opt-outs: read with `manage_contacts` or `view_history`, changed with `manage_contacts`. */
export function optOutRoutes(deps: Pick<ProjectAdminDeps, 'store' | 'now'>): Route[] {
  const { store, now } = deps;
  return [
    {
      method: 'GET',
      path: OPT_OUTS,
      doc: {
        summary: 'List the recipients that opted out, newest first',
        tag,
        auth: 'admin',
        permission: 'view_history',
        query: pageQuerySchema,
        responses: { 200: pageSchema(optOutSchema) },
      },
      async handle(request) {
        const page = pageRequest(request.query());
        const found = await pageOptOuts(store, request.params.projectId!, page, request.adminPrincipal());
        return { body: pageReply(found, optOutView) };
      },
    },
    {
      method: 'POST',
      path: OPT_OUTS,
      use: [jsonBody({ limit: '16kb' })],
      doc: {
        summary: 'Stop sending to a recipient (201; 200 when it had already opted out)',
        tag,
        auth: 'admin',
        permission: 'manage_contacts',
        body: addOptOutRequestSchema,
        responses: { 201: optOutSchema, 200: optOutSchema },
      },
      async handle(request) {
        const { optOut, created } = await addOptOut(
          store,
          request.params.projectId!,
          request.body,
          now(),
          request.actor(),
        );
        return { status: created ? 201 : 200, body: optOut };
      },
    },
    {
      method: 'GET',
      path: `${OPT_OUTS}/:address`,
      doc: {
        summary: 'Check whether one recipient opted out',
        tag,
        auth: 'admin',
        permission: 'view_history',
        query: optOutAddressQuerySchema,
        responses: { 200: optOutCheckSchema },
      },
      handle: async (request) => ({ body: await checkOptOut(store, one(request), request.adminPrincipal()) }),
    },
    {
      method: 'DELETE',
      path: `${OPT_OUTS}/:address`,
      doc: {
        summary: 'Accept sends to a recipient again',
        tag,
        auth: 'admin',
        permission: 'manage_contacts',
        query: optOutAddressQuerySchema,
        responses: { 204: null },
      },
      async handle(request) {
        await removeOptOut(store, one(request), now(), request.actor());
        return { status: 204 };
      },
    },
  ];
}
