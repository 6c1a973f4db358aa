import type { Project, ProjectsRepo } from '../types/index.js';
import { toProject, type ProjectRow } from '../project-rows.js';
import { toPage } from '../sqlite/page.js';
import { pgAfterBounds } from './page-bounds.js';
import { advisoryLock } from './advisory-lock.js';
import type { PgDb } from './queryable.js';
import { hasNul, refuseNul } from './nul-text.js';

const INSERT = `INSERT INTO projects (id, name, allowed_origins, allowed_countries, default_country, limits, prices, fallbacks,
    allowed_number_types, development, quiet_hours, account_id, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`;
/** `INSERT`, unless the table holds a project already (a SELECT's parameters need their types). */
const INSERT_FIRST = `INSERT INTO projects (id, name, allowed_origins, allowed_countries, default_country, limits, prices, fallbacks,
    allowed_number_types, development, quiet_hours, account_id, created_at)
  SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text, $10::bigint, $11::text,
    $12::text, $13::bigint
  WHERE NOT EXISTS (SELECT 1 FROM projects)`;
const SAVE = `UPDATE projects SET name = $2, allowed_origins = $3, allowed_countries = $4, default_country = $5, limits = $6,
    prices = $7, fallbacks = $8, allowed_number_types = $9, development = $10, quiet_hours = $11
  WHERE id = $1`;

/** The columns a save writes, as parameters `$1`–`$11` (an insert adds the account and creation time). */
function settings(p: Project): unknown[] {
  refuseNul({ id: p.id, name: p.name, defaultCountry: p.defaultCountry });
  return [
    p.id,
    p.name,
    JSON.stringify(p.allowedOrigins),
    JSON.stringify(p.allowedCountries),
    p.defaultCountry,
    JSON.stringify(p.limits),
    p.prices ? JSON.stringify(p.prices) : null,
    JSON.stringify(p.fallbacks),
    JSON.stringify(p.allowedNumberTypes),
    p.development ? 1 : 0,
    p.quietHours ? JSON.stringify(p.quietHours) : null,
  ];
}

/**
 * `page`'s statement and parameters: the account filter and the id list only when given. Ids
 * compare as SQLite's do (BINARY: by code point) whatever the database's collation: `COLLATE "C"`,
 * as the list index is built.
 */
function pageQuery(
  filter: Parameters<ProjectsRepo['page']>[0],
  page: Parameters<ProjectsRepo['page']>[1],
): { text: string; values: unknown[] } {
  const { afterKey, afterId } = pgAfterBounds(page);
  const values: unknown[] = [afterKey, afterId, page.limit + 1];
  const where = ['(created_at, id COLLATE "C") < ($1, $2)'];
  if (filter.accountId !== null) where.push(`account_id = $${values.push(filter.accountId)}`);
  if (filter.projectIds) {
    const ids = filter.projectIds.filter((id) => !hasNul(id));
    where.push(`id = ANY($${values.push(ids)}::text[])`);
  }
  return {
    text: `SELECT * FROM projects WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT $3`,
    values,
  };
}

export function createProjectsRepo(db: PgDb): ProjectsRepo {
  return {
    async create(project) {
      refuseNul({ accountId: project.accountId });
      await db.query(INSERT, [...settings(project), project.accountId, project.createdAt]);
    },
    async createFirst(project) {
      refuseNul({ accountId: project.accountId });
      const values = [...settings(project), project.accountId, project.createdAt];
      return db.tx(async (q) => {
        // The lock, then the check in a statement of its own: at READ COMMITTED that statement's
        // snapshot includes the project of a relay that held the lock before (one in the same
        // statement would not see it).
        await advisoryLock(q, 'firstProject');
        const { rowCount } = await q.query(INSERT_FIRST, values);
        return (rowCount ?? 0) > 0;
      });
    },
    async get(id) {
      if (hasNul(id)) return null;
      const { rows } = await db.query<ProjectRow>('SELECT * FROM projects WHERE id = $1', [id]);
      return rows[0] ? toProject(rows[0]) : null;
    },
    async list() {
      const { rows } = await db.query<ProjectRow>('SELECT * FROM projects ORDER BY created_at, id COLLATE "C"');
      return rows.map(toProject);
    },
    async listForAccount(accountId, projectIds) {
      if (hasNul(accountId)) return [];
      const { rows } = await db.query<ProjectRow>(
        'SELECT * FROM projects WHERE account_id = $1 ORDER BY created_at, id COLLATE "C"',
        [accountId],
      );
      const projects = rows.map(toProject);
      if (!projectIds) return projects;
      const wanted = new Set(projectIds);
      return projects.filter((p) => wanted.has(p.id));
    },
    async page(filter, page) {
      if (hasNul(filter.accountId)) return { items: [], next: null };
      const { text, values } = pageQuery(filter, page);
      const { rows } = await db.query<ProjectRow>(text, values);
      return toPage(rows, page, toProject, (r) => ({ key: r.created_at, id: r.id }));
    },
    async remove(id) {
      if (hasNul(id)) return false;
      // Deletes a project; its rows cascade, and rows keyed by its key ids (no foreign key) go with
      // them. The project row is locked first, so a message being accepted for one of its keys
      // either commits before (and its idempotency row is deleted here) or fails on the project.
      return db.tx(async (q) => {
        const { rows } = await q.query('SELECT id FROM projects WHERE id = $1 FOR UPDATE', [id]);
        if (rows.length === 0) return false;
        await q.query('DELETE FROM idempotency WHERE key_id IN (SELECT id FROM api_keys WHERE project_id = $1)', [id]);
        const removed = await q.query('DELETE FROM projects WHERE id = $1', [id]);
        return (removed.rowCount ?? 0) > 0;
      });
    },
    async update(id, patch) {
      if (hasNul(id)) return null;
      return db.tx(async (q) => {
        const { rows } = await q.query<ProjectRow>('SELECT * FROM projects WHERE id = $1 FOR UPDATE', [id]);
        if (!rows[0]) return null;
        const next = { ...toProject(rows[0]), ...patch };
        await q.query(SAVE, settings(next));
        return next;
      });
    },
  };
}
