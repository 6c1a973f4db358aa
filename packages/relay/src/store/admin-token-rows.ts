import type { Permission } from '@messagejs/shared-types';
import type { AdminTokenRecord } from './types/index.js';
import { scopeIds, type ScopeColumn } from './member-rows.js';

/**
 * A row of `admin_tokens` with its project scope. The same on every backend but for how the scope
 * comes (`Scope`, see member-rows.ts), and so is the mapper below, shared by both.
 */
export interface AdminTokenRow<Scope extends ScopeColumn = ScopeColumn> {
  id: string;
  account_id: string;
  member_id: string;
  name: string;
  prefix: string;
  permissions: string;
  all_projects: number;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
  /** The token's project scope, when the token is limited. */
  project_ids: Scope;
}

/** Maps an admin token row to its record. */
export const toAdminToken = (r: AdminTokenRow): AdminTokenRecord => ({
  id: r.id,
  accountId: r.account_id,
  memberId: r.member_id,
  name: r.name,
  prefix: r.prefix,
  permissions: JSON.parse(r.permissions) as Permission[],
  projectIds: r.all_projects === 1 ? null : scopeIds(r.project_ids),
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at,
});
