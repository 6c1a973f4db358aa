import { Router, type RequestHandler } from 'express';
import { headers } from '@messagejs/shared-types';
import type { Sealer } from '../../crypto/sealer.js';
import type { Store } from '../../store/types.js';
import { startVerification, type VerifyDeps } from './start-verification.js';
import { checkVerification } from './check-verification.js';
import { projectJwks } from './signing-keys.js';
import { principalOf, localsOf } from '../../http/platform/locals.js';
import { jsonBody } from '../../http/platform/json-body.js';
import { idempotencyKey } from '../../http/platform/idempotency.js';

/**
 * `POST /v1/verify/send` and `POST /v1/verify/check` (auth, origin and limits run before).
 * `issuer` names the relay in the tokens it signs: from its configuration, never from a request
 * (a Host header is the caller's to choose).
 */
export function verifyRouter(deps: VerifyDeps & { issuer: () => string }): Router {
  const router = Router();
  router.post('/send', jsonBody(), idempotencyKey(), async (req, res) => {
    const outcome = await startVerification(deps, principalOf(res), req.body, {
      ip: req.ip,
      idempotency: localsOf(res).idempotency,
    });
    if (outcome.replayed) res.setHeader(headers.idempotentReplayed, 'true');
    res.status(outcome.status).json(outcome.body);
  });
  router.post('/check', jsonBody(), idempotencyKey({ secret: deps.codeKey }), async (req, res) => {
    const outcome = await checkVerification(deps, principalOf(res), req.body, {
      ip: req.ip,
      idempotency: localsOf(res).idempotency,
      issuer: deps.issuer(),
    });
    if (outcome.replayed) res.setHeader(headers.idempotentReplayed, 'true');
    // The answer may carry a token: no cache may keep it.
    res.setHeader('Cache-Control', 'no-store');
    res.status(outcome.status).json(outcome.body);
  });
  return router;
}

/**
 * `GET /v1/projects/:projectId/jwks.json`: the public keys that verify the project's tokens
 * (current and previous). Public — no key — and cacheable by anyone, from any origin.
 */
export function jwksHandler(deps: { store: Store; sealer: Sealer; now: () => number }): RequestHandler {
  return async function jwksHandlerMiddleware(req, res) {
    const projectId = req.params.projectId;
    const jwks = await projectJwks(deps.store, deps.sealer, typeof projectId === 'string' ? projectId : '', deps.now());
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(jwks);
  };
}
