import type Database from 'better-sqlite3';
import type { OptOutsRepo } from '../types/index.js';
import { toOptOut, type OptOutRow } from '../opt-out-rows.js';
import { afterBounds, toPage } from './page.js';

export function createOptOutsRepo(db: Database.Database): OptOutsRepo {
  const add = db.prepare(
    'INSERT INTO opt_outs (project_id, address, created_at, reason, source) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const has = db.prepare('SELECT 1 FROM opt_outs WHERE project_id = ? AND address = ?');
  const among = db
    .prepare<[string, string], string>(
      'SELECT address FROM opt_outs WHERE project_id = ? AND address IN (SELECT value FROM json_each(?))',
    )
    .pluck();
  const get = db.prepare<[string, string], OptOutRow>('SELECT * FROM opt_outs WHERE project_id = ? AND address = ?');
  const list = db.prepare<{ projectId: string; afterKey: number; afterId: string; limit: number }, OptOutRow>(
    `SELECT * FROM opt_outs WHERE project_id = @projectId AND (created_at, address) < (@afterKey, @afterId)
      ORDER BY created_at DESC, address DESC LIMIT @limit`,
  );
  const remove = db.prepare('DELETE FROM opt_outs WHERE project_id = ? AND address = ?');
  return {
    async add(projectId, address, at, entry = {}) {
      return add.run(projectId, address, at, entry.reason ?? null, entry.source ?? 'provider').changes > 0;
    },
    async has(projectId, address) {
      return has.get(projectId, address) !== undefined;
    },
    async among(projectId, addresses) {
      return new Set(addresses.length === 0 ? [] : among.all(projectId, JSON.stringify(addresses)));
    },
    async get(projectId, address) {
      const row = get.get(projectId, address);
      return row ? toOptOut(row) : null;
    },
    async page(projectId, page) {
      const rows = list.all({ projectId, ...afterBounds(page), limit: page.limit + 1 });
      return toPage(rows, page, toOptOut, (r) => ({ key: r.created_at, id: r.address }));
    },
    async remove(projectId, address) {
      return remove.run(projectId, address).changes > 0;
    },
  };
}
