import {
  apiKeySchema,
  createKeyRequestSchema,
  createKeyResponseSchema,
  pageQuerySchema,
  pageSchema,
  rotateKeyRequestSchema,
  rotateKeyResponseSchema,
  rotateSigningKeyResponseSchema,
  updateKeyRequestSchema,
} from '@messagejs/shared-types';
import { jsonBody, optionalJsonBody } from '../../http/platform/json-body.js';
import { pageReply, pageRequest } from '../../http/platform/pagination.js';
import type { Route, RouteRequest } from '../../http/platform/route.js';
import { rotateSigningKey } from '../verify/signing-keys.js';
import { createKeyFromRequest, getKey, pageKeys, revokeKey, rotateKey, updateKey } from './keys.js';
import type { ProjectAdminDeps } from './route-deps.js';
import { changing, projectIdOf } from './routes.js';
import { keyView } from './views.js';

const KEYS = '/v1/projects/:projectId/keys';
const tag = 'Keys';
/** A key in full is answered once: no cache may keep it. */
const noStore = { 'Cache-Control': 'no-store' };
const ids = (request: RouteRequest) => ({ projectId: projectIdOf(request), keyId: request.params.keyId! });

/** A project's keys (`manage_keys`), behind the admin access step. */
export function keyRoutes(deps: ProjectAdminDeps): Route[] {
  return [...keyCollectionRoutes(deps), ...keyItemRoutes(deps)];
}

function keyCollectionRoutes(deps: ProjectAdminDeps): Route[] {
  const { store, sealer, now } = deps;
  return [
    {
      method: 'GET',
      path: KEYS,
      doc: {
        summary: 'List a project’s keys (prefixes only), with their last-used times (precise to 30 s)',
        tag,
        auth: 'admin',
        permission: 'manage_keys',
        query: pageQuerySchema,
        responses: { 200: pageSchema(apiKeySchema) },
      },
      async handle(request) {
        const page = pageRequest(request.query());
        const found = await pageKeys(store, projectIdOf(request), page, request.adminPrincipal());
        const at = now();
        return { body: pageReply(found, (k) => keyView(k, at)) };
      },
    },
    {
      method: 'POST',
      path: KEYS,
      use: [jsonBody({ limit: '16kb' })],
      doc: {
        summary: 'Create a key: answered in full this once',
        tag,
        auth: 'admin',
        permission: 'manage_keys',
        body: createKeyRequestSchema,
        responses: { 201: createKeyResponseSchema },
      },
      handle: async (request) => ({
        status: 201,
        body: await createKeyFromRequest(store, projectIdOf(request), request.body, now(), request.actor()),
        headers: noStore,
      }),
    },
    {
      method: 'POST',
      path: '/v1/projects/:projectId/signing-keys/rotate',
      doc: {
        summary: 'Rotate the key that signs verification tokens (the JWKS keeps the previous one)',
        tag,
        auth: 'admin',
        permission: 'manage_keys',
        responses: { 200: rotateSigningKeyResponseSchema },
      },
      handle: async (request) => ({
        body: await rotateSigningKey(store, sealer, projectIdOf(request), now(), request.actor()),
      }),
    },
  ];
}

function keyItemRoutes(deps: ProjectAdminDeps): Route[] {
  const { store, now } = deps;
  const docOf = (summary: string, responses: Record<number, typeof apiKeySchema | null>) => ({
    summary,
    tag,
    auth: 'admin' as const,
    permission: 'manage_keys' as const,
    responses,
  });
  return [
    {
      method: 'GET',
      path: `${KEYS}/:keyId`,
      doc: docOf('Read a key (its prefix, never the key)', { 200: apiKeySchema }),
      handle: async (request) => ({
        body: await getKey(store, projectIdOf(request), request.params.keyId!, request.adminPrincipal(), now()),
      }),
    },
    {
      method: 'PATCH',
      path: `${KEYS}/:keyId`,
      use: [jsonBody({ limit: '16kb' })],
      doc: { ...docOf('Rename a key or set its own rate limit', { 200: apiKeySchema }), body: updateKeyRequestSchema },
      handle: async (request) => ({
        body: await changing(deps, updateKey(store, ids(request), request.body, now(), request.actor())),
      }),
    },
    {
      method: 'DELETE',
      path: `${KEYS}/:keyId`,
      doc: docOf('Revoke a key at once', { 200: apiKeySchema }),
      handle: async (request) => ({
        body: await changing(
          deps,
          revokeKey(store, projectIdOf(request), request.params.keyId!, now(), request.actor()),
        ),
      }),
    },
    {
      method: 'POST',
      path: `${KEYS}/:keyId/rotate`,
      use: [optionalJsonBody({ limit: '16kb' })],
      doc: {
        ...docOf('Replace a key: the new one answered once, the old one working for `graceSeconds`', {}),
        body: rotateKeyRequestSchema,
        responses: { 201: rotateKeyResponseSchema },
      },
      handle: async (request) => ({
        status: 201,
        body: await changing(deps, rotateKey(store, ids(request), request.body, now(), request.actor())),
        headers: noStore,
      }),
    },
  ];
}
