import type { OptOutsRepo } from '../types/index.js';
import { toOptOut, type OptOutRow } from '../opt-out-rows.js';
import { toPage } from '../sqlite/page.js';
import { hasNul, refusingNul } from './nul-text.js';
import { pgAfterBounds } from './page-bounds.js';
import type { PgDb } from './queryable.js';

const sql = {
  add: `INSERT INTO opt_outs (project_id, address, created_at, reason, source) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT DO NOTHING`,
  get: 'SELECT * FROM opt_outs WHERE project_id = $1 AND address = $2',
  // `address` is COLLATE "C": the order and the cursor comparison are SQLite's byte order.
  list: `SELECT * FROM opt_outs WHERE project_id = $1 AND (created_at, address) < ($2, $3)
    ORDER BY created_at DESC, address DESC LIMIT $4`,
  remove: 'DELETE FROM opt_outs WHERE project_id = $1 AND address = $2',
};

/**
 * Recipients that opted out, on PostgreSQL; the behaviour of ../sqlite/opt-outs.ts. An address
 * with a NUL (which PostgreSQL text cannot hold) has opted out nowhere, and adding one is refused
 * (`400 validation_failed`; the admin API refuses control characters in addresses before).
 */
export function createOptOutsRepo(pg: PgDb): OptOutsRepo {
  const db = refusingNul(pg);
  return {
    async add(projectId, address, at, entry = {}) {
      const { rowCount } = await db.query(sql.add, [
        projectId,
        address,
        at,
        entry.reason ?? null,
        entry.source ?? 'provider',
      ]);
      return (rowCount ?? 0) > 0;
    },
    async among(projectId, addresses) {
      const wanted = addresses.filter((a) => !hasNul(a));
      if (wanted.length === 0 || hasNul(projectId)) return new Set();
      const { rows } = await db.query<{ address: string }>(
        'SELECT address FROM opt_outs WHERE project_id = $1 AND address = ANY($2::text[])',
        [projectId, wanted],
      );
      return new Set(rows.map((r) => r.address));
    },
    async has(projectId, address) {
      if (hasNul(projectId, address)) return false;
      const { rows } = await db.query('SELECT 1 FROM opt_outs WHERE project_id = $1 AND address = $2', [
        projectId,
        address,
      ]);
      return rows.length > 0;
    },
    async get(projectId, address) {
      if (hasNul(projectId, address)) return null;
      const { rows } = await db.query<OptOutRow>(sql.get, [projectId, address]);
      return rows[0] ? toOptOut(rows[0]) : null;
    },
    async page(projectId, page) {
      if (hasNul(projectId)) return { items: [], next: null };
      const bound = pgAfterBounds(page);
      const { rows } = await db.query<OptOutRow>(sql.list, [projectId, bound.afterKey, bound.afterId, page.limit + 1]);
      return toPage(rows, page, toOptOut, (r) => ({ key: r.created_at, id: r.address }));
    },
    async remove(projectId, address) {
      if (hasNul(projectId, address)) return false;
      const { rowCount } = await db.query(sql.remove, [projectId, address]);
      return (rowCount ?? 0) > 0;
    },
  };
}
