import type { AuditFilter, AuditRepo, PagePosition } from '../types/index.js';
import { AUDIT_FILTER_COLUMNS, auditJson, type AuditRow, toAuditRecord } from '../audit-rows.js';
import { toPage } from '../sqlite/page.js';
import { hasNul, refusingNul } from './nul-text.js';
import { integerBound } from './page-bounds.js';
import type { PgDb } from './queryable.js';

// With no account given, the project's account (if it has one) is recorded: CLI changes to an
// account's project show in that account's log.
const insert = `INSERT INTO audit (project_id, actor, action, detail, at, account_id, actor_id, credential, resource_type,
    resource_id, before, after, ip, user_agent, request_id)
  VALUES ($1, $2, $3, $4, $5, coalesce($6, (SELECT account_id FROM projects WHERE id = $1)),
    $7, $8, $9, $10, $11, $12, $13, $14, $15)`;

/** A stored id as a cursor or `get` names it: up to 15 digits, else none. */
const idOf = (id: string): number | null => (/^\d{1,15}$/.test(id) ? Number(id) : null);

/**
 * The `(at, id) < (afterKey, afterId)` bound of a page, for the entries SQLite reads with it: a key
 * that is not a number counts as 0, as in ../sqlite/audit.ts; one PostgreSQL cannot bind to a BIGINT
 * (fractional, past ±2^53) moves to the next integer with the lowest id, so no entry at that key
 * passes the tie-break.
 */
function afterBound(after: PagePosition | undefined): { afterKey: number; afterId: number } {
  if (!after) return { afterKey: Number.MAX_SAFE_INTEGER, afterId: Number.MAX_SAFE_INTEGER };
  const key = Number(after.key) || 0;
  const afterKey = integerBound(key)!;
  return { afterKey, afterId: afterKey === key ? (idOf(after.id) ?? 0) : Number.MIN_SAFE_INTEGER };
}

/**
 * The list's statement and its values for the filters given: each filter is in the WHERE clause
 * only when it is set, so PostgreSQL picks the index that fits (`audit_account_action`, `…_actor`,
 * `…_resource`, else `audit_account_at`). Null when no entry can match: a filter value with a NUL
 * (PostgreSQL text holds none), or a time bound that is not a number (SQLite binds NaN as NULL).
 */
function pageQuery(accountId: string, filter: AuditFilter, page: Parameters<AuditRepo['page']>[2]) {
  const bound = afterBound(page.after);
  const values: unknown[] = [accountId, bound.afterKey, bound.afterId, page.limit + 1];
  const clauses: string[] = [];
  for (const [name, column] of Object.entries(AUDIT_FILTER_COLUMNS)) {
    const value = filter[name as keyof typeof AUDIT_FILTER_COLUMNS];
    if (value === undefined) continue;
    if (hasNul(value)) return null;
    values.push(value);
    clauses.push(`AND ${column} = $${values.length}`);
  }
  for (const [name, operator] of [
    ['from', '>='],
    ['to', '<'],
  ] as const) {
    const value = filter[name];
    if (value === undefined) continue;
    const at = integerBound(value);
    if (at === null) return null;
    values.push(at);
    clauses.push(`AND at ${operator} $${values.length}`);
  }
  if (filter.projectIds) {
    values.push(filter.projectIds.filter((id) => !hasNul(id)));
    clauses.push(`AND project_id = ANY($${values.length}::text[])`);
  }
  const text = `SELECT * FROM audit WHERE account_id = $1 AND (at, id) < ($2, $3) ${clauses.join(' ')}
    ORDER BY at DESC, id DESC LIMIT $4`;
  return { text, values };
}

/** The audit log on PostgreSQL; the behaviour of ../sqlite/audit.ts. */
export function createAuditRepo(pg: PgDb): AuditRepo {
  const db = refusingNul(pg);
  return {
    async record(entry) {
      await db.query(insert, [
        entry.projectId,
        entry.actor,
        entry.action,
        entry.detail ? JSON.stringify(entry.detail) : null,
        entry.at,
        entry.accountId ?? null,
        entry.actorId ?? null,
        entry.credential ?? null,
        entry.resourceType ?? null,
        entry.resourceId ?? null,
        auditJson(entry.before),
        auditJson(entry.after),
        entry.ip ?? null,
        entry.userAgent ?? null,
        entry.requestId ?? null,
      ]);
    },
    async page(accountId, filter, page) {
      const query = hasNul(accountId) ? null : pageQuery(accountId, filter, page);
      if (!query) return { items: [], next: null };
      const { rows } = await db.query<AuditRow>(query.text, query.values);
      return toPage(rows, page, toAuditRecord, (r) => ({ key: r.at, id: String(r.id) }));
    },
    async get(accountId, id) {
      const n = idOf(id);
      if (n === null || hasNul(accountId)) return null;
      const { rows } = await db.query<AuditRow>('SELECT * FROM audit WHERE account_id = $1 AND id = $2', [
        accountId,
        n,
      ]);
      return rows[0] ? toAuditRecord(rows[0]) : null;
    },
  };
}
