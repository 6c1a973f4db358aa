import type { Permission } from '@messagejs/shared-types';
import type { Page, PageRequest } from './page.js';

/** An admin token (`mat_…`): stored as its SHA-256 and prefix. */
export interface AdminTokenRecord {
  id: string;
  accountId: string;
  memberId: string;
  name: string;
  prefix: string;
  /** Its scope: a subset of its member's permissions when it was made (narrowed again on every use). */
  permissions: Permission[];
  /** The projects it is limited to; null for all of its member's. */
  projectIds: string[] | null;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

/** The admin tokens. */
export interface AdminTokensRepo {
  create(token: AdminTokenRecord, hash: string): Promise<void>;
  /** One indexed query by SHA-256 hash. */
  findByHash(hash: string): Promise<AdminTokenRecord | null>;
  get(accountId: string, id: string): Promise<AdminTokenRecord | null>;
  /** The account's tokens (or one member's), newest first. */
  page(accountId: string, filter: { memberId?: string }, page: PageRequest): Promise<Page<AdminTokenRecord>>;
  revoke(id: string, at: number): Promise<boolean>;
  /** Records last-used times in one unit (batched off the request path); never moves one back. */
  touch(lastUsed: ReadonlyMap<string, number>): Promise<void>;
}
