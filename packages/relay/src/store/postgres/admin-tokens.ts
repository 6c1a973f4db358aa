import type { AdminTokensRepo } from '../types/index.js';
import { toAdminToken, type AdminTokenRow } from '../admin-token-rows.js';
import { toPage } from '../sqlite/page.js';
import { hasNul, refusingNul } from './nul-text.js';
import { pgAfterBounds } from './page-bounds.js';
import type { PgDb } from './queryable.js';

type Row = AdminTokenRow<string[]>;

const SELECT = `SELECT t.id, t.account_id, t.member_id, t.name, t.prefix, t.permissions, t.all_projects, t.created_at,
    t.expires_at, t.revoked_at, t.last_used_at,
    ARRAY(SELECT tp.project_id FROM admin_token_projects tp WHERE tp.token_id = t.id
           ORDER BY tp.project_id COLLATE "C") AS project_ids
  FROM admin_tokens t`;

/** The admin tokens on PostgreSQL; behaves as `sqlite/admin-tokens.ts`. */
export function createAdminTokensRepo(pg: PgDb): AdminTokensRepo {
  const db = refusingNul(pg);
  const rows = async (where: string, values: unknown[]) => (await db.query<Row>(`${SELECT} ${where}`, values)).rows;
  return {
    async create(token, hash) {
      await db.tx(async (q) => {
        await q.query(
          `INSERT INTO admin_tokens (id, account_id, member_id, name, prefix, hash, permissions, all_projects,
             created_at, expires_at, revoked_at, last_used_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
          [
            token.id,
            token.accountId,
            token.memberId,
            token.name,
            token.prefix,
            hash,
            JSON.stringify(token.permissions),
            token.projectIds === null ? 1 : 0,
            token.createdAt,
            token.expiresAt,
            token.revokedAt,
            token.lastUsedAt,
          ],
        );
        const projectIds = [...new Set(token.projectIds ?? [])];
        if (projectIds.length > 0) {
          await q.query('INSERT INTO admin_token_projects (token_id, project_id) SELECT $1, unnest($2::text[])', [
            token.id,
            projectIds,
          ]);
        }
      });
    },
    async findByHash(hash) {
      if (hasNul(hash)) return null;
      const [row] = await rows('WHERE t.hash = $1', [hash]);
      return row ? toAdminToken(row) : null;
    },
    async get(accountId, id) {
      if (hasNul(accountId, id)) return null;
      const [row] = await rows('WHERE t.account_id = $1 AND t.id = $2', [accountId, id]);
      return row ? toAdminToken(row) : null;
    },
    async page(accountId, filter, page) {
      const bounds = pgAfterBounds(page);
      if (hasNul(accountId, filter.memberId)) return { items: [], next: null };
      const found = await rows(
        `WHERE t.account_id = $1 AND ($2::text IS NULL OR t.member_id = $2) AND (t.created_at, t.id) < ($3, $4)
          ORDER BY t.created_at DESC, t.id DESC LIMIT $5`,
        [accountId, filter.memberId ?? null, bounds.afterKey, bounds.afterId, page.limit + 1],
      );
      return toPage(found, page, toAdminToken, (r) => ({ key: r.created_at, id: r.id }));
    },
    async revoke(id, at) {
      if (hasNul(id)) return false;
      const { rowCount } = await db.query(
        'UPDATE admin_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL',
        [at, id],
      );
      return (rowCount ?? 0) > 0;
    },
    async touch(lastUsed) {
      if (lastUsed.size === 0) return;
      const ids = [...lastUsed.keys()];
      await db.tx(async (q) => {
        // Rows locked in id order first: two relays flushing overlapping sets cannot deadlock.
        await q.query('SELECT id FROM admin_tokens WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [ids]);
        await q.query(
          `UPDATE admin_tokens t SET last_used_at = greatest(coalesce(t.last_used_at, 0), v.at)
             FROM unnest($1::text[], $2::bigint[]) AS v(id, at) WHERE t.id = v.id`,
          [ids, ids.map((id) => lastUsed.get(id)!)],
        );
      });
    },
  };
}
