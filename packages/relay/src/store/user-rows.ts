import type { UserRecord } from './types/index.js';

/**
 * A row of `users`. The same on every backend (the PostgreSQL schema mirrors SQLite's columns and
 * value representations), and so is the mapper below, shared by both.
 */
export interface UserRow {
  id: string;
  email: string;
  email_key: string;
  name: string | null;
  password_hash: string;
  password_changed_at: number;
  last_login_at: number | null;
  created_at: number;
  updated_at: number;
}

/** Maps a `users` row to its record. */
export const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  email: r.email,
  emailKey: r.email_key,
  name: r.name,
  passwordHash: r.password_hash,
  passwordChangedAt: r.password_changed_at,
  lastLoginAt: r.last_login_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
