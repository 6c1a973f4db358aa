import type { Channel } from '@messagejs/shared-types';
import type { Message } from '../store/types.js';
import { newMessageId } from '../crypto/tokens.js';
import { isPhoneChannel, type Recipient } from './recipients.js';
import { countSegments } from './segments.js';
import { defaultPriceTable, estimateCost } from './pricing.js';
import type { Caller } from './send-message.js';

/**
 * A new message, status `queued`, ready for the outbox (DESIGN step 8): segments and encoding
 * for phone channels, and the estimated cost of an SMS.
 */
export function queuedMessage(input: {
  caller: Caller;
  channel: Channel;
  recipient: Recipient;
  template: string | null;
  subject: string | null;
  body: string;
  html: string | null;
  cascade?: Channel[];
  fallbackAfterMs?: number | null;
  sensitive?: boolean;
  now: number;
}): Message {
  const { caller, channel, recipient, body, now } = input;
  const seg = isPhoneChannel(channel) ? countSegments(body) : null;
  const cost = seg ? estimateCost(caller.project.prices ?? defaultPriceTable, { channel, country: recipient.country, segments: seg.segments }) : null;
  return {
    id: newMessageId(now),
    projectId: caller.project.id,
    keyId: caller.key.id,
    channel,
    to: recipient.address,
    country: recipient.country,
    operator: recipient.operator,
    template: input.template,
    subject: input.subject,
    body,
    html: input.html,
    status: 'queued',
    segments: seg?.segments ?? null,
    encoding: seg?.encoding ?? null,
    costEur: cost?.eur ?? null,
    costMad: cost?.mad ?? null,
    cascade: input.cascade ?? [],
    sensitive: input.sensitive ?? false,
    fallbackAfterMs: input.fallbackAfterMs ?? null,
    providerMessageId: null,
    connectorId: null,
    errorCode: null,
    errorMessage: null,
    createdAt: now,
    updatedAt: now,
    scheduledAt: null,
    sentAt: null,
    deliveredAt: null,
  };
}
