import type { Channel } from '@messagejs/shared-types';
import type {
  InboundFilter,
  InboundKeyword,
  InboundMediaRecord,
  InboundRecord,
  InboundRuleRecord,
  InboundSettingsData,
  InboundSettingsRecord,
  InboundStatsRecord,
  PageRequest,
  PhoneMappingRecord,
  PhoneVerificationMethod,
} from './types/index.js';
import { bodyHolds } from './message-history.js';

/**
 * Rows of the inbound tables (migrations sqlite/017, postgres/007) and what both backends share to
 * read them: the mappers (the PostgreSQL schema mirrors SQLite's columns and values: BIGINT read as
 * numbers, 0/1 flags, JSON as text), the inbound list's statement, and the stats' statements.
 */

export interface InboundRow {
  id: string;
  project_id: string;
  connector_id: string;
  channel: Channel;
  provider_message_id: string;
  sender: string;
  recipient: string;
  body: string;
  media: string;
  sender_name: string | null;
  user_id: string | null;
  keyword: InboundKeyword | null;
  auto_reply: string | null;
  reply_message_id: string | null;
  received_at: number;
  sent_at: number | null;
  processing_ms: number;
}

/** The columns of `inbound_messages`, in the order `inboundValues` binds them. */
export const inboundColumns = [
  'id',
  'project_id',
  'connector_id',
  'channel',
  'provider_message_id',
  'sender',
  'recipient',
  'body',
  'media',
  'sender_name',
  'user_id',
  'keyword',
  'auto_reply',
  'reply_message_id',
  'received_at',
  'sent_at',
  'processing_ms',
] as const;

/** A media list as stored: JSON, every field present. */
function mediaOf(text: string): InboundMediaRecord[] {
  const parsed = JSON.parse(text) as unknown;
  return Array.isArray(parsed) ? (parsed as InboundMediaRecord[]) : [];
}

export const toInbound = (r: InboundRow): InboundRecord => ({
  id: r.id,
  projectId: r.project_id,
  connectorId: r.connector_id,
  channel: r.channel,
  providerMessageId: r.provider_message_id,
  from: r.sender,
  to: r.recipient,
  text: r.body,
  media: mediaOf(r.media),
  senderName: r.sender_name,
  userId: r.user_id,
  keyword: r.keyword,
  autoReply: r.auto_reply,
  replyMessageId: r.reply_message_id,
  receivedAt: r.received_at,
  sentAt: r.sent_at,
  processingMs: r.processing_ms,
});

/** The values of `inboundColumns` for a record; `text` maps the provider's text (PostgreSQL replaces NUL). */
export function inboundValues(r: InboundRecord, text: <T extends string | null>(value: T) => T = (v) => v): unknown[] {
  const media = r.media.map((m) => ({
    url: m.url,
    contentType: m.contentType,
    providerMediaId: m.providerMediaId,
  }));
  return [
    r.id,
    r.projectId,
    r.connectorId,
    r.channel,
    text(r.providerMessageId),
    text(r.from),
    text(r.to),
    text(r.text),
    JSON.stringify(media),
    text(r.senderName),
    r.userId,
    r.keyword,
    text(r.autoReply),
    r.replyMessageId,
    r.receivedAt,
    r.sentAt,
    r.processingMs,
  ];
}

export interface PhoneMappingRow {
  project_id: string;
  phone: string;
  user_id: string;
  is_primary: number;
  verified: number;
  verification_method: PhoneVerificationMethod | null;
  verified_at: number | null;
  created_at: number;
  updated_at: number;
}

export const toPhoneMapping = (r: PhoneMappingRow): PhoneMappingRecord => ({
  projectId: r.project_id,
  phone: r.phone,
  userId: r.user_id,
  isPrimary: r.is_primary === 1,
  verified: r.verified === 1,
  verificationMethod: r.verification_method,
  verifiedAt: r.verified_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface InboundRuleRow {
  id: string;
  project_id: string;
  kind: InboundRuleRecord['kind'];
  pattern: string;
  reply: string;
  priority: number;
  active: number;
  created_at: number;
  updated_at: number;
}

export const toInboundRule = (r: InboundRuleRow): InboundRuleRecord => ({
  id: r.id,
  projectId: r.project_id,
  kind: r.kind,
  pattern: r.pattern,
  reply: r.reply,
  priority: r.priority,
  active: r.active === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface InboundSettingsRow {
  settings: string;
  updated_at: number;
}

export const toInboundSettings = (r: InboundSettingsRow): InboundSettingsRecord => ({
  settings: JSON.parse(r.settings) as InboundSettingsData,
  updatedAt: r.updated_at,
});

/** A statement and its values, written for one backend. */
export interface Statement {
  text: string;
  values: unknown[];
}

/** `?` on SQLite, `$n` on PostgreSQL, for each value pushed. */
function parameters(dialect: 'sqlite' | 'postgres') {
  const values: unknown[] = [];
  const param = (value: unknown) => {
    values.push(value);
    return dialect === 'sqlite' ? '?' : `$${values.length}`;
  };
  return { values, param };
}

/**
 * The inbound list (`inbound.page`) for both backends, so they select and order the same rows:
 * newest first by `received_at`, then by id in byte order (`COLLATE "C"` on PostgreSQL), through
 * `inbound_messages_project (project_id, received_at, id)` — or, for one sender, the conversation
 * index — one row more than the page. Null when no row can match.
 */
export function inboundPageStatement(
  projectId: string,
  filter: InboundFilter,
  page: PageRequest,
  dialect: 'sqlite' | 'postgres',
): Statement | null {
  const { values, param } = parameters(dialect);
  const id = dialect === 'sqlite' ? 'id' : 'id COLLATE "C"';
  const where = [`project_id = ${param(projectId)}`];
  if (page.after) {
    const key = Number(page.after.key);
    if (!Number.isSafeInteger(key)) return null;
    where.push(`(received_at, ${id}) < (${param(key)}, ${param(page.after.id)})`);
  }
  const equal: Array<[string, string | undefined]> = [
    ['sender', filter.from],
    ['recipient', filter.to],
    ['channel', filter.channel],
    ['connector_id', filter.connectorId],
    ['user_id', filter.userId],
    ['keyword', filter.keyword],
  ];
  for (const [column, value] of equal) if (value !== undefined) where.push(`${column} = ${param(value)}`);
  if (filter.receivedFrom !== undefined) where.push(`received_at >= ${param(filter.receivedFrom)}`);
  if (filter.receivedBefore !== undefined) where.push(`received_at < ${param(filter.receivedBefore)}`);
  // Digits only (the API checks): LIKE has nothing to read as a wildcard in them.
  if (filter.toSuffix !== undefined) where.push(`recipient LIKE '%' || ${param(filter.toSuffix)}`);
  if (filter.text !== undefined) where.push(bodyHolds(param(filter.text), dialect));
  const text = `SELECT * FROM inbound_messages WHERE ${where.join(' AND ')}
    ORDER BY received_at DESC, ${id} DESC LIMIT ${param(page.limit + 1)}`;
  return { text, values };
}

/**
 * The phone mappings' list (`inbound.pageMappings`) for both backends: by number, then user id, in
 * byte order (both columns `COLLATE "C"` on PostgreSQL), after the page's position, through the
 * primary key; one row more than the page.
 */
export function mappingPageStatement(
  projectId: string,
  filter: { phone?: string; userId?: string },
  page: PageRequest,
  dialect: 'sqlite' | 'postgres',
): Statement {
  const { values, param } = parameters(dialect);
  const where = [`project_id = ${param(projectId)}`];
  if (page.after) where.push(afterMapping(String(page.after.key), page.after.id, param, dialect));
  if (filter.phone !== undefined) where.push(`phone = ${param(filter.phone)}`);
  if (filter.userId !== undefined) where.push(`user_id = ${param(filter.userId)}`);
  const text = `SELECT * FROM phone_mappings WHERE ${where.join(' AND ')}
    ORDER BY phone, user_id LIMIT ${param(page.limit + 1)}`;
  return { text, values };
}

/**
 * `(phone, user_id) > (key, id)`. PostgreSQL text cannot hold NUL, and no stored text does: a key
 * holding one is passed by every row past the text before it (`phone > 'k'` is SQLite's
 * `(phone, user_id) > ('k\0…', id)`), an id holding one by every id past the text before it.
 */
function afterMapping(
  key: string,
  id: string,
  param: (value: unknown) => string,
  dialect: 'sqlite' | 'postgres',
): string {
  const cut = (text: string) =>
    dialect === 'postgres' && text.includes('\u0000') ? text.slice(0, text.indexOf('\u0000')) : text;
  if (cut(key) !== key) return `phone > ${param(cut(key))}`;
  return `(phone, user_id) > (${param(key)}, ${param(cut(id))})`;
}

/** The window of the stats' statements: one project, received in [from, before). */
const WINDOW = 'project_id = ? AND received_at >= ? AND received_at < ?';

/** The stats' counts (SQLite; `toPostgres` numbers the parameters), read as one row of numbers. */
export const inboundStatsSql = {
  counts: `SELECT count(*) AS inbound,
      count(*) FILTER (WHERE user_id IS NOT NULL) AS routed,
      count(*) FILTER (WHERE keyword = 'stop') AS stop,
      count(*) FILTER (WHERE keyword = 'start') AS start,
      count(*) FILTER (WHERE keyword = 'help') AS help,
      count(*) FILTER (WHERE auto_reply IS NOT NULL) AS replies,
      CAST(avg(processing_ms) AS REAL) AS avg,
      max(processing_ms) AS max
    FROM inbound_messages WHERE ${WINDOW}`,
  /** The processing time at a rank (0-based) of the window's times, in ascending order. */
  rank: `SELECT processing_ms AS ms FROM inbound_messages WHERE ${WINDOW}
    ORDER BY processing_ms LIMIT 1 OFFSET ?`,
} as const;

/** A SQLite statement's `?` as PostgreSQL's `$1, $2…`, with `REAL` as `float8`. */
export function toPostgres(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`).replace(/AS REAL\)/g, 'AS float8)');
}

/** The stats' count row as the backends read it. */
export interface InboundCountsRow {
  inbound: number;
  routed: number;
  stop: number;
  start: number;
  help: number;
  replies: number;
  avg: number | null;
  max: number | null;
}

/** The 0-based rank of quantile `q` among `n` sorted values (nearest rank). */
export const rankOf = (q: number, n: number) => Math.max(Math.ceil(q * n) - 1, 0);

/** The stats record from the counts and the two ranked times. */
export function toInboundStats(counts: InboundCountsRow, p50: number | null, p95: number | null): InboundStatsRecord {
  const avg = counts.avg === null ? null : Math.round(counts.avg * 100) / 100;
  return {
    inbound: counts.inbound,
    routed: counts.routed,
    keywords: { stop: counts.stop, start: counts.start, help: counts.help },
    autoReplies: counts.replies,
    processingMs: { avg, p50, p95, max: counts.max },
  };
}
