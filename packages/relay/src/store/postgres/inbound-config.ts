import type { InboundConfigRepo } from '../types/index.js';
import { toInboundRule, toInboundSettings, type InboundRuleRow, type InboundSettingsRow } from '../inbound-rows.js';
import { hasNul, refusingNul } from './nul-text.js';
import type { PgDb } from './queryable.js';

const sql = {
  list: 'SELECT * FROM inbound_rules WHERE project_id = $1 ORDER BY priority, created_at, id',
  get: 'SELECT * FROM inbound_rules WHERE project_id = $1 AND id = $2',
  create: `INSERT INTO inbound_rules (id, project_id, kind, pattern, reply, priority, active, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
  update: `UPDATE inbound_rules SET kind = coalesce($1, kind), pattern = coalesce($2, pattern),
    reply = coalesce($3, reply), priority = coalesce($4, priority), active = coalesce($5, active), updated_at = $6
    WHERE project_id = $7 AND id = $8 RETURNING *`,
  remove: 'DELETE FROM inbound_rules WHERE project_id = $1 AND id = $2',
  settings: 'SELECT settings, updated_at FROM inbound_settings WHERE project_id = $1',
  save: `INSERT INTO inbound_settings (project_id, settings, updated_at) VALUES ($1, $2, $3)
    ON CONFLICT (project_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`,
};

/** Auto-reply rules and inbound settings on PostgreSQL; the behaviour of ../sqlite/inbound-config.ts. */
export function createInboundConfigRepo(pg: PgDb): InboundConfigRepo {
  const db = refusingNul(pg);
  return {
    async listRules(projectId) {
      if (hasNul(projectId)) return [];
      const { rows } = await db.query<InboundRuleRow>(sql.list, [projectId]);
      return rows.map(toInboundRule);
    },
    async getRule(projectId, id) {
      if (hasNul(projectId, id)) return null;
      const { rows } = await db.query<InboundRuleRow>(sql.get, [projectId, id]);
      return rows[0] ? toInboundRule(rows[0]) : null;
    },
    async createRule(r) {
      await db.query(sql.create, [
        r.id,
        r.projectId,
        r.kind,
        r.pattern,
        r.reply,
        r.priority,
        r.active ? 1 : 0,
        r.createdAt,
        r.updatedAt,
      ]);
    },
    async updateRule(projectId, id, patch, at) {
      if (hasNul(projectId, id)) return null;
      const { rows } = await db.query<InboundRuleRow>(sql.update, [
        patch.kind ?? null,
        patch.pattern ?? null,
        patch.reply ?? null,
        patch.priority ?? null,
        patch.active === undefined ? null : patch.active ? 1 : 0,
        at,
        projectId,
        id,
      ]);
      return rows[0] ? toInboundRule(rows[0]) : null;
    },
    async removeRule(projectId, id) {
      if (hasNul(projectId, id)) return false;
      const { rowCount } = await db.query(sql.remove, [projectId, id]);
      return (rowCount ?? 0) > 0;
    },
    async getSettings(projectId) {
      if (hasNul(projectId)) return null;
      const { rows } = await db.query<InboundSettingsRow>(sql.settings, [projectId]);
      return rows[0] ? toInboundSettings(rows[0]) : null;
    },
    async saveSettings(projectId, value, at) {
      await db.query(sql.save, [projectId, JSON.stringify(value), at]);
    },
  };
}
