import type { AccountsRepo } from '../types/index.js';
import { toAccount, toMembership, type AccountRow, type MembershipRow } from '../account-rows.js';
import { hasNul, refusingNul } from './nul-text.js';
import type { PgDb } from './queryable.js';

const COLUMNS = 'id, name, created_at, updated_at';

/** The accounts on PostgreSQL; behaves as `sqlite/accounts.ts`. */
export function createAccountsRepo(pg: PgDb): AccountsRepo {
  const db = refusingNul(pg);
  return {
    async create(account) {
      await db.query('INSERT INTO accounts (id, name, created_at, updated_at) VALUES ($1, $2, $3, $4)', [
        account.id,
        account.name,
        account.createdAt,
        account.updatedAt,
      ]);
    },
    async get(id) {
      if (hasNul(id)) return null;
      const { rows } = await db.query<AccountRow>(`SELECT ${COLUMNS} FROM accounts WHERE id = $1`, [id]);
      return rows[0] ? toAccount(rows[0]) : null;
    },
    async list(limit) {
      const { rows } = await db.query<AccountRow>(`SELECT ${COLUMNS} FROM accounts ORDER BY created_at, id LIMIT $1`, [
        limit,
      ]);
      return rows.map(toAccount);
    },
    async update(id, patch, at) {
      if (hasNul(id)) return null;
      const { rows } = await db.query<AccountRow>(
        `UPDATE accounts SET name = $1, updated_at = $2 WHERE id = $3 RETURNING ${COLUMNS}`,
        [patch.name, at, id],
      );
      return rows[0] ? toAccount(rows[0]) : null;
    },
    async listForUser(userId) {
      if (hasNul(userId)) return [];
      const { rows } = await db.query<MembershipRow>(
        `SELECT a.id, a.name, a.created_at, a.updated_at, m.id AS member_id, m.role, m.status,
                m.created_at AS member_created_at
           FROM members m JOIN accounts a ON a.id = m.account_id
          WHERE m.user_id = $1 ORDER BY m.created_at, m.id`,
        [userId],
      );
      return rows.map(toMembership);
    },
    async adoptOrphans(accountId) {
      return db.tx(async (q) => {
        const adopted = await q.query('UPDATE projects SET account_id = $1 WHERE account_id IS NULL', [accountId]);
        await q.query(
          `UPDATE audit SET account_id = $1
            WHERE account_id IS NULL
              AND (project_id IS NULL OR project_id IN (SELECT id FROM projects WHERE account_id = $1))`,
          [accountId],
        );
        return adopted.rowCount ?? 0;
      });
    },
  };
}
