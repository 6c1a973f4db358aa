import type Database from 'better-sqlite3';
import type { InvitesRepo } from '../types/index.js';
import { INVITE_COLUMNS, toInvite, type InviteRow } from '../invite-rows.js';
import { afterBounds, toPage } from './page.js';

export function createInvitesRepo(db: Database.Database): InvitesRepo {
  const insert = db.prepare(
    `INSERT OR IGNORE INTO invites (id, account_id, email, email_key, role, granted, withdrawn, project_ids, hash, invited_by, created_at, expires_at)
     VALUES (@id, @accountId, @email, @emailKey, @role, @granted, @withdrawn, @projectIds, @hash, @invitedBy, @createdAt, @expiresAt)`,
  );
  const byHash = db.prepare<[string], InviteRow>(`SELECT ${INVITE_COLUMNS} FROM invites WHERE hash = ?`);
  const byId = db.prepare<[string, string], InviteRow>(
    `SELECT ${INVITE_COLUMNS} FROM invites WHERE account_id = ? AND id = ?`,
  );
  const list = db.prepare<{ accountId: string; afterKey: number; afterId: string; limit: number }, InviteRow>(
    `SELECT ${INVITE_COLUMNS} FROM invites WHERE account_id = @accountId AND (created_at, id) < (@afterKey, @afterId)
      ORDER BY created_at DESC, id DESC LIMIT @limit`,
  );
  const revoke = db.prepare(
    'UPDATE invites SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL AND accepted_at IS NULL',
  );
  const revokeExpired = db.prepare(
    `UPDATE invites SET revoked_at = @at WHERE account_id = @accountId AND email_key = @emailKey
       AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at <= @at`,
  );
  const accept = db.prepare(
    'UPDATE invites SET accepted_at = ? WHERE id = ? AND accepted_at IS NULL AND revoked_at IS NULL',
  );
  return {
    async create(invite, hash) {
      // OR IGNORE: a pending invite for the same address (the partial UNIQUE index) writes nothing.
      const result = insert.run({
        ...invite,
        hash,
        granted: JSON.stringify(invite.granted),
        withdrawn: JSON.stringify(invite.withdrawn),
        projectIds: invite.projectIds === null ? null : JSON.stringify(invite.projectIds),
      });
      return result.changes > 0;
    },
    async findByHash(hash) {
      const row = byHash.get(hash);
      return row ? toInvite(row) : null;
    },
    async get(accountId, id) {
      const row = byId.get(accountId, id);
      return row ? toInvite(row) : null;
    },
    async page(accountId, page) {
      const rows = list.all({ accountId, ...afterBounds(page), limit: page.limit + 1 });
      return toPage(rows, page, toInvite, (r) => ({ key: r.created_at, id: r.id }));
    },
    async revoke(id, at) {
      return revoke.run(at, id).changes > 0;
    },
    async revokeExpired(accountId, emailKey, at) {
      revokeExpired.run({ accountId, emailKey, at });
    },
    async accept(id, at) {
      return accept.run(at, id).changes > 0;
    },
  };
}
