import type Database from 'better-sqlite3';
import type { AuditRepo } from '../types/index.js';

export function createAuditRepo(db: Database.Database): AuditRepo {
  const insert = db.prepare('INSERT INTO audit (project_id, actor, action, detail, at) VALUES (?, ?, ?, ?, ?)');
  return {
    async record({ projectId, actor, action, detail, at }) {
      insert.run(projectId, actor, action, detail ? JSON.stringify(detail) : null, at);
    },
  };
}
