import type { Role } from '@messagejs/shared-types';

/** An account: it owns projects and has members. */
export interface AccountRecord {
  id: string;
  name: string;
  createdAt: number;
  updatedAt: number;
}

/** An account as one of a user's memberships. */
export interface Membership {
  account: AccountRecord;
  memberId: string;
  role: Role;
  status: 'active' | 'suspended';
  createdAt: number;
}

/** The accounts. */
export interface AccountsRepo {
  create(account: AccountRecord): Promise<void>;
  get(id: string): Promise<AccountRecord | null>;
  /** The oldest accounts first, at most `limit` (the CLI picks the only one). */
  list(limit: number): Promise<AccountRecord[]>;
  update(id: string, patch: { name: string }, at: number): Promise<AccountRecord | null>;
  /** The user's memberships, oldest first. */
  listForUser(userId: string): Promise<Membership[]>;
  /**
   * Gives every project that has no account yet (the demo, and projects the CLI made before the
   * first owner) to `accountId`, and the audit log's entries about them too. Returns how many
   * projects it adopted.
   */
  adoptOrphans(accountId: string): Promise<number>;
}
