import type { OptOutRecord } from './types/index.js';

/**
 * A row of `opt_outs`. The same on every backend (the PostgreSQL schema mirrors SQLite's columns
 * and value representations), and so is the mapper below, shared by both.
 */
export interface OptOutRow {
  project_id: string;
  address: string;
  reason: string | null;
  source: OptOutRecord['source'];
  created_at: number;
}

/** Maps an `opt_outs` row to its record. */
export const toOptOut = (r: OptOutRow): OptOutRecord => ({
  projectId: r.project_id,
  address: r.address,
  reason: r.reason,
  source: r.source,
  createdAt: r.created_at,
});
