import type Database from 'better-sqlite3';
import type { AuditRepo } from '../types/index.js';

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

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
        before: json(entry.before),
        after: json(entry.after),
        ip: entry.ip ?? null,
        userAgent: entry.userAgent ?? null,
        requestId: entry.requestId ?? null,
      });
    },
  };
}
