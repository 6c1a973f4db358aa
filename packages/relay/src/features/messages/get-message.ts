import { optionsView } from './message-options.js';
import type { MessageResponse } from '@messagejs/shared-types';
import type { Store } from '../../store/types.js';
import { AppError } from '../../domain/app-error.js';
import { maskAddress, maskText } from '../../domain/mask.js';
import type { KeyPrincipal } from '../../domain/principal.js';
import { seesFullNumbers } from './history.js';
import { messageTimeline } from './timeline.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * A message's current status. A public key reads only messages it created, with the recipient
 * masked (in the provider's error text too); a secret key, and a member or admin token naming the
 * project (`view_history`), reads any message of its project with its attempts and timeline —
 * masked as the history masks it for members who read masked numbers (`seesFullNumbers`).
 * Anything else is a 404, so ids of other projects are not confirmed to exist.
 */
export async function getMessage(
  store: Store,
  caller: KeyPrincipal,
  id: string,
  now: number,
): Promise<MessageResponse> {
  const message = /^msg_[0-9A-Za-z]{29}$/.test(id) ? await store.messages.get(id) : null;
  const visible =
    message &&
    message.projectId === caller.project.id &&
    (caller.key.kind === 'secret' || message.keyId === caller.key.id);
  if (!message || !visible) throw new AppError('message_not_found', 'No such message for this key.', { field: 'id' });
  const isPublic = caller.key.kind === 'public';
  const full = seesFullNumbers(caller);
  const response: MessageResponse = {
    id: message.id,
    // A waiting message whose outbox row is leased is in a worker's hands.
    status:
      (message.status === 'queued' || message.status === 'scheduled') &&
      message.leaseUntil !== null &&
      message.leaseUntil > now
        ? 'sending'
        : message.status,
    channel: message.channel,
    to: full ? message.to : maskAddress(message.to),
    template: message.template,
    templateVersion: message.templateVersion ?? null,
    segments: message.segments,
    encoding: message.encoding,
    cost: message.costEur === null || message.costMad === null ? null : { eur: message.costEur, mad: message.costMad },
    providerMessageId: isPublic ? null : message.providerMessageId,
    errorCode: message.errorCode,
    // Provider error text quotes recipients (`The 'To' number +2126… is not valid`).
    errorMessage: full || message.errorMessage === null ? message.errorMessage : maskText(message.errorMessage),
    createdAt: iso(message.createdAt)!,
    updatedAt: iso(message.updatedAt)!,
    sentAt: iso(message.sentAt),
    deliveredAt: iso(message.deliveredAt),
    ...optionsView(message),
  };
  if (!isPublic) {
    const [attempts, events] = await Promise.all([
      store.messages.attempts(message.id),
      store.messageEvents.list(message.id),
    ]);
    response.attempts = attempts.map((a) => ({
      channel: a.channel,
      connector: a.connectorType,
      providerMessageId: a.providerMessageId,
      status: a.status,
      errorCode: a.errorCode,
      at: iso(a.at)!,
    }));
    response.events = messageTimeline(message, attempts, events, full);
  }
  return response;
}
