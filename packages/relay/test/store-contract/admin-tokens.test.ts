import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AdminTokenRecord, PageRequest, Store } from '../../src/store/types/index.js';
import { at, member, seedAccounts, user } from './account-fixtures.js';
import { backends, type OpenedStore } from './backends.js';

const adminToken = (id: string, more: Partial<AdminTokenRecord> = {}): AdminTokenRecord => ({
  id,
  accountId: 'acc_1',
  memberId: 'mem_1',
  name: `Token ${id}`,
  prefix: `mat_${id.slice(-4)}`,
  permissions: ['send_messages', 'view_history'],
  projectIds: null,
  createdAt: at,
  expiresAt: null,
  revokedAt: null,
  lastUsedAt: null,
  ...more,
});

describe.each(backends)('store.adminTokens ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
    await seedAccounts(store);
  });
  afterEach(() => opened.dispose());

  async function allPages(filter: { memberId?: string }, limit: number): Promise<string[][]> {
    const pages: string[][] = [];
    let request: PageRequest = { limit };
    for (;;) {
      const page = await store.adminTokens.page('acc_1', filter, request);
      pages.push(page.items.map((t) => t.id));
      if (!page.next) return pages;
      request = { limit, after: page.next };
    }
  }

  it('creates a token and finds it by hash, and by id within its account only', async () => {
    const written = adminToken('mat_1', { expiresAt: at + 1000, projectIds: ['prj_c', 'prj_a', 'prj_a'] });
    await store.adminTokens.create(written, 'hash_1');
    const read = { ...written, projectIds: ['prj_a', 'prj_c'] };
    expect(await store.adminTokens.findByHash('hash_1')).toEqual(read);
    expect(await store.adminTokens.get('acc_1', 'mat_1')).toEqual(read);
    expect(await store.adminTokens.get('acc_2', 'mat_1')).toBeNull();
    expect(await store.adminTokens.findByHash('hash_none')).toBeNull();
    expect(await store.adminTokens.findByHash('hash_1\u0000')).toBeNull();
  });

  it('keeps an empty project scope apart from every project', async () => {
    await store.adminTokens.create(adminToken('mat_1', { projectIds: [] }), 'hash_1');
    await store.adminTokens.create(adminToken('mat_2'), 'hash_2');
    expect((await store.adminTokens.get('acc_1', 'mat_1'))?.projectIds).toEqual([]);
    expect((await store.adminTokens.get('acc_1', 'mat_2'))?.projectIds).toBeNull();
  });

  it("pages the account's tokens newest first, ties by id in byte order, or one member's", async () => {
    await store.users.create(user('usr_2'));
    await store.members.create(member('mem_2', 'acc_1', 'usr_2'));
    const made: Array<[string, number, string]> = [
      ['mat_a', at + 1, 'mem_1'],
      ['mat_B', at + 1, 'mem_2'],
      ['mat_c', at + 2, 'mem_1'],
      ['mat_d', at + 3, 'mem_2'],
      ['mat_e', at + 3, 'mem_1'],
    ];
    for (const [id, createdAt, memberId] of made) {
      await store.adminTokens.create(adminToken(id, { createdAt, memberId }), `hash_${id}`);
    }
    await store.adminTokens.create(adminToken('mat_z', { accountId: 'acc_2' }), 'hash_z');
    expect(await allPages({}, 2)).toEqual([['mat_e', 'mat_d'], ['mat_c', 'mat_a'], ['mat_B']]);
    expect(await allPages({ memberId: 'mem_1' }, 2)).toEqual([['mat_e', 'mat_c'], ['mat_a']]);
    expect(await allPages({ memberId: 'mem_none' }, 2)).toEqual([[]]);
    const page = await store.adminTokens.page('acc_1', { memberId: 'mem_2' }, { limit: 1 });
    expect(page).toEqual({
      items: [adminToken('mat_d', { createdAt: at + 3, memberId: 'mem_2' })],
      next: { key: at + 3, id: 'mat_d' },
    });
  });

  it('revokes a token once', async () => {
    await store.adminTokens.create(adminToken('mat_1'), 'hash_1');
    expect(await store.adminTokens.revoke('mat_1', at + 5)).toBe(true);
    expect(await store.adminTokens.revoke('mat_1', at + 6)).toBe(false);
    expect(await store.adminTokens.revoke('mat_none', at + 6)).toBe(false);
    expect((await store.adminTokens.findByHash('hash_1'))?.revokedAt).toBe(at + 5);
  });

  it('records last-used times, never moving one back, and ignores unknown tokens', async () => {
    await store.adminTokens.create(adminToken('mat_1'), 'hash_1');
    await store.adminTokens.create(adminToken('mat_2', { lastUsedAt: at + 50 }), 'hash_2');
    await store.adminTokens.touch(new Map());
    await store.adminTokens.touch(
      new Map([
        ['mat_1', at + 10],
        ['mat_2', at + 20],
        ['mat_none', at + 30],
      ]),
    );
    const lastUsed = async () =>
      Promise.all(['mat_1', 'mat_2'].map(async (id) => (await store.adminTokens.get('acc_1', id))?.lastUsedAt));
    expect(await lastUsed()).toEqual([at + 10, at + 50]);
    await store.adminTokens.touch(new Map([['mat_1', at + 5]]));
    expect(await lastUsed()).toEqual([at + 10, at + 50]);
  });

  it('takes overlapping last-used batches written at the same moment, keeping the latest time', async () => {
    const ids = ['mat_1', 'mat_2', 'mat_3', 'mat_4'];
    for (const id of ids) await store.adminTokens.create(adminToken(id), `hash_${id}`);
    const batches = Array.from({ length: 8 }, (_, b) => {
      // Each batch names the tokens in its own order: concurrent flushes must not deadlock.
      const order = b % 2 === 0 ? ids : [...ids].reverse();
      return new Map(order.map((id, i) => [id, at + b * 10 + i]));
    });
    await Promise.all(batches.map((batch) => store.adminTokens.touch(batch)));
    const latest = ids.map((id) => Math.max(...batches.map((batch) => batch.get(id)!)));
    expect(await Promise.all(ids.map(async (id) => (await store.adminTokens.get('acc_1', id))?.lastUsedAt))).toEqual(
      latest,
    );
  });
});
