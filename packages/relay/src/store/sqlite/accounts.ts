import type Database from 'better-sqlite3';
import type { AccountsRepo } from '../types/index.js';
import { toAccount, toMembership, type AccountRow, type MembershipRow } from '../account-rows.js';

export function createAccountsRepo(db: Database.Database): AccountsRepo {
  const insert = db.prepare(
    'INSERT INTO accounts (id, name, created_at, updated_at) VALUES (@id, @name, @createdAt, @updatedAt)',
  );
  const byId = db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE id = ?');
  const oldest = db.prepare<[number], AccountRow>('SELECT * FROM accounts ORDER BY created_at, id LIMIT ?');
  const rename = db.prepare('UPDATE accounts SET name = ?, updated_at = ? WHERE id = ?');
  const ofUser = db.prepare<[string], MembershipRow>(
    `SELECT a.*, m.id AS member_id, m.role, m.status, m.created_at AS member_created_at
       FROM members m JOIN accounts a ON a.id = m.account_id
      WHERE m.user_id = ? ORDER BY m.created_at, m.id`,
  );
  const adoptProjects = db.prepare('UPDATE projects SET account_id = ? WHERE account_id IS NULL');
  const adoptAudit = db.prepare(
    `UPDATE audit SET account_id = ?
      WHERE account_id IS NULL AND (project_id IS NULL OR project_id IN (SELECT id FROM projects WHERE account_id = ?))`,
  );
  const adopt = db.transaction((accountId: string) => {
    const adopted = adoptProjects.run(accountId).changes;
    adoptAudit.run(accountId, accountId);
    return adopted;
  });
  return {
    async create(account) {
      insert.run(account);
    },
    async get(id) {
      const row = byId.get(id);
      return row ? toAccount(row) : null;
    },
    async list(limit) {
      return oldest.all(limit).map(toAccount);
    },
    async update(id, patch, at) {
      if (rename.run(patch.name, at, id).changes === 0) return null;
      return toAccount(byId.get(id)!);
    },
    async listForUser(userId) {
      return ofUser.all(userId).map(toMembership);
    },
    async adoptOrphans(accountId) {
      return adopt(accountId);
    },
  };
}
