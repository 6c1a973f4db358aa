import type { Template, TemplateFilter, TemplatesRepo } from '../types/index.js';
import {
  toStats,
  toTemplate,
  toVersion,
  type TemplateRow,
  type TemplateStatsRow,
  type TemplateVersionRow,
} from '../template-rows.js';
import { toPage } from '../sqlite/page.js';
import { pgAfterBounds, pgAfterName } from './page-bounds.js';
import type { PgDb, Queryable } from './queryable.js';
import { hasNul, refuseNul } from './nul-text.js';

const UPSERT = `INSERT INTO templates (id, project_id, name, channel, recipient, subject, body, html, params, channels,
    category, version, active, created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
  ON CONFLICT (project_id, name) DO UPDATE SET channel = excluded.channel, recipient = excluded.recipient,
    subject = excluded.subject, body = excluded.body, html = excluded.html, params = excluded.params,
    channels = excluded.channels, category = excluded.category, version = excluded.version,
    active = excluded.active, updated_at = excluded.updated_at`;

/**
 * Counts a send of the template `templateId` at `at` on its narrow counter row (created with the
 * template): for `messages.enqueue`, inside its transaction. One `usage_count = usage_count + 1`
 * statement: concurrent sends from any number of relays each add one (the row lock serialises
 * them and each re-reads the committed count), so no count is lost.
 */
export async function countTemplateUse(q: Queryable, templateId: string, at: number): Promise<void> {
  await q.query('UPDATE template_stats SET usage_count = usage_count + 1, last_used_at = $2 WHERE template_id = $1', [
    templateId,
    at,
  ]);
}

/**
 * The list's statement by filter: `category` and `active` are in the WHERE clause only when
 * given. Names sort and compare as SQLite's do (by code point), whatever the database's collation.
 */
function pageQuery(projectId: string, filter: TemplateFilter, after: string, limit: number) {
  const values: unknown[] = [projectId, after, limit];
  const where = ['t.project_id = $1', 't.name COLLATE "C" > $2'];
  if (filter.category !== undefined) where.push(`t.category = $${values.push(filter.category)}`);
  if (filter.active !== undefined) where.push(`t.active = $${values.push(filter.active ? 1 : 0)}`);
  const text = `SELECT t.*, s.usage_count, s.last_used_at FROM templates t
      LEFT JOIN template_stats s ON s.template_id = t.id
     WHERE ${where.join(' AND ')}
     ORDER BY t.name COLLATE "C" LIMIT $3`;
  return { text, values };
}

/** `templates.page`: a page of the project's templates by name, with their use counts. */
function pageOf(db: PgDb): TemplatesRepo['page'] {
  return async (projectId, filter, page) => {
    if (hasNul(projectId, filter.category)) return { items: [], next: null };
    const { text, values } = pageQuery(projectId, filter, pgAfterName(page), page.limit + 1);
    const { rows } = await db.query<TemplateRow & TemplateStatsRow>(text, values);
    return toPage(
      rows,
      page,
      (row) => ({ ...toTemplate(row), ...toStats(row) }),
      (row) => ({ key: row.name, id: row.id }),
    );
  };
}

/** A template as `UPSERT`'s parameters. */
function upsertValues(t: Template): unknown[] {
  refuseNul({ id: t.id, projectId: t.projectId, name: t.name, subject: t.subject, body: t.body, html: t.html });
  return [
    t.id,
    t.projectId,
    t.name,
    t.channel,
    JSON.stringify(t.recipient),
    t.subject,
    t.body,
    t.html,
    JSON.stringify(t.params),
    t.channels ? JSON.stringify(t.channels) : null,
    t.category,
    t.version,
    t.active ? 1 : 0,
    t.createdAt,
    t.updatedAt,
  ];
}

export function createTemplatesRepo(db: PgDb): TemplatesRepo {
  return {
    async upsert(t) {
      await db.query(UPSERT, upsertValues(t));
    },
    async get(projectId, name) {
      if (hasNul(projectId, name)) return null;
      const { rows } = await db.query<TemplateRow>('SELECT * FROM templates WHERE project_id = $1 AND name = $2', [
        projectId,
        name,
      ]);
      return rows[0] ? toTemplate(rows[0]) : null;
    },
    async list(projectId) {
      if (hasNul(projectId)) return [];
      const { rows } = await db.query<TemplateRow>(
        'SELECT * FROM templates WHERE project_id = $1 ORDER BY name COLLATE "C"',
        [projectId],
      );
      return rows.map(toTemplate);
    },
    page: pageOf(db),
    async stats(templateId) {
      if (hasNul(templateId)) return toStats(undefined);
      const { rows } = await db.query<TemplateStatsRow>(
        'SELECT usage_count, last_used_at FROM template_stats WHERE template_id = $1',
        [templateId],
      );
      return toStats(rows[0]);
    },
    async ensureStats(templateId) {
      refuseNul({ templateId });
      await db.query('INSERT INTO template_stats (template_id) VALUES ($1) ON CONFLICT DO NOTHING', [templateId]);
    },
    async addVersion(v) {
      refuseNul({ templateId: v.templateId, createdBy: v.createdBy });
      await db.query(
        `INSERT INTO template_versions (template_id, version, definition, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5)`,
        [v.templateId, v.version, JSON.stringify(v.definition), v.createdAt, v.createdBy],
      );
    },
    async versions(templateId, page) {
      if (hasNul(templateId)) return { items: [], next: null };
      const { afterKey } = pgAfterBounds(page);
      const { rows } = await db.query<TemplateVersionRow>(
        'SELECT * FROM template_versions WHERE template_id = $1 AND version < $2 ORDER BY version DESC LIMIT $3',
        [templateId, afterKey, page.limit + 1],
      );
      return toPage(rows, page, toVersion, (row) => ({ key: row.version, id: row.template_id }));
    },
    async version(templateId, n) {
      // Versions count up from 1: a number no BIGINT parameter can carry finds none, as on SQLite.
      if (hasNul(templateId) || !Number.isSafeInteger(n)) return null;
      const { rows } = await db.query<TemplateVersionRow>(
        'SELECT * FROM template_versions WHERE template_id = $1 AND version = $2',
        [templateId, n],
      );
      return rows[0] ? toVersion(rows[0]) : null;
    },
    async setActive(templateId, active, at) {
      if (hasNul(templateId)) return;
      await db.query('UPDATE templates SET active = $2, updated_at = $3 WHERE id = $1', [
        templateId,
        active ? 1 : 0,
        at,
      ]);
    },
    async remove(templateId) {
      if (hasNul(templateId)) return false;
      const { rowCount } = await db.query('DELETE FROM templates WHERE id = $1', [templateId]);
      return (rowCount ?? 0) > 0;
    },
  };
}
