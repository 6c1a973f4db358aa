import type Database from 'better-sqlite3';
import type { InboundConfigRepo } from '../types/index.js';
import { toInboundRule, toInboundSettings, type InboundRuleRow, type InboundSettingsRow } from '../inbound-rows.js';

/** Auto-reply rules and inbound settings on SQLite. */
export function createInboundConfigRepo(db: Database.Database): InboundConfigRepo {
  const list = db.prepare<[string], InboundRuleRow>(
    'SELECT * FROM inbound_rules WHERE project_id = ? ORDER BY priority, created_at, id',
  );
  const get = db.prepare<[string, string], InboundRuleRow>(
    'SELECT * FROM inbound_rules WHERE project_id = ? AND id = ?',
  );
  const create = db.prepare(
    `INSERT INTO inbound_rules (id, project_id, kind, pattern, reply, priority, active, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const update = db.prepare<[string, string, string, number, number, number, string, string], InboundRuleRow>(
    `UPDATE inbound_rules SET kind = ?, pattern = ?, reply = ?, priority = ?, active = ?, updated_at = ?
      WHERE project_id = ? AND id = ? RETURNING *`,
  );
  const remove = db.prepare('DELETE FROM inbound_rules WHERE project_id = ? AND id = ?');
  const settings = db.prepare<[string], InboundSettingsRow>(
    'SELECT settings, updated_at FROM inbound_settings WHERE project_id = ?',
  );
  const save = db.prepare(
    `INSERT INTO inbound_settings (project_id, settings, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (project_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`,
  );
  return {
    async listRules(projectId) {
      return list.all(projectId).map(toInboundRule);
    },
    async getRule(projectId, id) {
      const row = get.get(projectId, id);
      return row ? toInboundRule(row) : null;
    },
    async createRule(r) {
      create.run(r.id, r.projectId, r.kind, r.pattern, r.reply, r.priority, r.active ? 1 : 0, r.createdAt, r.updatedAt);
    },
    async updateRule(projectId, id, patch, at) {
      const before = get.get(projectId, id);
      if (!before) return null;
      const next = { ...toInboundRule(before), ...patch };
      const row = update.get(
        next.kind,
        next.pattern,
        next.reply,
        next.priority,
        next.active ? 1 : 0,
        at,
        projectId,
        id,
      );
      return row ? toInboundRule(row) : null;
    },
    async removeRule(projectId, id) {
      return remove.run(projectId, id).changes > 0;
    },
    async getSettings(projectId) {
      const row = settings.get(projectId);
      return row ? toInboundSettings(row) : null;
    },
    async saveSettings(projectId, value, at) {
      save.run(projectId, JSON.stringify(value), at);
    },
  };
}
