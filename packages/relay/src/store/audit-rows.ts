import type { StoredAuditRecord } from './types/index.js';

/**
 * A row of `audit`. The same on every backend (the PostgreSQL schema mirrors SQLite's columns and
 * value representations), and so are the helpers below, shared by both.
 */
export interface AuditRow {
  id: number;
  project_id: string | null;
  actor: string;
  action: string;
  detail: string | null;
  at: number;
  account_id: string | null;
  actor_id: string | null;
  credential: string | null;
  resource_type: string | null;
  resource_id: string | null;
  before: string | null;
  after: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
}

/** An optional value as its JSON column: `undefined` is NULL. */
export const auditJson = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

const parsed = (text: string | null): unknown => (text === null ? undefined : JSON.parse(text));

/** Maps an `audit` row to the stored record (`before`/`after` are absent when NULL). */
export const toAuditRecord = (r: AuditRow): StoredAuditRecord => ({
  id: String(r.id),
  projectId: r.project_id,
  actor: r.actor,
  action: r.action,
  ...(r.detail !== null && { detail: JSON.parse(r.detail) as Record<string, unknown> }),
  at: r.at,
  accountId: r.account_id,
  actorId: r.actor_id,
  credential: r.credential,
  resourceType: r.resource_type,
  resourceId: r.resource_id,
  before: parsed(r.before),
  after: parsed(r.after),
  ip: r.ip,
  userAgent: r.user_agent,
  requestId: r.request_id,
});

/** The audit list's equality filters, by the column each one reads. */
export const AUDIT_FILTER_COLUMNS = {
  action: 'action',
  actorId: 'actor_id',
  resourceType: 'resource_type',
  resourceId: 'resource_id',
  projectId: 'project_id',
} as const;
