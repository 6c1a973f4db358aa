import type { StatusUpdate } from '../../providers/types.js';
import type { Message, Store } from '../../store/types.js';

/**
 * Pipeline step 11 (docs/architecture.md): applies provider-reported statuses. Each update finds its message by the
 * provider's id on that connector; a status that would move a message backwards (callbacks
 * arrive out of order) is ignored by the store. Every update that found its message, applied or
 * ignored, is recorded in the message's timeline by the same write. Returns how many changed a
 * message; `onApplied` hears of each (the relay's metrics).
 */
export async function applyStatusUpdates(
  store: Store,
  connectorId: string,
  updates: StatusUpdate[],
  now: number,
  onApplied?: (message: Message, status: StatusUpdate['status']) => void,
): Promise<number> {
  let applied = 0;
  for (const update of updates) {
    const message = await store.messages.getByProviderId(connectorId, update.providerMessageId);
    if (!message) continue;
    const changed = await store.status.applyProviderStatus({
      messageId: message.id,
      status: update.status,
      errorCode: update.errorCode ?? null,
      at: update.at ?? now,
      callback: {
        connectorId,
        providerMessageId: update.providerMessageId,
        providerStatus: update.providerStatus ?? null,
        receivedAt: now,
        reportedAt: update.at ?? null,
      },
    });
    if (changed) {
      applied++;
      onApplied?.(message, update.status);
    }
    // A failure report ends the wait of a pending fallback: the next channel is tried now.
    if (changed && (update.status === 'failed' || update.status === 'undelivered'))
      await store.outbox.expedite(message.id, now);
    if (changed && update.status === 'undelivered' && update.errorCode === '21610') {
      // Twilio 21610: the recipient replied STOP; later sends to them are refused up front.
      await store.optOuts.add(message.projectId, message.to, now);
    }
  }
  return applied;
}
