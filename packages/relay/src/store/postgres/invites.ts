import type { InvitesRepo } from '../types/index.js';
import { INVITE_COLUMNS, toInvite, type InviteRow } from '../invite-rows.js';
import { toPage } from '../sqlite/page.js';
import { hasNul, refusingNul } from './nul-text.js';
import { pgAfterBounds } from './page-bounds.js';
import type { PgDb } from './queryable.js';

const rowCountOf = (result: { rowCount: number | null }) => result.rowCount ?? 0;

/** The invites on PostgreSQL; behaves as `sqlite/invites.ts`. */
export function createInvitesRepo(pg: PgDb): InvitesRepo {
  const db = refusingNul(pg);
  const rows = async (where: string, values: unknown[]) =>
    (await db.query<InviteRow>(`SELECT ${INVITE_COLUMNS} FROM invites ${where}`, values)).rows;
  return {
    async create(invite, hash) {
      // DO NOTHING, as SQLite's OR IGNORE: a pending invite for the same address (the partial
      // UNIQUE index) writes nothing. Two relays inviting one address at once: the second insert
      // waits for the first to commit, then conflicts and writes nothing.
      const result = await db.query(
        `INSERT INTO invites (id, account_id, email, email_key, role, granted, withdrawn, project_ids, hash, invited_by,
           created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`,
        [
          invite.id,
          invite.accountId,
          invite.email,
          invite.emailKey,
          invite.role,
          JSON.stringify(invite.granted),
          JSON.stringify(invite.withdrawn),
          invite.projectIds === null ? null : JSON.stringify(invite.projectIds),
          hash,
          invite.invitedBy,
          invite.createdAt,
          invite.expiresAt,
        ],
      );
      return rowCountOf(result) > 0;
    },
    async findByHash(hash) {
      if (hasNul(hash)) return null;
      const [row] = await rows('WHERE hash = $1', [hash]);
      return row ? toInvite(row) : null;
    },
    async get(accountId, id) {
      if (hasNul(accountId, id)) return null;
      const [row] = await rows('WHERE account_id = $1 AND id = $2', [accountId, id]);
      return row ? toInvite(row) : null;
    },
    async page(accountId, page) {
      const bounds = pgAfterBounds(page);
      if (hasNul(accountId)) return { items: [], next: null };
      const found = await rows(
        `WHERE account_id = $1 AND (created_at, id) < ($2, $3) ORDER BY created_at DESC, id DESC LIMIT $4`,
        [accountId, bounds.afterKey, bounds.afterId, page.limit + 1],
      );
      return toPage(found, page, toInvite, (r) => ({ key: r.created_at, id: r.id }));
    },
    async revoke(id, at) {
      if (hasNul(id)) return false;
      const result = await db.query(
        'UPDATE invites SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL AND accepted_at IS NULL',
        [at, id],
      );
      return rowCountOf(result) > 0;
    },
    async revokeExpired(accountId, emailKey, at) {
      if (hasNul(accountId, emailKey)) return;
      await db.query(
        `UPDATE invites SET revoked_at = $3 WHERE account_id = $1 AND email_key = $2
           AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at <= $3`,
        [accountId, emailKey, at],
      );
    },
    async accept(id, at) {
      if (hasNul(id)) return false;
      // Single use across relays: a second accept waits on the row lock, then finds it accepted.
      const result = await db.query(
        'UPDATE invites SET accepted_at = $1 WHERE id = $2 AND accepted_at IS NULL AND revoked_at IS NULL',
        [at, id],
      );
      return rowCountOf(result) > 0;
    },
  };
}
