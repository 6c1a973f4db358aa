import type { ApiKey, KeyRateLimit, Project } from './types/index.js';
import { toProject, type ProjectRow } from './project-rows.js';

/**
 * A row of `api_keys` as both backends select it (`KEY_COLUMNS`: all but the hash). The same on
 * every backend (the PostgreSQL schema mirrors SQLite's columns and value representations), and so
 * are the rows and mappers below, shared by both.
 */
export interface KeyRow {
  id: string;
  project_id: string;
  kind: 'public' | 'secret';
  prefix: string;
  name: string | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  rate_limit: string | null;
  last_used_at: number | null;
  replaced_by: string | null;
}

/** Maps an `api_keys` row to its key. */
export const toKey = (row: KeyRow): ApiKey => ({
  id: row.id,
  projectId: row.project_id,
  kind: row.kind,
  prefix: row.prefix,
  name: row.name,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
  rateLimit: row.rate_limit ? (JSON.parse(row.rate_limit) as KeyRateLimit) : null,
  lastUsedAt: row.last_used_at,
  replacedBy: row.replaced_by,
});

/** The columns of `KeyRow`, as both backends select them. */
export const KEY_COLUMNS =
  'id, project_id, kind, prefix, name, created_at, expires_at, revoked_at, rate_limit, last_used_at, replaced_by';

/** The project columns of the keys-with-project join, renamed where they clash with the key's. */
export type KeyProjectColumns = Omit<ProjectRow, 'id' | 'name' | 'account_id' | 'created_at'> & {
  p_id: string;
  p_name: string;
  p_account_id: string | null;
  p_created_at: number;
};

/** Maps the project half of a keys-with-project row to its project. */
export function keyProjectOf(r: KeyProjectColumns): Project {
  return toProject({
    id: r.p_id,
    name: r.p_name,
    account_id: r.p_account_id,
    allowed_origins: r.allowed_origins,
    allowed_countries: r.allowed_countries,
    default_country: r.default_country,
    limits: r.limits,
    prices: r.prices,
    fallbacks: r.fallbacks,
    allowed_number_types: r.allowed_number_types,
    development: r.development,
    quiet_hours: r.quiet_hours ?? null,
    created_at: r.p_created_at,
  });
}
