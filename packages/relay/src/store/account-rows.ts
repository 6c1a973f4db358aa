import type { Role } from '@messagejs/shared-types';
import type { AccountRecord, Membership } from './types/index.js';

/**
 * A row of `accounts`. The same on every backend (the PostgreSQL schema mirrors SQLite's columns
 * and value representations), and so are the rows and mappers below, shared by both.
 */
export interface AccountRow {
  id: string;
  name: string;
  created_at: number;
  updated_at: number;
}

/** An account joined with a user's membership in it (`accounts.listForUser`). */
export interface MembershipRow extends AccountRow {
  member_id: string;
  role: Role;
  status: 'active' | 'suspended';
  member_created_at: number;
}

/** Maps an `accounts` row to its record. */
export const toAccount = (r: AccountRow): AccountRecord => ({
  id: r.id,
  name: r.name,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Maps a membership row to the membership, its account included. */
export const toMembership = (r: MembershipRow): Membership => ({
  account: toAccount(r),
  memberId: r.member_id,
  role: r.role,
  status: r.status,
  createdAt: r.member_created_at,
});
