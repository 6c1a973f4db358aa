import type { KeysRepo } from '../types/index.js';
import { KEY_COLUMNS, keyProjectOf, toKey, type KeyProjectColumns, type KeyRow } from '../key-rows.js';
import { toPage } from '../sqlite/page.js';
import { pgAfterBounds } from './page-bounds.js';
import type { PgDb } from './queryable.js';
import { hasNul, refuseNul } from './nul-text.js';

// One indexed lookup by the UNIQUE hash column, joined with the project.
const BY_HASH = `SELECT k.id, k.project_id, k.kind, k.prefix, k.name, k.created_at, k.expires_at, k.revoked_at,
    k.rate_limit, k.last_used_at, k.replaced_by,
    p.id AS p_id, p.name AS p_name, p.account_id AS p_account_id, p.allowed_origins, p.allowed_countries,
    p.default_country, p.limits, p.prices, p.fallbacks, p.allowed_number_types, p.development, p.quiet_hours, p.created_at AS p_created_at
  FROM api_keys k JOIN projects p ON p.id = k.project_id
  WHERE k.hash = $1`;

const INSERT = `INSERT INTO api_keys (id, project_id, kind, prefix, hash, name, created_at, expires_at, revoked_at, rate_limit)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;

// Ids are compared as SQLite does (by code point), whatever the database's collation.
const PAGE = `SELECT ${KEY_COLUMNS} FROM api_keys WHERE project_id = $1 AND (created_at, id COLLATE "C") < ($2, $3)
  ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT $4`;

const UPDATE = `UPDATE api_keys SET name = CASE WHEN $2 THEN $3 ELSE name END,
    rate_limit = CASE WHEN $4 THEN $5 ELSE rate_limit END
  WHERE id = $1`;

const RETIRE = `UPDATE api_keys SET expires_at = LEAST(COALESCE(expires_at, $2), $2), replaced_by = $3 WHERE id = $1`;

/**
 * Last-used times, in one statement for the whole batch. A row is written only when its time
 * moves forward (an unchanged key costs no row version), and the rows to change are locked in id
 * order first, so two relays flushing overlapping batches at once never deadlock.
 */
const TOUCH = `WITH batch AS (SELECT * FROM unnest($1::text[], $2::bigint[]) AS b(id, at)),
  locked AS (
    SELECT k.id FROM api_keys k JOIN batch b ON b.id = k.id
     WHERE k.last_used_at IS NULL OR k.last_used_at < b.at
     ORDER BY k.id COLLATE "C" FOR UPDATE OF k)
  UPDATE api_keys k SET last_used_at = b.at FROM batch b, locked l
   WHERE k.id = b.id AND l.id = k.id AND (k.last_used_at IS NULL OR k.last_used_at < b.at)`;

export function createKeysRepo(db: PgDb): KeysRepo {
  return {
    async create(key, hash) {
      refuseNul({ id: key.id, projectId: key.projectId, prefix: key.prefix, hash, name: key.name });
      await db.query(INSERT, [
        key.id,
        key.projectId,
        key.kind,
        key.prefix,
        hash,
        key.name,
        key.createdAt,
        key.expiresAt,
        key.revokedAt,
        key.rateLimit ? JSON.stringify(key.rateLimit) : null,
      ]);
    },
    async findByHash(hash) {
      if (hasNul(hash)) return null;
      const { rows } = await db.query<KeyRow & KeyProjectColumns>(BY_HASH, [hash]);
      return rows[0] ? { key: toKey(rows[0]), project: keyProjectOf(rows[0]) } : null;
    },
    async list(projectId) {
      if (hasNul(projectId)) return [];
      const { rows } = await db.query<KeyRow>(
        `SELECT ${KEY_COLUMNS} FROM api_keys WHERE project_id = $1 ORDER BY created_at, id COLLATE "C"`,
        [projectId],
      );
      return rows.map(toKey);
    },
    async page(projectId, page) {
      if (hasNul(projectId)) return { items: [], next: null };
      const { afterKey, afterId } = pgAfterBounds(page);
      const { rows } = await db.query<KeyRow>(PAGE, [projectId, afterKey, afterId, page.limit + 1]);
      return toPage(rows, page, toKey, (r) => ({ key: r.created_at, id: r.id }));
    },
    async get(projectId, id) {
      if (hasNul(projectId, id)) return null;
      const { rows } =
        projectId === null
          ? await db.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = $1`, [id])
          : await db.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = $1 AND project_id = $2`, [
              id,
              projectId,
            ]);
      return rows[0] ? toKey(rows[0]) : null;
    },
    async update(id, patch) {
      refuseNul({ name: patch.name });
      if (hasNul(id)) return;
      await db.query(UPDATE, [
        id,
        patch.name !== undefined,
        patch.name ?? null,
        patch.rateLimit !== undefined,
        patch.rateLimit ? JSON.stringify(patch.rateLimit) : null,
      ]);
    },
    async retire(id, change) {
      refuseNul({ replacedBy: change.replacedBy });
      if (hasNul(id)) return;
      await db.query(RETIRE, [id, change.expiresAt, change.replacedBy]);
    },
    async revoke(id, at) {
      if (hasNul(id)) return false;
      const { rowCount } = await db.query('UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [
        id,
        at,
      ]);
      return (rowCount ?? 0) > 0;
    },
    async touch(lastUsed) {
      const batch = [...lastUsed].filter(([id]) => !hasNul(id));
      if (batch.length === 0) return;
      await db.query(TOUCH, [batch.map(([id]) => id), batch.map(([, at]) => at)]);
    },
  };
}
