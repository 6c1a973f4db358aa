import type Database from 'better-sqlite3';
import type { ApiKey, KeysRepo } from '../types/index.js';
import { toProject } from './projects.js';

interface Row {
  id: string;
  project_id: string;
  kind: 'public' | 'secret';
  prefix: string;
  name: string | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

const toKey = (row: Row): ApiKey => ({
  id: row.id,
  projectId: row.project_id,
  kind: row.kind,
  prefix: row.prefix,
  name: row.name,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
});

export function createKeysRepo(db: Database.Database): KeysRepo {
  const insert = db.prepare(
    `INSERT INTO api_keys (id, project_id, kind, prefix, hash, name, created_at, expires_at, revoked_at)
     VALUES (@id, @projectId, @kind, @prefix, @hash, @name, @createdAt, @expiresAt, @revokedAt)`,
  );
  // One indexed lookup by the UNIQUE hash column, joined with the project.
  const byHash = db.prepare(
    `SELECT k.id, k.project_id, k.kind, k.prefix, k.name, k.created_at, k.expires_at, k.revoked_at,
            p.id AS p_id, p.name AS p_name, p.account_id AS p_account_id, p.allowed_origins, p.allowed_countries, p.default_country, p.limits, p.prices, p.fallbacks,
            p.allowed_number_types, p.development, p.created_at AS p_created_at
       FROM api_keys k JOIN projects p ON p.id = k.project_id
      WHERE k.hash = ?`,
  );
  const byProject = db.prepare<[string], Row>('SELECT * FROM api_keys WHERE project_id = ? ORDER BY created_at');
  const revoke = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  return {
    async create(key, hash) {
      insert.run({ ...key, hash });
    },
    async findByHash(hash) {
      const row = byHash.get(hash) as (Row & Record<string, never>) | undefined;
      if (!row) return null;
      const r = row as unknown as Row & {
        p_id: string;
        p_name: string;
        p_account_id: string | null;
        allowed_origins: string;
        allowed_countries: string;
        default_country: string | null;
        limits: string;
        prices: string | null;
        fallbacks: string;
        allowed_number_types: string;
        development: number;
        p_created_at: number;
      };
      return {
        key: toKey(r),
        project: toProject({
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
          created_at: r.p_created_at,
        }),
      };
    },
    async list(projectId) {
      return byProject.all(projectId).map(toKey);
    },
    async revoke(id, at) {
      return revoke.run(at, id).changes > 0;
    },
  };
}
