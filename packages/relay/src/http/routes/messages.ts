import { Router } from 'express';
import { headers } from '@messagejs/shared-types';
import type { Store } from '../../store/types.js';
import { sendMessage, type SendDeps } from '../../core/send-message.js';
import { getMessage } from '../../core/get-message.js';
import { callerOf, localsOf } from '../locals.js';
import { jsonBody } from '../json-body.js';
import { idempotencyKey } from '../idempotency.js';

/** `POST /v1/messages` and `GET /v1/messages/:id` (auth, origin and limits run before). */
export function messagesRouter(deps: SendDeps & { store: Store }): Router {
  const router = Router();
  router.post('/', jsonBody(), idempotencyKey(), async (req, res) => {
    const outcome = await sendMessage(deps, callerOf(res), req.body, localsOf(res).idempotency);
    if (outcome.replayed) res.setHeader(headers.idempotentReplayed, 'true');
    res.status(outcome.status).json(outcome.body);
  });
  router.get('/:id', async (req, res) => {
    res.json(await getMessage(deps.store, callerOf(res), req.params.id));
  });
  return router;
}
