import type { Channel, MessageEvent } from '@messagejs/shared-types';
import type { Message, MessageAttemptRecord, MessageEventRecord } from '../../store/types.js';
import { maskText } from '../../domain/mask.js';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A message's timeline, oldest first: `accepted` (from the message row: nothing is written on the
 * send path), then its attempts (`message_attempts`) with the stored events (callbacks, retries,
 * failovers, fallbacks, failure) placed among them by `afterAttempts` — times cannot order an
 * attempt, the retry it caused and the next attempt when they share a millisecond — and by time
 * between two attempts. Connector types are those of the message's attempts. With `full` false
 * (public keys never get here; managers, senders and viewers do), provider text is masked like
 * the message's `errorMessage`: no full number or address.
 */
export function messageTimeline(
  message: Message,
  attempts: readonly MessageAttemptRecord[],
  stored: readonly MessageEventRecord[],
  full: boolean,
): MessageEvent[] {
  const connectorTypes = new Map(attempts.map((a) => [a.connectorId, a.connectorType]));
  const text = (value: string) => (full ? value : maskText(value));
  // Stable: events between the same two attempts keep the store's order (time, then as written).
  const events = [...stored].sort((a, b) => a.afterAttempts - b.afterAttempts);
  const steps: Array<{ channel: Channel | null; event: MessageEvent }> = [];
  let next = 0;
  for (let count = 0; count <= attempts.length; count++) {
    if (count > 0) steps.push({ channel: attempts[count - 1]!.channel, event: attemptEvent(attempts[count - 1]!) });
    // The last round takes every event left (none counts more attempts than the message has).
    while (next < events.length && (events[next]!.afterAttempts <= count || count === attempts.length)) {
      const e = events[next++]!;
      steps.push({ channel: e.channel, event: storedEvent(e, connectorTypes, text) });
    }
  }
  const accepted: MessageEvent = {
    type: 'accepted',
    at: iso(message.createdAt),
    // The channel it was accepted on: the first one anything happened on (a cascade moves the row's).
    channel: steps.find((s) => s.channel !== null)?.channel ?? message.channel,
    connector: null,
    connectorId: null,
    status: message.scheduledAt !== null ? 'scheduled' : 'queued',
    errorCode: null,
  };
  return [accepted, ...steps.map((s) => s.event)];
}

function attemptEvent(a: MessageAttemptRecord): MessageEvent {
  return {
    type: 'attempt',
    at: iso(a.at),
    channel: a.channel,
    connector: a.connectorType,
    connectorId: a.connectorId,
    status: a.status,
    errorCode: a.errorCode,
    providerMessageId: a.providerMessageId,
  };
}

function storedEvent(
  e: MessageEventRecord,
  connectorTypes: ReadonlyMap<string, string>,
  text: (value: string) => string,
): MessageEvent {
  const d = e.detail;
  return {
    type: e.type,
    at: iso(e.at),
    channel: e.channel,
    connector: e.connectorId === null ? null : (connectorTypes.get(e.connectorId) ?? null),
    connectorId: e.connectorId,
    status: e.status,
    errorCode: e.errorCode,
    ...(d.providerMessageId !== undefined && { providerMessageId: d.providerMessageId }),
    ...(d.providerStatus !== undefined && { providerStatus: text(d.providerStatus) }),
    ...(d.reportedAt !== undefined && { reportedAt: iso(d.reportedAt) }),
    ...(d.applied !== undefined && { applied: d.applied }),
    ...(d.to !== undefined && { to: d.to }),
    ...(d.toConnectorId !== undefined && { toConnectorId: d.toConnectorId }),
    ...(d.retryAt !== undefined && { retryAt: iso(d.retryAt) }),
    ...(d.providerCode !== undefined && { providerCode: d.providerCode }),
    ...(d.errorMessage !== undefined && { errorMessage: text(d.errorMessage) }),
  };
}
