import type { Permission, Role } from '@messagejs/shared-types';
import type { InviteRecord } from './types/index.js';

/**
 * A row of `invites` as both backends select it (`INVITE_COLUMNS`: all but the hash). The same on
 * every backend (the PostgreSQL schema mirrors SQLite's columns and value representations), and so
 * is the mapper below, shared by both.
 */
export interface InviteRow {
  id: string;
  account_id: string;
  email: string;
  email_key: string;
  role: Role;
  granted: string;
  withdrawn: string;
  project_ids: string | null;
  invited_by: string;
  created_at: number;
  expires_at: number;
  accepted_at: number | null;
  revoked_at: number | null;
}

/** Maps an `invites` row to its record. */
export const toInvite = (r: InviteRow): InviteRecord => ({
  id: r.id,
  accountId: r.account_id,
  email: r.email,
  emailKey: r.email_key,
  role: r.role,
  granted: JSON.parse(r.granted) as Permission[],
  withdrawn: JSON.parse(r.withdrawn) as Permission[],
  projectIds: r.project_ids === null ? null : (JSON.parse(r.project_ids) as string[]),
  invitedBy: r.invited_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  acceptedAt: r.accepted_at,
  revokedAt: r.revoked_at,
});

/** The columns of `InviteRow`, as both backends select them. */
export const INVITE_COLUMNS = `id, account_id, email, email_key, role, granted, withdrawn, project_ids, invited_by, created_at,
  expires_at, accepted_at, revoked_at`;
