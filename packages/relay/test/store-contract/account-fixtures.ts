import {
  type AccountRecord,
  type MemberRecord,
  type Project,
  type Store,
  type UserRecord,
} from '../../src/store/types/index.js';
import { projectRecord } from '../helpers/store-records.js';

/** The time every fixture is made at (ms). */
export const at = 1_700_000_000_000;

export const account = (id: string, createdAt = at): AccountRecord => ({
  id,
  name: `Account ${id}`,
  createdAt,
  updatedAt: createdAt,
});

export const user = (id: string, email = `${id}@example.com`, createdAt = at): UserRecord => ({
  id,
  email,
  emailKey: email.trim().toLowerCase(),
  name: `User ${id}`,
  passwordHash: `scrypt$ln=10,r=8,p=1$salt-${id}$hash-${id}`,
  passwordChangedAt: createdAt,
  lastLoginAt: null,
  createdAt,
  updatedAt: createdAt,
});

export const member = (
  id: string,
  accountId: string,
  userId: string,
  more: Partial<MemberRecord> = {},
): MemberRecord => ({
  id,
  accountId,
  userId,
  role: 'admin',
  granted: [],
  withdrawn: [],
  projectIds: null,
  status: 'active',
  invitedBy: null,
  createdAt: at,
  updatedAt: at,
  suspendedAt: null,
  ...more,
});

export const project = (id: string, accountId: string | null): Project => projectRecord(id, { accountId });

/**
 * Account `acc_1` with projects `prj_a`, `prj_b`, `prj_c`, user `usr_1` and its owner membership
 * `mem_1`; account `acc_2` with project `prj_z`: the ground most tests stand on.
 */
export async function seedAccounts(store: Store): Promise<void> {
  await store.accounts.create(account('acc_1'));
  await store.accounts.create(account('acc_2', at + 1));
  for (const id of ['prj_a', 'prj_b', 'prj_c']) await store.projects.create(project(id, 'acc_1'));
  await store.projects.create(project('prj_z', 'acc_2'));
  await store.users.create(user('usr_1'));
  await store.members.create(member('mem_1', 'acc_1', 'usr_1', { role: 'owner' }));
}

/** Settles every promise; how many fulfilled and the values they fulfilled with. */
export async function settle<T>(promises: Promise<T>[]): Promise<{ fulfilled: T[]; rejected: unknown[] }> {
  const results = await Promise.allSettled(promises);
  return {
    fulfilled: results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
    rejected: results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : [])),
  };
}
