import type { Permission, Role } from '@messagejs/shared-types';
import type { Page, PageRequest } from './page.js';

/** An invite to join an account: its single-use link is stored as a SHA-256 only. */
export interface InviteRecord {
  id: string;
  accountId: string;
  email: string;
  emailKey: string;
  role: Role;
  granted: Permission[];
  withdrawn: Permission[];
  projectIds: string[] | null;
  /** The inviting member's id. */
  invitedBy: string;
  createdAt: number;
  expiresAt: number;
  acceptedAt: number | null;
  revokedAt: number | null;
}

/** The invites. */
export interface InvitesRepo {
  /** Fails with `already_exists` semantics (returns false) when the address has a pending invite to the account. */
  create(invite: InviteRecord, hash: string): Promise<boolean>;
  findByHash(hash: string): Promise<InviteRecord | null>;
  get(accountId: string, id: string): Promise<InviteRecord | null>;
  page(accountId: string, page: PageRequest): Promise<Page<InviteRecord>>;
  revoke(id: string, at: number): Promise<boolean>;
  /** Revokes the address's pending invites to the account that expired before `at`. */
  revokeExpired(accountId: string, emailKey: string, at: number): Promise<void>;
  /** Marks it accepted; false when it already was (or was revoked): single use. */
  accept(id: string, at: number): Promise<boolean>;
}
