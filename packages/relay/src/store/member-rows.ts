import type { Permission, Role } from '@messagejs/shared-types';
import type { MemberRecord, MemberWithUser } from './types/index.js';

/**
 * A project scope as a backend selects it: SQLite's `group_concat` gives the ids comma-separated
 * (NULL for none; project ids never hold a comma, `prj_` + base62), PostgreSQL's `ARRAY(…)` an
 * array, in byte order as SQLite's `group_concat` over the key gives them.
 */
export type ScopeColumn = string | null | string[];

/** The project ids of a scope column. */
export const scopeIds = (column: ScopeColumn): string[] =>
  Array.isArray(column) ? column : column ? column.split(',') : [];

/**
 * A row of `members` joined with its user's address and name and its project scope. The same on
 * every backend but for how the scope comes (`Scope`), and so are the mappers below, shared by both.
 */
export interface MemberRow<Scope extends ScopeColumn = ScopeColumn> {
  id: string;
  account_id: string;
  user_id: string;
  role: Role;
  granted: string;
  withdrawn: string;
  all_projects: number;
  status: 'active' | 'suspended';
  invited_by: string | null;
  created_at: number;
  updated_at: number;
  suspended_at: number | null;
  /** The member's project scope, when the member is limited. */
  project_ids: Scope;
  email: string;
  name: string | null;
}

/** Maps a member row to its record. */
export const toMember = (r: MemberRow): MemberRecord => ({
  id: r.id,
  accountId: r.account_id,
  userId: r.user_id,
  role: r.role,
  granted: JSON.parse(r.granted) as Permission[],
  withdrawn: JSON.parse(r.withdrawn) as Permission[],
  projectIds: r.all_projects === 1 ? null : scopeIds(r.project_ids),
  status: r.status,
  invitedBy: r.invited_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  suspendedAt: r.suspended_at,
});

/** Maps a member row to its record with the user's address and name. */
export const toMemberWithUser = (r: MemberRow): MemberWithUser => ({ ...toMember(r), email: r.email, name: r.name });
