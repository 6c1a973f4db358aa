import type Database from 'better-sqlite3';
import type { UsersRepo } from '../types/index.js';
import { toUser, type UserRow } from '../user-rows.js';

export function createUsersRepo(db: Database.Database): UsersRepo {
  const insert = db.prepare(
    `INSERT INTO users (id, email, email_key, name, password_hash, password_changed_at, last_login_at, created_at, updated_at)
     VALUES (@id, @email, @emailKey, @name, @passwordHash, @passwordChangedAt, @lastLoginAt, @createdAt, @updatedAt)`,
  );
  const byId = db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?');
  const byEmail = db.prepare<[string], UserRow>('SELECT * FROM users WHERE email_key = ?');
  const setPassword = db.prepare(
    'UPDATE users SET password_hash = ?, password_changed_at = ?, updated_at = ? WHERE id = ?',
  );
  const touch = db.prepare('UPDATE users SET last_login_at = ? WHERE id = ?');
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM users');
  return {
    async create(user) {
      insert.run(user);
    },
    async get(id) {
      const row = byId.get(id);
      return row ? toUser(row) : null;
    },
    async findByEmailKey(emailKey) {
      const row = byEmail.get(emailKey);
      return row ? toUser(row) : null;
    },
    async setPassword(id, hash, at) {
      setPassword.run(hash, at, at, id);
    },
    async touchLogin(id, at) {
      touch.run(at, id);
    },
    async count() {
      return count.get()!.n;
    },
  };
}
