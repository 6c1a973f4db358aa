import type { SetupTokenRecord } from './types/index.js';

/**
 * A row of `setup_tokens`. The same on every backend (the PostgreSQL schema mirrors SQLite's
 * columns and value representations), and so is the mapper below, shared by both.
 */
export interface SetupTokenRow {
  hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** Maps a `setup_tokens` row to its record. */
export const toSetupToken = (row: SetupTokenRow): SetupTokenRecord => ({
  hash: row.hash,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  usedAt: row.used_at,
});
