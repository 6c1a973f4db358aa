import type Database from 'better-sqlite3';
import type { Project, ProjectsRepo } from '../types/index.js';
import { toProject, type ProjectRow } from '../project-rows.js';
import { afterBounds, toPage } from './page.js';

/** Deletes a project; its rows cascade, and rows keyed by its key ids (no foreign key) go with them. */
function removal(db: Database.Database): (id: string) => boolean {
  const removeIdempotency = db.prepare(
    'DELETE FROM idempotency WHERE key_id IN (SELECT id FROM api_keys WHERE project_id = ?)',
  );
  const removeProject = db.prepare('DELETE FROM projects WHERE id = ?');
  return db.transaction((id: string) => {
    removeIdempotency.run(id);
    return removeProject.run(id).changes > 0;
  });
}

/**
 * The insert of `createFirst`, unless the table holds a project: one statement, so SQLite's single
 * writer makes the check and the insert one step, across processes too.
 */
function firstInsert(db: Database.Database): Database.Statement {
  return db.prepare(
    `INSERT INTO projects (id, name, account_id, allowed_origins, allowed_countries, default_country, limits, prices, fallbacks, allowed_number_types, development, quiet_hours, created_at)
     SELECT @id, @name, @accountId, @allowedOrigins, @allowedCountries, @defaultCountry, @limits, @prices, @fallbacks, @allowedNumberTypes, @development, @quietHours, @createdAt
      WHERE NOT EXISTS (SELECT 1 FROM projects)`,
  );
}

/** A project's columns as the statements' named parameters. */
const params = (p: Project) => ({
  ...p,
  allowedOrigins: JSON.stringify(p.allowedOrigins),
  allowedCountries: JSON.stringify(p.allowedCountries),
  limits: JSON.stringify(p.limits),
  prices: p.prices ? JSON.stringify(p.prices) : null,
  fallbacks: JSON.stringify(p.fallbacks),
  allowedNumberTypes: JSON.stringify(p.allowedNumberTypes),
  development: p.development ? 1 : 0,
  quietHours: p.quietHours ? JSON.stringify(p.quietHours) : null,
});

export function createProjectsRepo(db: Database.Database): ProjectsRepo {
  const insert = db.prepare(
    `INSERT INTO projects (id, name, account_id, allowed_origins, allowed_countries, default_country, limits, prices, fallbacks, allowed_number_types, development, quiet_hours, created_at)
     VALUES (@id, @name, @accountId, @allowedOrigins, @allowedCountries, @defaultCountry, @limits, @prices, @fallbacks, @allowedNumberTypes, @development, @quietHours, @createdAt)`,
  );
  const insertFirst = firstInsert(db);
  const byId = db.prepare<[string], ProjectRow>('SELECT * FROM projects WHERE id = ?');
  const all = db.prepare<[], ProjectRow>('SELECT * FROM projects ORDER BY created_at');
  const ofAccount = db.prepare<[string], ProjectRow>(
    'SELECT * FROM projects WHERE account_id = ? ORDER BY created_at, id',
  );
  const newestFirst = db.prepare<
    { accountId: string | null; projectIds: string | null; afterKey: number; afterId: string; limit: number },
    ProjectRow
  >(
    `SELECT * FROM projects
      WHERE (@accountId IS NULL OR account_id = @accountId)
        AND (@projectIds IS NULL OR id IN (SELECT value FROM json_each(@projectIds)))
        AND (created_at, id) < (@afterKey, @afterId)
      ORDER BY created_at DESC, id DESC LIMIT @limit`,
  );
  const remove = removal(db);
  const save = db.prepare(
    `UPDATE projects SET name = @name, allowed_origins = @allowedOrigins, allowed_countries = @allowedCountries,
       default_country = @defaultCountry, limits = @limits, prices = @prices, fallbacks = @fallbacks,
       allowed_number_types = @allowedNumberTypes, development = @development, quiet_hours = @quietHours WHERE id = @id`,
  );
  return {
    async create(project) {
      insert.run(params(project));
    },
    async createFirst(project) {
      return insertFirst.run(params(project)).changes > 0;
    },
    async get(id) {
      const row = byId.get(id);
      return row ? toProject(row) : null;
    },
    async list() {
      return all.all().map(toProject);
    },
    async listForAccount(accountId, projectIds) {
      const projects = ofAccount.all(accountId).map(toProject);
      if (!projectIds) return projects;
      const wanted = new Set(projectIds);
      return projects.filter((p) => wanted.has(p.id));
    },
    async page(filter, page) {
      const rows = newestFirst.all({
        accountId: filter.accountId,
        projectIds: filter.projectIds ? JSON.stringify(filter.projectIds) : null,
        ...afterBounds(page),
        limit: page.limit + 1,
      });
      return toPage(rows, page, toProject, (r) => ({ key: r.created_at, id: r.id }));
    },
    async remove(id) {
      return remove(id);
    },
    async update(id, patch) {
      return db.transaction(() => {
        const row = byId.get(id);
        if (!row) return null;
        const next = { ...toProject(row), ...patch };
        save.run(params(next));
        return next;
      })();
    },
  };
}
