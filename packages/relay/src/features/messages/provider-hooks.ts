import type { Logger } from 'pino';
import type { Store } from '../../store/types.js';
import type { WebhookRequest } from '../../providers/types.js';
import type { ConnectorPool } from '../connectors/connector-pool.js';
import { AppError } from '../../domain/app-error.js';
import type { MessageMetrics } from '../../metrics/relay-metrics.js';
import { receiveInbound } from '../inbound/receive-inbound.js';
import { applyStatusUpdates } from './delivery-status.js';

export interface ProviderHookDeps {
  store: Store;
  pool: ConnectorPool;
  now: () => number;
  logger: Logger;
  /** Counts the deliveries and failures the callbacks report. */
  metrics?: Pick<MessageMetrics, 'delivered' | 'failed'>;
  /** Wakes the worker after an inbound message's answer was stored as an outbound message. */
  onEnqueued?: () => void;
  /** Wakes this process's webhook dispatcher after an inbound message raised `inbound.received`. */
  onInboundEvent?: () => void;
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

/** How a provider wants its webhook answered when it is not the relay's `{ received: true }` (Twilio's TwiML). */
export interface HookAnswer {
  contentType: string;
  body: string;
}

/**
 * A provider's webhook: status callbacks and inbound messages alike (one URL per connector). The
 * signature is checked against the raw body before anything is read; a bad or missing one is
 * refused and changes nothing. Then the statuses it reports are applied, and the messages it
 * carries are stored (`inbound/receive-inbound.ts`). Answers the provider's own reply format
 * (TwiML) when the webhook carried messages and the connector answers that way; else null.
 */
export async function receiveProviderWebhook(
  deps: ProviderHookDeps,
  connectorId: string,
  hook: WebhookRequest,
  arrived: { receivedAt: number; startedAt: number } = { receivedAt: deps.now(), startedAt: performance.now() },
): Promise<HookAnswer | null> {
  const { record, connector, credentials } = await loadConnector(deps, connectorId);
  if (!connector.verifyWebhook || (!connector.parseStatus && !connector.parseInbound))
    throw new AppError('not_found', 'This connector takes no webhooks.');
  if (!connector.verifyWebhook(hook, credentials)) {
    deps.logger.warn({ connectorId }, 'webhook with a bad or missing signature refused');
    throw new AppError('invalid_signature', 'The webhook signature is missing or wrong.');
  }
  if (connector.parseStatus) await applyStatuses(deps, record.type, connectorId, connector.parseStatus(hook));
  const messages = connector.parseInbound?.(hook) ?? [];
  if (messages.length === 0) return null;
  const inline = connector.replyToInbound !== undefined;
  const inbound = { ...deps, onEvent: deps.onInboundEvent };
  const replies: string[] = [];
  for (const message of messages) {
    const received = await receiveInbound(inbound, { connector: record, answersInline: inline, ...arrived }, message);
    if (received.inlineReply !== null) replies.push(received.inlineReply);
  }
  return connector.replyToInbound?.(replies) ?? null;
}

async function applyStatuses(
  deps: ProviderHookDeps,
  type: string,
  connectorId: string,
  updates: Parameters<typeof applyStatusUpdates>[2],
): Promise<void> {
  if (updates.length === 0) return;
  const { metrics } = deps;
  const applied = await applyStatusUpdates(
    deps.store,
    connectorId,
    updates,
    deps.now(),
    metrics &&
      ((message, status) => {
        if (status === 'delivered') metrics.delivered(message.channel, type);
        else if (status === 'failed' || status === 'undelivered') metrics.failed(message.channel, type);
      }),
  );
  deps.logger.info({ connectorId, applied }, 'provider status webhook');
}
