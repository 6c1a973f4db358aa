import type Database from 'better-sqlite3';
import type { AuditFilter, AuditRepo } from '../types/index.js';
import { AUDIT_FILTER_COLUMNS, auditJson, type AuditRow, toAuditRecord } from '../audit-rows.js';
import { toPage } from './page.js';

/**
 * The list's statement for the filters given, prepared once per combination: each filter is in the
 * WHERE clause only when it is set, so SQLite picks the index that fits (`audit_account_action`,
 * `…_actor`, `…_resource`, else `audit_account_at`).
 */
function pageStatements(db: Database.Database) {
  const statements = new Map<string, Database.Statement>();
  return (filter: AuditFilter) => {
    const clauses: string[] = [];
    for (const [name, column] of Object.entries(AUDIT_FILTER_COLUMNS)) {
      if (filter[name as keyof typeof AUDIT_FILTER_COLUMNS] !== undefined) clauses.push(`AND ${column} = @${name}`);
    }
    if (filter.from !== undefined) clauses.push('AND at >= @from');
    if (filter.to !== undefined) clauses.push('AND at < @to');
    if (filter.projectIds) clauses.push('AND project_id IN (SELECT value FROM json_each(@projectIds))');
    const key = clauses.join(' ');
    let statement = statements.get(key);
    if (!statement) {
      statement = db.prepare(
        `SELECT * FROM audit WHERE account_id = @accountId AND (at, id) < (@afterKey, @afterId) ${key}
          ORDER BY at DESC, id DESC LIMIT @limit`,
      );
      statements.set(key, statement);
    }
    return statement;
  };
}

export function createAuditRepo(db: Database.Database): AuditRepo {
  // With no account given, the project's account (if it has one) is recorded: CLI changes to an
  // account's project show in that account's log.
  const insert = db.prepare(
    `INSERT INTO audit (project_id, actor, action, detail, at, account_id, actor_id, credential, resource_type,
                        resource_id, before, after, ip, user_agent, request_id)
     VALUES (@projectId, @actor, @action, @detail, @at,
             coalesce(@accountId, (SELECT account_id FROM projects WHERE id = @projectId)),
             @actorId, @credential, @resourceType, @resourceId, @before, @after, @ip, @userAgent, @requestId)`,
  );
  const pageOf = pageStatements(db);
  const byId = db.prepare<[string, number], AuditRow>('SELECT * FROM audit WHERE account_id = ? AND id = ?');
  return {
    async record(entry) {
      insert.run({
        projectId: entry.projectId,
        actor: entry.actor,
        action: entry.action,
        detail: entry.detail ? JSON.stringify(entry.detail) : null,
        at: entry.at,
        accountId: entry.accountId ?? null,
        actorId: entry.actorId ?? null,
        credential: entry.credential ?? null,
        resourceType: entry.resourceType ?? null,
        resourceId: entry.resourceId ?? null,
        before: auditJson(entry.before),
        after: auditJson(entry.after),
        ip: entry.ip ?? null,
        userAgent: entry.userAgent ?? null,
        requestId: entry.requestId ?? null,
      });
    },
    async page(accountId, filter, page) {
      // Only the parameters the statement names: better-sqlite3 binds no `undefined`.
      const params: Record<string, unknown> = { accountId, limit: page.limit + 1 };
      for (const name of [...Object.keys(AUDIT_FILTER_COLUMNS), 'from', 'to'] as const) {
        const value = filter[name as keyof AuditFilter];
        if (value !== undefined) params[name] = value;
      }
      if (filter.projectIds) params.projectIds = JSON.stringify(filter.projectIds);
      const after = page.after;
      params.afterKey = after ? Number(after.key) || 0 : Number.MAX_SAFE_INTEGER;
      params.afterId = after ? (/^\d{1,15}$/.test(after.id) ? Number(after.id) : 0) : Number.MAX_SAFE_INTEGER;
      const rows = pageOf(filter).all(params) as AuditRow[];
      return toPage(rows, page, toAuditRecord, (r) => ({ key: r.at, id: String(r.id) }));
    },
    async get(accountId, id) {
      const n = /^\d{1,15}$/.test(id) ? Number(id) : NaN;
      const row = Number.isSafeInteger(n) ? byId.get(accountId, n) : undefined;
      return row ? toAuditRecord(row) : null;
    },
  };
}
