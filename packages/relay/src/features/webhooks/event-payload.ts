import { isoTime } from '../../domain/iso-time.js';
import type { EventRecord } from '../../store/types.js';

/**
 * The public form of a stored event, `{ id, type, createdAt, data }`: what a webhook's body holds
 * and what the live stream sends. The stored snapshot (store/event-schema.ts) keeps the database's
 * values; this names them for the API and writes times in ISO 8601. It depends on nothing but the
 * event, so every attempt and every replay of one sends the same bytes.
 */
export function eventPayload(event: Pick<EventRecord, 'id' | 'type' | 'createdAt' | 'data'>): string {
  const raw = JSON.parse(event.data) as Record<string, unknown>;
  return JSON.stringify({
    id: event.id,
    type: event.type,
    createdAt: isoTime(event.createdAt),
    data: publicData(event.type, raw),
  });
}

const time = (v: unknown): string | null => (typeof v === 'number' ? isoTime(v) : null);

function publicData(type: string, raw: Record<string, unknown>): Record<string, unknown> {
  if (type.startsWith('message.')) return messageData(raw);
  if (type.startsWith('verify.')) return verifyData(raw);
  if (type.startsWith('opt_out.')) {
    return { address: raw.address, source: raw.source, reason: raw.reason ?? null, createdAt: time(raw.createdAt) };
  }
  if (type.startsWith('inbound.')) return inboundData(raw);
  // webhook.test, endpoint.disabled: written by the relay in their public form.
  return raw;
}

function messageData(raw: Record<string, unknown>): Record<string, unknown> {
  const cost =
    typeof raw.costEur === 'number' || typeof raw.costMad === 'number'
      ? { eur: raw.costEur ?? null, mad: raw.costMad ?? null }
      : null;
  return {
    messageId: raw.id,
    status: raw.status,
    channel: raw.channel,
    ...(raw.fromChannel !== undefined && { fromChannel: raw.fromChannel }),
    to: raw.to,
    country: raw.country ?? null,
    template: raw.template ?? null,
    keyId: raw.keyId,
    connectorId: raw.connectorId ?? null,
    providerMessageId: raw.providerMessageId ?? null,
    error: raw.errorCode ? { code: raw.errorCode, message: raw.errorMessage ?? null } : null,
    segments: raw.segments ?? null,
    cost,
    reference: raw.reference ?? null,
    metadata: raw.metadata ?? null,
    createdAt: time(raw.createdAt),
    sentAt: time(raw.sentAt),
    deliveredAt: time(raw.deliveredAt),
  };
}

function verifyData(raw: Record<string, unknown>): Record<string, unknown> {
  return {
    sessionId: raw.id,
    status: raw.status,
    channel: raw.channel,
    to: raw.to,
    attempts: raw.attempts,
    maxAttempts: raw.maxAttempts,
    sends: raw.sends,
    ...(raw.messageId !== undefined && { messageId: raw.messageId }),
    expiresAt: time(raw.expiresAt),
    verifiedAt: time(raw.verifiedAt),
    createdAt: time(raw.createdAt),
  };
}

/** An inbound message as `GET /v1/inbound/:id` shows it (`InboundMessage` of the contract), full numbers. */
function inboundData(raw: Record<string, unknown>): Record<string, unknown> {
  const media = Array.isArray(raw.media) ? (raw.media as unknown[]) : [];
  return {
    id: raw.id,
    direction: 'inbound',
    connectorId: raw.connectorId,
    channel: raw.channel,
    from: raw.from,
    to: raw.to,
    text: raw.text,
    media,
    senderName: raw.senderName ?? null,
    userId: raw.userId ?? null,
    keyword: raw.keyword ?? null,
    autoReply: raw.autoReply ?? null,
    replyMessageId: raw.replyMessageId ?? null,
    providerMessageId: raw.providerMessageId,
    receivedAt: time(raw.receivedAt),
    sentAt: time(raw.sentAt),
    processingMs: raw.processingMs ?? null,
  };
}
