import {
  headers,
  jwksResponseSchema,
  verifyCheckRequestSchema,
  verifyCheckResponseSchema,
  verifyStartRequestSchema,
  verifyStartResponseSchema,
} from '@messagejs/shared-types';
import type { Sealer } from '../../crypto/sealer.js';
import type { Store } from '../../store/types.js';
import { startVerification, type VerifyDeps } from './start-verification.js';
import { checkVerification } from './check-verification.js';
import { projectJwks } from './signing-keys.js';
import { answerOnce } from '../messages/idempotent-answer.js';
import { jsonBody } from '../../http/platform/json-body.js';
import { idempotencyKey } from '../../http/platform/idempotency.js';
import type { Route } from '../../http/platform/route.js';

/**
 * `POST /v1/verify/send` and `POST /v1/verify/check`, mounted behind the API's access step.
 * `issuer` names the relay in the tokens it signs: from its configuration, never from a request
 * (a Host header is the caller's to choose).
 */
export function verifyRoutes(deps: VerifyDeps & { issuer: () => string }): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/verify/send',
      use: [jsonBody(), idempotencyKey()],
      doc: {
        summary: 'Send a one-time code',
        tag: 'Verification',
        auth: 'key',
        body: verifyStartRequestSchema,
        responses: { 202: verifyStartResponseSchema },
      },
      async handle(request) {
        const caller = request.keyPrincipal();
        const { idempotency } = request.locals;
        const outcome = await answerOnce(deps, caller.key.id, idempotency, () =>
          startVerification(deps, caller, request.body, { ip: request.ip(), idempotency }),
        );
        return {
          status: outcome.status,
          body: outcome.body,
          ...(outcome.replayed && { headers: { [headers.idempotentReplayed]: 'true' } }),
        };
      },
    },
    {
      method: 'POST',
      path: '/v1/verify/check',
      use: [jsonBody(), idempotencyKey({ secret: deps.codeKey })],
      doc: {
        summary: 'Check a one-time code; a valid one answers a relay-signed token',
        tag: 'Verification',
        auth: 'key',
        body: verifyCheckRequestSchema,
        responses: { 200: verifyCheckResponseSchema },
      },
      async handle(request) {
        const caller = request.keyPrincipal();
        const { idempotency } = request.locals;
        const outcome = await answerOnce(deps, caller.key.id, idempotency, () =>
          checkVerification(deps, caller, request.body, { ip: request.ip(), idempotency, issuer: deps.issuer() }),
        );
        return {
          status: outcome.status,
          body: outcome.body,
          // The answer may carry a token: no cache may keep it.
          headers: { 'Cache-Control': 'no-store', ...(outcome.replayed && { [headers.idempotentReplayed]: 'true' }) },
        };
      },
    },
  ];
}

/**
 * `GET /v1/projects/:projectId/jwks.json`: the public keys that verify the project's tokens
 * (current and previous). Public — no key — and cacheable by anyone, from any origin.
 */
export function jwksRoutes(deps: { store: Store; sealer: Sealer; now: () => number }): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/projects/:projectId/jwks.json',
      doc: {
        summary: 'The public keys that verify a project’s verification tokens',
        tag: 'Verification',
        auth: 'public',
        responses: { 200: jwksResponseSchema },
      },
      async handle(request) {
        return {
          body: await projectJwks(deps.store, deps.sealer, request.params.projectId ?? '', deps.now()),
          headers: { 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'public, max-age=300' },
        };
      },
    },
  ];
}
