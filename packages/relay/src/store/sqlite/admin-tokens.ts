import type Database from 'better-sqlite3';
import type { AdminTokenRecord, AdminTokensRepo } from '../types/index.js';
import { toAdminToken, type AdminTokenRow } from '../admin-token-rows.js';
import { afterBounds, toPage } from './page.js';

type Row = AdminTokenRow<string | null>;

const SELECT = `SELECT t.id, t.account_id, t.member_id, t.name, t.prefix, t.permissions, t.all_projects, t.created_at,
    t.expires_at, t.revoked_at, t.last_used_at,
    (SELECT group_concat(tp.project_id) FROM admin_token_projects tp WHERE tp.token_id = t.id) AS project_ids
  FROM admin_tokens t`;

export function createAdminTokensRepo(db: Database.Database): AdminTokensRepo {
  const insert = db.prepare(
    `INSERT INTO admin_tokens (id, account_id, member_id, name, prefix, hash, permissions, all_projects, created_at, expires_at, revoked_at, last_used_at)
     VALUES (@id, @accountId, @memberId, @name, @prefix, @hash, @permissions, @allProjects, @createdAt, @expiresAt, @revokedAt, @lastUsedAt)`,
  );
  const insertProject = db.prepare('INSERT INTO admin_token_projects (token_id, project_id) VALUES (?, ?)');
  const byHash = db.prepare<[string], Row>(`${SELECT} WHERE t.hash = ?`);
  const byId = db.prepare<[string, string], Row>(`${SELECT} WHERE t.account_id = ? AND t.id = ?`);
  const list = db.prepare<
    { accountId: string; memberId: string | null; afterKey: number; afterId: string; limit: number },
    Row
  >(
    `${SELECT} WHERE t.account_id = @accountId AND (@memberId IS NULL OR t.member_id = @memberId)
       AND (t.created_at, t.id) < (@afterKey, @afterId)
     ORDER BY t.created_at DESC, t.id DESC LIMIT @limit`,
  );
  const revoke = db.prepare('UPDATE admin_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  const touch = db.prepare('UPDATE admin_tokens SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?');
  const create = db.transaction((token: AdminTokenRecord, hash: string) => {
    insert.run({
      ...token,
      hash,
      permissions: JSON.stringify(token.permissions),
      allProjects: token.projectIds === null ? 1 : 0,
    });
    for (const id of new Set(token.projectIds ?? [])) insertProject.run(token.id, id);
  });
  const touchAll = db.transaction((lastUsed: ReadonlyMap<string, number>) => {
    for (const [id, at] of lastUsed) touch.run(at, id);
  });
  return {
    async create(token, hash) {
      create(token, hash);
    },
    async findByHash(hash) {
      const row = byHash.get(hash);
      return row ? toAdminToken(row) : null;
    },
    async get(accountId, id) {
      const row = byId.get(accountId, id);
      return row ? toAdminToken(row) : null;
    },
    async page(accountId, filter, page) {
      const rows = list.all({
        accountId,
        memberId: filter.memberId ?? null,
        ...afterBounds(page),
        limit: page.limit + 1,
      });
      return toPage(rows, page, toAdminToken, (r) => ({ key: r.created_at, id: r.id }));
    },
    async revoke(id, at) {
      return revoke.run(at, id).changes > 0;
    },
    async touch(lastUsed) {
      if (lastUsed.size > 0) touchAll(lastUsed);
    },
  };
}
