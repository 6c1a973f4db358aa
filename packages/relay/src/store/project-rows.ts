import type { Project } from './types/index.js';
import { defaultLimits } from './types/index.js';

/**
 * A row of `projects`. The same on every backend (the PostgreSQL schema mirrors SQLite's columns
 * and value representations), and so is the mapper below, shared by both.
 */
export interface ProjectRow {
  id: string;
  name: string;
  account_id: string | null;
  allowed_origins: string;
  allowed_countries: string;
  default_country: string | null;
  limits: string;
  prices: string | null;
  fallbacks: string;
  allowed_number_types: string;
  development: number;
  quiet_hours?: string | null;
  created_at: number;
}

/** Maps a `projects` row (also selected by the keys repositories' join, see key-rows.ts). */
export function toProject(row: ProjectRow): Project {
  return {
    id: row.id,
    name: row.name,
    accountId: row.account_id,
    allowedOrigins: JSON.parse(row.allowed_origins) as string[],
    allowedCountries: JSON.parse(row.allowed_countries) as string[],
    defaultCountry: row.default_country,
    limits: { ...defaultLimits, ...(JSON.parse(row.limits) as object) },
    prices: row.prices ? (JSON.parse(row.prices) as Project['prices']) : null,
    fallbacks: JSON.parse(row.fallbacks) as Project['fallbacks'],
    allowedNumberTypes: JSON.parse(row.allowed_number_types) as Project['allowedNumberTypes'],
    development: row.development === 1,
    createdAt: row.created_at,
    ...(row.quiet_hours && { quietHours: JSON.parse(row.quiet_hours) as Project['quietHours'] }),
  };
}
