import type { MessageResponse, MessageStatus } from '@messagejs/shared-types';
import type { Store } from '../../store/types.js';
import { AppError } from '../../domain/app-error.js';
import type { KeyPrincipal } from '../../domain/principal.js';
import { getMessage } from './get-message.js';

/**
 * `POST /v1/messages/:id/cancel`: a message still waiting to be sent (queued, scheduled, or
 * waiting for a retry) is canceled and never sent; the answer is the message as
 * `GET /v1/messages/:id` shows it. A secret key (or a member or admin token with `send_messages`
 * naming the project) cancels any message of its project; a public key, which a page holds, none.
 * A message being sent, sent, or past sending is `409 message_not_cancelable` with its status;
 * another project's, or none, `404`.
 */
export async function cancelMessage(
  deps: { store: Store; now: () => number },
  caller: KeyPrincipal,
  id: string,
): Promise<MessageResponse> {
  if (caller.key.kind !== 'secret') {
    throw new AppError('forbidden', 'Canceling a message takes a secret key (a public key lives in web pages).');
  }
  // The same lookup as a read: another project's message is not confirmed to exist.
  const before = await getMessage(deps.store, caller, id, deps.now());
  await cancelWaiting(deps.store, id, before.status, deps.now());
  return getMessage(deps.store, caller, id, deps.now());
}

/**
 * Cancels message `id` (read with status `status`) if it is still waiting to be sent, else throws
 * `409 message_not_cancelable` with its status (`sending` when a worker took it since): the
 * API's and the CLI's (`messages cancel`) one rule.
 */
export async function cancelWaiting(store: Store, id: string, status: string, now: number): Promise<void> {
  if (await store.messages.cancel(id, now)) return;
  const messageStatus = (status === 'queued' || status === 'scheduled' ? 'sending' : status) as MessageStatus;
  throw new AppError(
    'message_not_cancelable',
    `The message is ${messageStatus}: only a message waiting to be sent can be canceled.`,
    { field: 'id', detail: { messageStatus } },
  );
}
