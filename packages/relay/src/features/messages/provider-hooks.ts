import type { Logger } from 'pino';
import type { Store } from '../../store/types.js';
import type { WebhookRequest } from '../../providers/types.js';
import type { ConnectorPool } from '../connectors/connector-pool.js';
import { AppError } from '../../domain/app-error.js';
import type { MessageMetrics } from '../../metrics/relay-metrics.js';
import { applyStatusUpdates } from './delivery-status.js';

export interface ProviderHookDeps {
  store: Store;
  pool: ConnectorPool;
  now: () => number;
  logger: Logger;
  /** Counts the deliveries and failures the callbacks report. */
  metrics?: Pick<MessageMetrics, 'delivered' | 'failed'>;
}

/** The connector a webhook names, with its provider code and credentials; unknown ids are a 404. */
async function loadConnector(deps: ProviderHookDeps, connectorId: string) {
  const record = /^con_[0-9A-Za-z]{22}$/.test(connectorId) ? await deps.store.connectors.get(connectorId) : null;
  if (!record) throw new AppError('connector_not_found', 'No such connector.');
  const { connector, credentials } = deps.pool.get(record);
  return { record, connector, credentials: credentials() };
}

/** A subscription handshake (WhatsApp's `hub.challenge`): the text to answer, or `invalid_signature`. */
export async function answerHandshake(deps: ProviderHookDeps, connectorId: string, hook: WebhookRequest) {
  const { connector, credentials } = await loadConnector(deps, connectorId);
  const answer = connector.handshake?.(hook, credentials) ?? null;
  if (answer === null) throw new AppError('invalid_signature', 'Handshake refused.');
  return answer;
}

/**
 * A provider's status callback. The signature is checked against the raw body before anything
 * is read; a bad or missing one is refused and changes nothing.
 */
export async function receiveStatusWebhook(deps: ProviderHookDeps, connectorId: string, hook: WebhookRequest) {
  const { record, connector, credentials } = await loadConnector(deps, connectorId);
  if (!connector.verifyWebhook || !connector.parseStatus)
    throw new AppError('not_found', 'This connector takes no webhooks.');
  if (!connector.verifyWebhook(hook, credentials)) {
    deps.logger.warn({ connectorId }, 'webhook with a bad or missing signature refused');
    throw new AppError('invalid_signature', 'The webhook signature is missing or wrong.');
  }
  const { metrics } = deps;
  const applied = await applyStatusUpdates(
    deps.store,
    connectorId,
    connector.parseStatus(hook),
    deps.now(),
    metrics &&
      ((message, status) => {
        if (status === 'delivered') metrics.delivered(message.channel, record.type);
        else if (status === 'failed' || status === 'undelivered') metrics.failed(message.channel, record.type);
      }),
  );
  deps.logger.info({ connectorId, applied }, 'provider status webhook');
}
