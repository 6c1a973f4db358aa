import type { Express } from 'express';
import { headers } from '@messagejs/shared-types';
import type { Store } from '../../store/types.js';
import { sendMessage, type SendDeps } from './send-message.js';
import { getMessage } from './get-message.js';
import { principalOf, localsOf } from '../../http/platform/locals.js';
import { jsonBody } from '../../http/platform/json-body.js';
import { idempotencyKey } from '../../http/platform/idempotency.js';
import { sendJson } from '../../http/platform/send-json.js';
import type { Handler } from '../../http/platform/handler.js';
import type { HotRoutes } from '../../http/platform/hot-routes.js';

/**
 * `POST /v1/messages` and `GET /v1/messages/:id`, behind `access` (key, origin, request limits).
 * They are the relay's hot path: each is a hot route (`hot-routes.ts`) and, for the requests
 * that are not an exact match, the same chain on the Express app.
 */
export function mountMessages(app: Express, hot: HotRoutes, access: Handler, deps: SendDeps & { store: Store }): void {
  const send: Handler[] = [
    access,
    jsonBody(),
    idempotencyKey(),
    async (req, res) => {
      const locals = localsOf(res);
      const outcome = await sendMessage(deps, principalOf(res), req.body, locals.idempotency, locals.clientIp);
      if (outcome.replayed) res.setHeader(headers.idempotentReplayed, 'true');
      sendJson(res, outcome.status, outcome.body);
    },
  ];
  const read: Handler[] = [
    access,
    async (req, res) => {
      sendJson(res, 200, await getMessage(deps.store, principalOf(res), req.params.id!, deps.now()));
    },
  ];
  app.post('/v1/messages', ...send);
  hot.add('POST', '/v1/messages', send);
  app.get('/v1/messages/:id', ...read);
  hot.add('GET', '/v1/messages/:id', read);
}
