import type { Express, RequestHandler } from 'express';
import { headers } from '@messagejs/shared-types';
import type { Store } from '../../store/types.js';
import { sendMessage, type SendDeps } from '../../core/send-message.js';
import { getMessage } from '../../core/get-message.js';
import { callerOf, localsOf } from '../locals.js';
import { jsonBody } from '../json-body.js';
import { idempotencyKey } from '../idempotency.js';
import { sendJson } from '../send-json.js';

/**
 * `POST /v1/messages` and `GET /v1/messages/:id`, behind `access` (key, origin, request limits).
 * Mounted on the app itself rather than through nested routers: they are the relay's hot path.
 */
export function mountMessages(app: Express, access: RequestHandler, deps: SendDeps & { store: Store }): void {
  app.post('/v1/messages', access, jsonBody(), idempotencyKey(), async (req, res) => {
    const outcome = await sendMessage(deps, callerOf(res), req.body, localsOf(res).idempotency);
    if (outcome.replayed) res.setHeader(headers.idempotentReplayed, 'true');
    sendJson(res, outcome.status, outcome.body);
  });
  app.get('/v1/messages/:id', access, async (req, res) => {
    sendJson(res, 200, await getMessage(deps.store, callerOf(res), req.params.id as string, deps.now()));
  });
}
