import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PageRequest, Store } from '../../src/store/types/index.js';
import { at, member, seedAccounts, user } from './account-fixtures.js';
import { backends, type OpenedStore } from './backends.js';

const withUser = (m: ReturnType<typeof member>, u = user(m.userId)) => ({ ...m, email: u.email, name: u.name });

describe.each(backends)('store.members ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
    await seedAccounts(store);
  });
  afterEach(() => opened.dispose());

  /** Every page of the account's members, following `next`; the ids of each page. */
  async function allPages(accountId: string, limit: number): Promise<string[][]> {
    const pages: string[][] = [];
    let request: PageRequest = { limit };
    for (;;) {
      const page = await store.members.page(accountId, request);
      pages.push(page.items.map((m) => m.id));
      if (!page.next) return pages;
      request = { limit, after: page.next };
    }
  }

  it("reads a member back with its user's address and name, only within its account", async () => {
    const written = member('mem_1', 'acc_1', 'usr_1', { role: 'owner' });
    expect(await store.members.get('acc_1', 'mem_1')).toEqual(withUser(written));
    expect(await store.members.findForAuth('mem_1')).toEqual(withUser(written));
    expect(await store.members.get('acc_2', 'mem_1')).toBeNull();
    expect(await store.members.findForAuth('mem_none')).toBeNull();
  });

  it('keeps a project scope once per project, in byte order; an empty scope is not every project', async () => {
    await store.users.create(user('usr_2'));
    await store.users.create(user('usr_3'));
    const limited = member('mem_2', 'acc_1', 'usr_2', {
      granted: ['send_messages'],
      withdrawn: ['manage_keys'],
      projectIds: ['prj_c', 'prj_a', 'prj_c'],
      invitedBy: 'mem_1',
    });
    await store.members.create(limited);
    await store.members.create(member('mem_3', 'acc_1', 'usr_3', { projectIds: [] }));
    expect(await store.members.get('acc_1', 'mem_2')).toEqual(withUser({ ...limited, projectIds: ['prj_a', 'prj_c'] }));
    expect((await store.members.get('acc_1', 'mem_3'))?.projectIds).toEqual([]);
    expect((await store.members.get('acc_1', 'mem_1'))?.projectIds).toBeNull();
  });

  it("lists a user's memberships, oldest first", async () => {
    await store.members.create(member('mem_0', 'acc_2', 'usr_1', { createdAt: at - 5 }));
    expect((await store.members.forUser('usr_1')).map((m) => [m.id, m.accountId])).toEqual([
      ['mem_0', 'acc_2'],
      ['mem_1', 'acc_1'],
    ]);
    expect(await store.members.forUser('usr_none')).toEqual([]);
  });

  it('pages the members newest first, ties by id in byte order, through their cursors', async () => {
    // Same created_at for mem_B, mem_a, mem_b: byte order puts 'B' (0x42) before 'a' (0x61).
    const made: Array<[string, number]> = [
      ['mem_B', at + 10],
      ['mem_a', at + 10],
      ['mem_b', at + 10],
      ['mem_x', at + 20],
    ];
    for (const [i, [id, createdAt]] of made.entries()) {
      await store.users.create(user(`usr_${i + 2}`));
      await store.members.create(member(id, 'acc_1', `usr_${i + 2}`, { createdAt, updatedAt: createdAt }));
    }
    expect(await allPages('acc_1', 2)).toEqual([['mem_x', 'mem_b'], ['mem_a', 'mem_B'], ['mem_1']]);
    expect(await allPages('acc_1', 5)).toEqual([['mem_x', 'mem_b', 'mem_a', 'mem_B', 'mem_1']]);
    const first = await store.members.page('acc_1', { limit: 1 });
    expect(first.next).toEqual({ key: at + 20, id: 'mem_x' });
    expect(first.items).toEqual([
      withUser(member('mem_x', 'acc_1', 'usr_5', { createdAt: at + 20, updatedAt: at + 20 })),
    ]);
    expect(await allPages('acc_2', 2)).toEqual([[]]);
  });

  it('answers a cursor the relay never handed out as SQLite compares it, never with an error', async () => {
    await store.users.create(user('usr_2'));
    await store.members.create(member('mem_2', 'acc_1', 'usr_2', { createdAt: at + 10 }));
    const ids = async (after: { key: string | number; id: string }) =>
      (await store.members.page('acc_1', { limit: 10, after })).items.map((m) => m.id);
    expect(await ids({ key: 'not a number', id: 'mem_2' })).toEqual([]);
    expect(await ids({ key: 'Infinity', id: '' })).toEqual(['mem_2', 'mem_1']);
    expect(await ids({ key: '-Infinity', id: '' })).toEqual([]);
    expect(await ids({ key: 1e300, id: '' })).toEqual(['mem_2', 'mem_1']);
    expect(await ids({ key: at + 0.5, id: 'zzz' })).toEqual(['mem_1']);
    expect(await ids({ key: String(at + 10), id: 'mem_2' })).toEqual(['mem_1']);
    expect(await ids({ key: at + 10, id: 'mem_2\u0000' })).toEqual(['mem_2', 'mem_1']);
    expect(await ids({ key: at + 10, id: 'mem_\u0000' })).toEqual(['mem_1']);
    expect(await ids({ key: at, id: 'mem_1\u0000x' })).toEqual(['mem_1']);
  });

  it('changes the role and overrides it is given, leaving the others', async () => {
    await store.members.update('mem_1', { role: 'manager' }, at + 1);
    await store.members.update('mem_1', { granted: ['manage_keys'], withdrawn: ['send_messages'] }, at + 2);
    expect(await store.members.get('acc_1', 'mem_1')).toEqual(
      withUser(
        member('mem_1', 'acc_1', 'usr_1', {
          role: 'manager',
          granted: ['manage_keys'],
          withdrawn: ['send_messages'],
          updatedAt: at + 2,
        }),
      ),
    );
  });

  it('limits a member to some projects, changes the limit, and lifts it', async () => {
    await store.members.setProjects('mem_1', ['prj_b', 'prj_a'], at + 1);
    expect(await store.members.get('acc_1', 'mem_1')).toMatchObject({
      projectIds: ['prj_a', 'prj_b'],
      updatedAt: at + 1,
    });
    await store.members.setProjects('mem_1', ['prj_c'], at + 2);
    expect((await store.members.get('acc_1', 'mem_1'))?.projectIds).toEqual(['prj_c']);
    await store.members.setProjects('mem_1', null, at + 3);
    expect(await store.members.get('acc_1', 'mem_1')).toMatchObject({ projectIds: null, updatedAt: at + 3 });
    await store.members.setProjects('mem_1', ['prj_a'], at + 4);
    expect((await store.members.get('acc_1', 'mem_1'))?.projectIds).toEqual(['prj_a']);
  });

  it('applies two scope changes made at the same moment one after the other, never mixed', async () => {
    const scopes = [['prj_a', 'prj_b'], ['prj_c'], null, ['prj_b', 'prj_c']];
    for (let round = 0; round < 5; round++) {
      await Promise.all(scopes.map((ids, i) => store.members.setProjects('mem_1', ids, at + round * 10 + i)));
      const { projectIds } = (await store.members.get('acc_1', 'mem_1'))!;
      expect(scopes).toContainEqual(projectIds);
    }
  });

  it('suspends a member (stamped) and reactivates it (stamp cleared)', async () => {
    await store.members.setStatus('mem_1', 'suspended', at + 5);
    expect(await store.members.get('acc_1', 'mem_1')).toMatchObject({
      status: 'suspended',
      suspendedAt: at + 5,
      updatedAt: at + 5,
    });
    await store.members.setStatus('mem_1', 'active', at + 6);
    expect(await store.members.get('acc_1', 'mem_1')).toMatchObject({
      status: 'active',
      suspendedAt: null,
      updatedAt: at + 6,
    });
  });

  it('removes a member with its project scope', async () => {
    await store.members.setProjects('mem_1', ['prj_a'], at + 1);
    await store.members.remove('mem_1');
    expect(await store.members.get('acc_1', 'mem_1')).toBeNull();
    await store.members.create(member('mem_1', 'acc_1', 'usr_1', { projectIds: ['prj_a'] }));
    expect((await store.members.get('acc_1', 'mem_1'))?.projectIds).toEqual(['prj_a']);
  });

  it('counts the active owners of an account', async () => {
    expect(await store.members.countActiveOwners('acc_1')).toBe(1);
    await store.users.create(user('usr_2'));
    await store.users.create(user('usr_3'));
    await store.members.create(member('mem_2', 'acc_1', 'usr_2', { role: 'owner' }));
    await store.members.create(member('mem_3', 'acc_1', 'usr_3', { role: 'owner', status: 'suspended' }));
    expect(await store.members.countActiveOwners('acc_1')).toBe(2);
    expect(await store.members.countActiveOwners('acc_2')).toBe(0);
  });
});
