import type { Channel, MessageEvent, MessageStatus, MessageSummary } from '@messagejs/shared-types';
import type { Store } from '../../store/types.js';
import { AppError } from '../../domain/app-error.js';
import { messageSummary } from './history.js';
import { messageTimeline } from './timeline.js';

/** One delivery attempt of a message, as `messages show` prints it. */
export interface AttemptView {
  at: string;
  channel: Channel;
  /** The connector that made the attempt (`con_…`) and its type (`twilio`, `console`…). */
  connector: string;
  type: string;
  status: MessageStatus;
  providerMessageId: string | null;
  errorCode: string | null;
}

/** A message in full for the relay's operator: the history's view of it, with its attempts and its timeline. */
export interface MessageDetail extends MessageSummary {
  attempts: AttemptView[];
  events: MessageEvent[];
}

/**
 * Any message of the relay by id, with full numbers, every delivery attempt and its timeline (as
 * `GET /v1/messages/:id` answers owners), oldest first: the
 * CLI's `messages show` (its operator holds the database and the master key, so nothing is hidden
 * from them but the text of a message holding a secret, which the history never shows).
 * `message_not_found` for an id that is not a message id or names no message.
 */
export async function messageDetail(store: Store, id: string): Promise<MessageDetail> {
  const message = /^msg_[0-9A-Za-z]{29}$/.test(id) ? await store.messages.get(id) : null;
  if (!message) throw new AppError('message_not_found', `No message ${id.slice(0, 100)}.`, { field: 'id' });
  const [records, stored] = await Promise.all([
    store.messages.attempts(message.id),
    store.messageEvents.list(message.id),
  ]);
  const attempts = records.map((a): AttemptView => ({
    at: new Date(a.at).toISOString(),
    channel: a.channel,
    connector: a.connectorId,
    type: a.connectorType,
    status: a.status,
    providerMessageId: a.providerMessageId,
    errorCode: a.errorCode,
  }));
  return { ...messageSummary(message, true), attempts, events: messageTimeline(message, records, stored, true) };
}
