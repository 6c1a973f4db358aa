import type Database from 'better-sqlite3';
import type { KeysRepo } from '../types/index.js';
import { KEY_COLUMNS, keyProjectOf, toKey, type KeyProjectColumns, type KeyRow } from '../key-rows.js';
import { afterBounds, toPage } from './page.js';

// One indexed lookup by the UNIQUE hash column, joined with the project.
const BY_HASH = `SELECT k.id, k.project_id, k.kind, k.prefix, k.name, k.created_at, k.expires_at, k.revoked_at,
    k.rate_limit, k.last_used_at, k.replaced_by,
    p.id AS p_id, p.name AS p_name, p.account_id AS p_account_id, p.allowed_origins, p.allowed_countries, p.default_country, p.limits, p.prices, p.fallbacks,
    p.allowed_number_types, p.development, p.quiet_hours, p.created_at AS p_created_at
  FROM api_keys k JOIN projects p ON p.id = k.project_id
  WHERE k.hash = ?`;

export function createKeysRepo(db: Database.Database): KeysRepo {
  const insert = db.prepare(
    `INSERT INTO api_keys (id, project_id, kind, prefix, hash, name, created_at, expires_at, revoked_at, rate_limit)
     VALUES (@id, @projectId, @kind, @prefix, @hash, @name, @createdAt, @expiresAt, @revokedAt, @rateLimit)`,
  );
  const byHash = db.prepare<[string], KeyRow & KeyProjectColumns>(BY_HASH);
  const byProject = db.prepare<[string], KeyRow>(
    `SELECT ${KEY_COLUMNS} FROM api_keys WHERE project_id = ? ORDER BY created_at, id`,
  );
  const byId = db.prepare<{ projectId: string | null; id: string }, KeyRow>(
    `SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = @id AND (@projectId IS NULL OR project_id = @projectId)`,
  );
  const list = db.prepare<{ projectId: string; afterKey: number; afterId: string; limit: number }, KeyRow>(
    `SELECT ${KEY_COLUMNS} FROM api_keys WHERE project_id = @projectId AND (created_at, id) < (@afterKey, @afterId)
      ORDER BY created_at DESC, id DESC LIMIT @limit`,
  );
  const update = db.prepare(
    `UPDATE api_keys SET name = CASE WHEN @setName THEN @name ELSE name END,
       rate_limit = CASE WHEN @setRateLimit THEN @rateLimit ELSE rate_limit END WHERE id = @id`,
  );
  const retire = db.prepare(
    `UPDATE api_keys SET expires_at = min(coalesce(expires_at, @expiresAt), @expiresAt), replaced_by = @replacedBy
      WHERE id = @id`,
  );
  const revoke = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  const touch = db.prepare('UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?');
  const touchAll = db.transaction((lastUsed: ReadonlyMap<string, number>) => {
    for (const [id, at] of lastUsed) touch.run(at, id);
  });
  return {
    async create(key, hash) {
      insert.run({
        ...key,
        hash,
        rateLimit: key.rateLimit ? JSON.stringify(key.rateLimit) : null,
      });
    },
    async findByHash(hash) {
      const row = byHash.get(hash);
      return row ? { key: toKey(row), project: keyProjectOf(row) } : null;
    },
    async list(projectId) {
      return byProject.all(projectId).map(toKey);
    },
    async page(projectId, page) {
      const rows = list.all({ projectId, ...afterBounds(page), limit: page.limit + 1 });
      return toPage(rows, page, toKey, (r) => ({ key: r.created_at, id: r.id }));
    },
    async get(projectId, id) {
      const row = byId.get({ projectId, id });
      return row ? toKey(row) : null;
    },
    async update(id, patch) {
      update.run({
        id,
        setName: patch.name === undefined ? 0 : 1,
        name: patch.name ?? null,
        setRateLimit: patch.rateLimit === undefined ? 0 : 1,
        rateLimit: patch.rateLimit ? JSON.stringify(patch.rateLimit) : null,
      });
    },
    async retire(id, change) {
      retire.run({ id, ...change });
    },
    async revoke(id, at) {
      return revoke.run(at, id).changes > 0;
    },
    async touch(lastUsed) {
      if (lastUsed.size > 0) touchAll(lastUsed);
    },
  };
}
