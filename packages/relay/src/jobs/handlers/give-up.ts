import type { Logger } from 'pino';
import type { ClaimedJob, MessageAttemptRecord, Store } from '../../store/types.js';
import { maskText } from '../../domain/mask.js';
import type { GiveUp } from '../delivery-policy.js';
import type { MessageMetrics, WorkerMetrics } from '../../metrics/relay-metrics.js';

/** What the delivery handlers write to, log with and count in. */
export interface DeliveryDeps {
  store: Store;
  now: () => number;
  log: Logger;
  /** Messages sent, delivered and failed, and provider calls (`noMetrics` when metrics are off). */
  metrics: { messages: MessageMetrics; worker: WorkerMetrics };
}

/**
 * Ends the message's tries on its channel as the policy decided: cascades to the next channel
 * (attempts start again there), or fails the message with `code`. `attempt` is the attempt that
 * ended it, when one reached a provider, and `providerCode` the provider's own code for it. The
 * message's timeline gets a `fallback` or `failed` event saying why, in the same write.
 */
export async function giveUp(
  deps: DeliveryDeps,
  job: ClaimedJob,
  decision: GiveUp,
  attempt: MessageAttemptRecord | null,
  code: string,
  text: string,
  providerCode: string | null = null,
): Promise<void> {
  const { store, log } = deps;
  const { message } = job;
  const at = deps.now();
  const event = {
    channel: message.channel,
    connectorId: attempt?.connectorId ?? null,
    errorCode: code,
    detail: { ...(providerCode !== null && { providerCode }), errorMessage: text },
  };
  if (decision.action === 'cascade') {
    await store.outbox.retry(job, {
      attempt,
      dueAt: at,
      errorCode: code,
      errorMessage: text,
      at,
      resetAttempts: true,
      channel: decision.to,
      cascade: decision.rest,
      event: { ...event, type: 'fallback', status: null, detail: { to: decision.to, ...event.detail } },
    });
    log.info(
      { messageId: message.id, from: message.channel, to: decision.to, code, error: maskText(text) },
      'cascading to the next channel',
    );
    return;
  }
  await store.outbox.fail(job, {
    attempt,
    errorCode: code,
    errorMessage: text,
    at,
    event: { ...event, type: 'failed', status: 'failed' },
  });
  deps.metrics.messages.failed(message.channel, attempt?.connectorType ?? 'none');
  log.warn({ messageId: message.id, code, error: maskText(text) }, 'message failed');
}
