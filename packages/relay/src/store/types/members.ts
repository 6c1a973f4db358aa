import type { Permission, Role } from '@messagejs/shared-types';
import type { Page, PageRequest } from './page.js';

/** A user's membership of an account: a role, its per-member overrides, its project scope. */
export interface MemberRecord {
  id: string;
  accountId: string;
  userId: string;
  role: Role;
  granted: Permission[];
  withdrawn: Permission[];
  /** The projects the member is limited to; null for every project of the account. */
  projectIds: string[] | null;
  status: 'active' | 'suspended';
  invitedBy: string | null;
  createdAt: number;
  updatedAt: number;
  suspendedAt: number | null;
}

/** A member with the user's name and address, as lists and `auth/me` show it. */
export interface MemberWithUser extends MemberRecord {
  email: string;
  name: string | null;
}

/** The members of every account. */
export interface MembersRepo {
  /** Writes the member and its project scope. */
  create(member: MemberRecord): Promise<void>;
  /** The member of that account, or null (another account's member is null too). */
  get(accountId: string, memberId: string): Promise<MemberWithUser | null>;
  /** The member by id alone, with its projects: what authenticating a session or token reads. */
  findForAuth(memberId: string): Promise<MemberWithUser | null>;
  /** The user's memberships. */
  forUser(userId: string): Promise<MemberRecord[]>;
  /** The account's members, newest first. */
  page(accountId: string, page: PageRequest): Promise<Page<MemberWithUser>>;
  update(
    memberId: string,
    patch: Partial<Pick<MemberRecord, 'role' | 'granted' | 'withdrawn'>>,
    at: number,
  ): Promise<void>;
  /** Limits the member to `projectIds`, or lifts the limit (null). */
  setProjects(memberId: string, projectIds: string[] | null, at: number): Promise<void>;
  setStatus(memberId: string, status: 'active' | 'suspended', at: number): Promise<void>;
  remove(memberId: string): Promise<void>;
  /** Active owners of the account (the last one cannot leave, be demoted or suspended). */
  countActiveOwners(accountId: string): Promise<number>;
}
