import type { Channel, MessageStatus } from '@messagejs/shared-types';
import {
  priorityOfRank,
  priorityRank,
  type IdempotencyRecord,
  type Message,
  type MessageMetadata,
} from './types/index.js';
import type { MessageCategory } from '@messagejs/shared-types';

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
  priority?: number;
  expire_at?: number | null;
  category?: MessageCategory | null;
  reference?: string | null;
  metadata?: string | null;
  sender?: string | null;
  flash?: number;
  batch_id?: string | null;
}

/** The columns of a message's options (issue 16), in the order `optionValues` gives them; `priority` first. */
export const OPTION_COLUMNS = [
  'priority',
  'expire_at',
  'category',
  'reference',
  'metadata',
  'sender',
  'flash',
  'batch_id',
] as const satisfies ReadonlyArray<keyof MessageRow>;

/** The values of `OPTION_COLUMNS` for `m`: its priority's rank (the outbox's too) first. */
export const optionValues = (m: Message): [number, ...unknown[]] => [
  m.priority ? priorityRank[m.priority] : 1,
  m.expireAt ?? null,
  m.category ?? null,
  m.reference ?? null,
  m.metadata ? JSON.stringify(m.metadata) : null,
  m.sender ?? null,
  m.flash ? 1 : 0,
  m.batchId ?? null,
];

/** The options of issue 16 as stored (`OPTION_COLUMNS`' values from `at`), only those a message has. */
function options(v: readonly unknown[], at = 0): Partial<Message> | undefined {
  const priority = v[at];
  const expireAt = v[at + 1];
  const category = v[at + 2];
  const reference = v[at + 3];
  const metadata = v[at + 4];
  const sender = v[at + 5];
  const flash = v[at + 6];
  const batchId = v[at + 7];
  // Most messages have none: nothing to build.
  if ((priority === 1 || priority == null) && flash !== 1 && expireAt == null && category == null) {
    if (reference == null && metadata == null && sender == null && batchId == null) return undefined;
  }
  const o: Partial<Message> = {};
  if (priority !== 1 && priority != null) o.priority = priorityOfRank(priority as number);
  if (expireAt != null) o.expireAt = expireAt as number;
  if (category != null) o.category = category as MessageCategory;
  if (reference != null) o.reference = reference as string;
  if (metadata != null) o.metadata = JSON.parse(metadata as string) as MessageMetadata;
  if (sender != null) o.sender = sender as string;
  if (flash === 1) o.flash = true;
  if (batchId != null) o.batchId = batchId as string;
  return o;
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
  ...options(OPTION_COLUMNS.map((c) => r[c])),
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
  ...OPTION_COLUMNS,
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
  ...options(v, 29),
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
