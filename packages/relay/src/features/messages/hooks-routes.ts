import express, { Router, type Request } from 'express';
import type { Logger } from 'pino';
import type { Store } from '../../store/types.js';
import type { WebhookRequest } from '../../providers/types.js';
import type { ConnectorPool } from '../connectors/connector-pool.js';
import { AppError } from '../../domain/app-error.js';
import { applyStatusUpdates } from './delivery-status.js';

/**
 * Provider webhooks: `/v1/hooks/:connectorId` (and `/status`). The signature is checked against
 * the raw body before anything is read; a bad or missing one is a 403 and changes nothing.
 * `GET` answers subscription handshakes (WhatsApp `hub.challenge`).
 */
export function hooksRouter(deps: {
  store: Store;
  pool: ConnectorPool;
  publicUrl: string | null;
  now: () => number;
  logger: Logger;
}): Router {
  const router = Router();
  const raw = express.raw({ type: () => true, limit: '1mb' });

  async function load(req: Request): Promise<{
    hook: WebhookRequest;
    connector: ReturnType<ConnectorPool['get']>['connector'];
    credentials: unknown;
    connectorId: string;
  }> {
    const connectorId = String(req.params.connectorId);
    const record = /^con_[0-9A-Za-z]{22}$/.test(connectorId) ? await deps.store.connectors.get(connectorId) : null;
    if (!record) throw new AppError('connector_not_found', 'No such connector.');
    const { connector, credentials } = deps.pool.get(record);
    // Providers sign the URL they were given, which is the public one when the relay is behind a proxy.
    const base = deps.publicUrl ?? `${req.protocol}://${req.get('host')}`;
    const hook: WebhookRequest = {
      method: req.method,
      url: `${base}${req.originalUrl}`,
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]),
      ),
      query: Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, String(v)])),
      rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    };
    return { hook, connector, credentials: credentials(), connectorId };
  }

  router.get(['/:connectorId', '/:connectorId/status'], async (req, res) => {
    const { hook, connector, credentials } = await load(req);
    const answer = connector.handshake?.(hook, credentials) ?? null;
    if (answer === null) throw new AppError('invalid_signature', 'Handshake refused.');
    res.type('text/plain').send(answer);
  });

  router.post(['/:connectorId', '/:connectorId/status'], raw, async (req, res) => {
    const { hook, connector, credentials, connectorId } = await load(req);
    if (!connector.verifyWebhook || !connector.parseStatus)
      throw new AppError('not_found', 'This connector takes no webhooks.');
    if (!connector.verifyWebhook(hook, credentials)) {
      deps.logger.warn({ connectorId }, 'webhook with a bad or missing signature refused');
      throw new AppError('invalid_signature', 'The webhook signature is missing or wrong.');
    }
    const applied = await applyStatusUpdates(deps.store, connectorId, connector.parseStatus(hook), deps.now());
    deps.logger.info({ connectorId, applied }, 'provider status webhook');
    res.status(200).json({ received: true });
  });
  return router;
}
