import type Database from 'better-sqlite3';
import type { TemplateFilter, TemplatesRepo } from '../types/index.js';
import {
  toStats,
  toTemplate,
  toVersion,
  type TemplateRow,
  type TemplateStatsRow,
  type TemplateVersionRow,
} from '../template-rows.js';
import { afterBounds, toPage } from './page.js';

/** The list's statements by filter: `category` and `active` are in the WHERE clause only when given. */
function pageStatements(db: Database.Database) {
  const statements = new Map<string, Database.Statement>();
  return (filter: TemplateFilter) => {
    const key = `${filter.category !== undefined}:${filter.active !== undefined}`;
    let statement = statements.get(key);
    if (!statement) {
      statement = db.prepare(
        `SELECT t.*, s.usage_count, s.last_used_at FROM templates t
           LEFT JOIN template_stats s ON s.template_id = t.id
          WHERE t.project_id = @projectId AND t.name > @after
            ${filter.category !== undefined ? 'AND t.category = @category' : ''}
            ${filter.active !== undefined ? 'AND t.active = @active' : ''}
          ORDER BY t.name LIMIT @limit`,
      );
      statements.set(key, statement);
    }
    return statement;
  };
}

/** The repository's statements, prepared once. */
function statements(db: Database.Database) {
  return {
    upsert: db.prepare(
      `INSERT INTO templates (id, project_id, name, channel, recipient, subject, body, html, params, channels,
                              category, version, active, created_at, updated_at)
       VALUES (@id, @projectId, @name, @channel, @recipient, @subject, @body, @html, @params, @channels,
               @category, @version, @active, @createdAt, @updatedAt)
       ON CONFLICT (project_id, name) DO UPDATE SET channel = excluded.channel, recipient = excluded.recipient,
         subject = excluded.subject, body = excluded.body, html = excluded.html, params = excluded.params,
         channels = excluded.channels, category = excluded.category, version = excluded.version,
         active = excluded.active, updated_at = excluded.updated_at`,
    ),
    byName: db.prepare<[string, string], TemplateRow>('SELECT * FROM templates WHERE project_id = ? AND name = ?'),
    byProject: db.prepare<[string], TemplateRow>('SELECT * FROM templates WHERE project_id = ? ORDER BY name'),
    stats: db.prepare('SELECT usage_count, last_used_at FROM template_stats WHERE template_id = ?'),
    ensureStats: db.prepare('INSERT OR IGNORE INTO template_stats (template_id) VALUES (?)'),
    addVersion: db.prepare(
      `INSERT INTO template_versions (template_id, version, definition, created_at, created_by)
       VALUES (@templateId, @version, @definition, @createdAt, @createdBy)`,
    ),
    versions: db.prepare<[string, number, number], TemplateVersionRow>(
      'SELECT * FROM template_versions WHERE template_id = ? AND version < ? ORDER BY version DESC LIMIT ?',
    ),
    version: db.prepare<[string, number], TemplateVersionRow>(
      'SELECT * FROM template_versions WHERE template_id = ? AND version = ?',
    ),
    setActive: db.prepare('UPDATE templates SET active = ?, updated_at = ? WHERE id = ?'),
    remove: db.prepare('DELETE FROM templates WHERE id = ?'),
  };
}

export function createTemplatesRepo(db: Database.Database): TemplatesRepo {
  const { upsert, byName, byProject, stats, ensureStats, addVersion, versions, version, setActive, remove } =
    statements(db);
  const pageOf = pageStatements(db);
  return {
    async upsert(t) {
      upsert.run({
        ...t,
        recipient: JSON.stringify(t.recipient),
        params: JSON.stringify(t.params),
        channels: t.channels ? JSON.stringify(t.channels) : null,
        active: t.active ? 1 : 0,
      });
    },
    async get(projectId, name) {
      const row = byName.get(projectId, name);
      return row ? toTemplate(row) : null;
    },
    async list(projectId) {
      return byProject.all(projectId).map(toTemplate);
    },
    async page(projectId, filter, page) {
      const rows = pageOf(filter).all({
        projectId,
        after: page.after ? String(page.after.key) : '',
        limit: page.limit + 1,
        ...(filter.category !== undefined && { category: filter.category }),
        ...(filter.active !== undefined && { active: filter.active ? 1 : 0 }),
      }) as Array<TemplateRow & TemplateStatsRow>;
      return toPage(
        rows,
        page,
        (row) => ({ ...toTemplate(row), ...toStats(row) }),
        (row) => ({ key: row.name, id: row.id }),
      );
    },
    async stats(templateId) {
      return toStats(stats.get(templateId) as TemplateStatsRow | undefined);
    },
    async ensureStats(templateId) {
      ensureStats.run(templateId);
    },
    async addVersion(v) {
      addVersion.run({ ...v, definition: JSON.stringify(v.definition) });
    },
    async versions(templateId, page) {
      const { afterKey } = afterBounds(page);
      return toPage(versions.all(templateId, afterKey, page.limit + 1), page, toVersion, (row) => ({
        key: row.version,
        id: row.template_id,
      }));
    },
    async version(templateId, n) {
      const row = version.get(templateId, n);
      return row ? toVersion(row) : null;
    },
    async setActive(templateId, active, at) {
      setActive.run(active ? 1 : 0, at, templateId);
    },
    async remove(templateId) {
      return remove.run(templateId).changes > 0;
    },
  };
}
