import type { UsersRepo } from '../types/index.js';
import { toUser, type UserRow } from '../user-rows.js';
import { hasNul, refusingNul } from './nul-text.js';
import type { PgDb } from './queryable.js';

const COLUMNS = `id, email, email_key, name, password_hash, password_changed_at, last_login_at, created_at,
  updated_at`;

/**
 * The users on PostgreSQL; behaves as `sqlite/users.ts`. Addresses are unique by `email_key`
 * (trimmed, lowercased by the caller), so two relays creating the same address at once store one:
 * the other fails with the UNIQUE violation (23505), as SQLite's insert does.
 */
export function createUsersRepo(pg: PgDb): UsersRepo {
  const db = refusingNul(pg);
  const one = async (where: string, value: string) => {
    if (hasNul(value)) return null;
    const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE ${where} = $1`, [value]);
    return rows[0] ? toUser(rows[0]) : null;
  };
  return {
    async create(user) {
      await db.query(`INSERT INTO users (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
        user.id,
        user.email,
        user.emailKey,
        user.name,
        user.passwordHash,
        user.passwordChangedAt,
        user.lastLoginAt,
        user.createdAt,
        user.updatedAt,
      ]);
    },
    get: (id) => one('id', id),
    // A sign-in name holding U+0000 matches no user (none can be stored here), as on SQLite.
    findByEmailKey: (emailKey) => one('email_key', emailKey),
    async setPassword(id, hash, at) {
      await db.query('UPDATE users SET password_hash = $1, password_changed_at = $2, updated_at = $2 WHERE id = $3', [
        hash,
        at,
        id,
      ]);
    },
    async touchLogin(id, at) {
      await db.query('UPDATE users SET last_login_at = $1 WHERE id = $2', [at, id]);
    },
    async count() {
      const { rows } = await db.query<{ n: number }>('SELECT count(*) AS n FROM users');
      return rows[0]!.n;
    },
  };
}
