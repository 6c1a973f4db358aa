import type { Channel, MessageStatus } from '@messagejs/shared-types';
import type { IdempotencyRecord, Message } from './types/index.js';

/**
 * A row of `messages`. The same on every backend (the PostgreSQL schema mirrors SQLite's columns
 * and value representations), and so are the mappers below, shared by both.
 */
export interface MessageRow {
  id: string;
  project_id: string;
  key_id: string;
  channel: Channel;
  recipient: string;
  country: string | null;
  operator: string | null;
  template: string | null;
  template_version?: number | null;
  subject: string | null;
  body: string;
  html: string | null;
  status: MessageStatus;
  segments: number | null;
  encoding: 'GSM-7' | 'UCS-2' | null;
  cost_eur: number | null;
  cost_mad: number | null;
  cascade: string;
  sensitive: number;
  fallback_after_ms: number | null;
  provider_message_id: string | null;
  connector_id: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at: number;
  updated_at: number;
  scheduled_at: number | null;
  sent_at: number | null;
  delivered_at: number | null;
  callback_url?: string | null;
}

/** A stored cascade: most messages have none (`[]`), which needs no JSON parse. */
const parseCascade = (text: string): Channel[] => (text === '[]' ? [] : (JSON.parse(text) as Channel[]));

export const toMessage = (r: MessageRow): Message => ({
  id: r.id,
  projectId: r.project_id,
  keyId: r.key_id,
  channel: r.channel,
  to: r.recipient,
  country: r.country,
  operator: r.operator,
  template: r.template,
  templateVersion: r.template_version ?? null,
  subject: r.subject,
  body: r.body,
  html: r.html,
  status: r.status,
  segments: r.segments,
  encoding: r.encoding,
  costEur: r.cost_eur,
  costMad: r.cost_mad,
  cascade: parseCascade(r.cascade),
  sensitive: r.sensitive === 1,
  fallbackAfterMs: r.fallback_after_ms,
  providerMessageId: r.provider_message_id,
  connectorId: r.connector_id,
  errorCode: r.error_code,
  errorMessage: r.error_message,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  scheduledAt: r.scheduled_at,
  sentAt: r.sent_at,
  deliveredAt: r.delivered_at,
});

/**
 * The message columns in the order `messageFromValues` reads them. A claim reads its rows as
 * value arrays (better-sqlite3's `raw` mode): building a 28-key object per row and then another
 * for the message took more than half of a claim.
 */
export const messageColumns = [
  'id',
  'project_id',
  'key_id',
  'channel',
  'recipient',
  'country',
  'operator',
  'template',
  'subject',
  'body',
  'html',
  'status',
  'segments',
  'encoding',
  'cost_eur',
  'cost_mad',
  'cascade',
  'sensitive',
  'fallback_after_ms',
  'provider_message_id',
  'connector_id',
  'error_code',
  'error_message',
  'created_at',
  'updated_at',
  'scheduled_at',
  'sent_at',
  'delivered_at',
  'template_version',
] as const satisfies ReadonlyArray<keyof MessageRow>;

/** `toMessage` for a row read in `messageColumns` order. */
export const messageFromValues = (v: unknown[]): Message => ({
  id: v[0] as string,
  projectId: v[1] as string,
  keyId: v[2] as string,
  channel: v[3] as Channel,
  to: v[4] as string,
  country: v[5] as string | null,
  operator: v[6] as string | null,
  template: v[7] as string | null,
  subject: v[8] as string | null,
  body: v[9] as string,
  html: v[10] as string | null,
  status: v[11] as MessageStatus,
  segments: v[12] as number | null,
  encoding: v[13] as MessageRow['encoding'],
  costEur: v[14] as number | null,
  costMad: v[15] as number | null,
  cascade: parseCascade(v[16] as string),
  sensitive: v[17] === 1,
  fallbackAfterMs: v[18] as number | null,
  providerMessageId: v[19] as string | null,
  connectorId: v[20] as string | null,
  errorCode: v[21] as string | null,
  errorMessage: v[22] as string | null,
  createdAt: v[23] as number,
  updatedAt: v[24] as number,
  scheduledAt: v[25] as number | null,
  sentAt: v[26] as number | null,
  deliveredAt: v[27] as number | null,
  templateVersion: v[28] as number | null,
});

export const toIdempotency = (r: {
  key_id: string;
  idempotency_key: string;
  request_hash: string;
  status_code: number;
  response: string;
  created_at: number;
}): IdempotencyRecord => ({
  keyId: r.key_id,
  idempotencyKey: r.idempotency_key,
  requestHash: r.request_hash,
  statusCode: r.status_code,
  response: JSON.parse(r.response) as unknown,
  createdAt: r.created_at,
});
