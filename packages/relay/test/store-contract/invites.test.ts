import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InviteRecord, Store } from '../../src/store/types/index.js';
import { at, seedAccounts } from './account-fixtures.js';
import { backends, type OpenedStore } from './backends.js';

const WEEK = 7 * 86_400_000;

const invite = (id: string, email = 'new@example.com', more: Partial<InviteRecord> = {}): InviteRecord => ({
  id,
  accountId: 'acc_1',
  email,
  emailKey: email.toLowerCase(),
  role: 'sender',
  granted: ['view_history'],
  withdrawn: [],
  projectIds: null,
  invitedBy: 'mem_1',
  createdAt: at,
  expiresAt: at + WEEK,
  acceptedAt: null,
  revokedAt: null,
  ...more,
});

describe.each(backends)('store.invites ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
    await seedAccounts(store);
  });
  afterEach(() => opened.dispose());

  it('creates an invite and finds it by hash, and by id within its account only', async () => {
    const written = invite('inv_1', 'New@Example.com', { projectIds: ['prj_b', 'prj_a'] });
    expect(await store.invites.create(written, 'hash_1')).toBe(true);
    expect(await store.invites.findByHash('hash_1')).toEqual(written);
    expect(await store.invites.get('acc_1', 'inv_1')).toEqual(written);
    expect(await store.invites.get('acc_2', 'inv_1')).toBeNull();
    expect(await store.invites.findByHash('hash_none')).toBeNull();
  });

  it('writes nothing for an address with a pending invite to the account, whatever its case', async () => {
    expect(await store.invites.create(invite('inv_1', 'new@example.com'), 'hash_1')).toBe(true);
    expect(await store.invites.create(invite('inv_2', 'NEW@example.com'), 'hash_2')).toBe(false);
    expect(await store.invites.findByHash('hash_2')).toBeNull();
    expect(await store.invites.create(invite('inv_3', 'new@example.com', { accountId: 'acc_2' }), 'hash_3')).toBe(true);
    expect(await store.invites.revoke('inv_1', at + 1)).toBe(true);
    expect(await store.invites.create(invite('inv_4', 'new@example.com'), 'hash_4')).toBe(true);
  });

  it('stores one of two invites of the same address made at the same moment', async () => {
    const made = await Promise.all(
      [1, 2, 3].map((n) => store.invites.create(invite(`inv_${n}`, 'new@example.com'), `hash_${n}`)),
    );
    expect(made.filter(Boolean)).toHaveLength(1);
    expect((await store.invites.page('acc_1', { limit: 10 })).items).toHaveLength(1);
  });

  it('pages the invites newest first through their cursors', async () => {
    const made: Array<[string, number]> = [
      ['inv_a', at + 1],
      ['inv_B', at + 1],
      ['inv_c', at + 2],
    ];
    for (const [id, createdAt] of made) {
      await store.invites.create(invite(id, `${id}@example.com`, { createdAt }), `hash_${id}`);
    }
    const first = await store.invites.page('acc_1', { limit: 2 });
    expect(first).toEqual({
      items: [
        invite('inv_c', 'inv_c@example.com', { createdAt: at + 2 }),
        invite('inv_a', 'inv_a@example.com', { createdAt: at + 1 }),
      ],
      next: { key: at + 1, id: 'inv_a' },
    });
    const second = await store.invites.page('acc_1', { limit: 2, after: first.next! });
    expect([second.items.map((i) => i.id), second.next]).toEqual([['inv_B'], null]);
    expect(await store.invites.page('acc_2', { limit: 2 })).toEqual({ items: [], next: null });
  });

  it('revokes a pending invite once, and never an accepted one', async () => {
    await store.invites.create(invite('inv_1', 'a@example.com'), 'hash_1');
    await store.invites.create(invite('inv_2', 'b@example.com'), 'hash_2');
    expect(await store.invites.revoke('inv_1', at + 1)).toBe(true);
    expect(await store.invites.revoke('inv_1', at + 2)).toBe(false);
    expect(await store.invites.accept('inv_2', at + 1)).toBe(true);
    expect(await store.invites.revoke('inv_2', at + 2)).toBe(false);
    expect(await store.invites.get('acc_1', 'inv_1')).toMatchObject({ revokedAt: at + 1, acceptedAt: null });
    expect(await store.invites.get('acc_1', 'inv_2')).toMatchObject({ revokedAt: null, acceptedAt: at + 1 });
  });

  it("revokes the address's expired pending invites to the account, and nothing else", async () => {
    await store.invites.create(invite('inv_old', 'new@example.com', { expiresAt: at + 10 }), 'hash_old');
    await store.invites.create(invite('inv_other', 'other@example.com', { expiresAt: at + 10 }), 'hash_other');
    await store.invites.create(
      invite('inv_acc2', 'new@example.com', { accountId: 'acc_2', expiresAt: at + 10 }),
      'hash_acc2',
    );
    await store.invites.revokeExpired('acc_1', 'new@example.com', at + 9);
    expect((await store.invites.get('acc_1', 'inv_old'))?.revokedAt).toBeNull();
    await store.invites.revokeExpired('acc_1', 'new@example.com', at + 10);
    expect((await store.invites.get('acc_1', 'inv_old'))?.revokedAt).toBe(at + 10);
    expect((await store.invites.get('acc_1', 'inv_other'))?.revokedAt).toBeNull();
    expect((await store.invites.get('acc_2', 'inv_acc2'))?.revokedAt).toBeNull();
    expect(await store.invites.create(invite('inv_new', 'new@example.com'), 'hash_new')).toBe(true);
  });

  it('accepts an invite once, and never a revoked one', async () => {
    await store.invites.create(invite('inv_1', 'a@example.com'), 'hash_1');
    await store.invites.create(invite('inv_2', 'b@example.com'), 'hash_2');
    expect(await store.invites.accept('inv_1', at + 1)).toBe(true);
    expect(await store.invites.accept('inv_1', at + 2)).toBe(false);
    await store.invites.revoke('inv_2', at + 1);
    expect(await store.invites.accept('inv_2', at + 2)).toBe(false);
    expect(await store.invites.findByHash('hash_1')).toMatchObject({ acceptedAt: at + 1 });
  });

  it('accepts an invite presented several times at the same moment once', async () => {
    await store.invites.create(invite('inv_1'), 'hash_1');
    const accepted = await Promise.all([1, 2, 3, 4].map((n) => store.invites.accept('inv_1', at + n)));
    expect(accepted.filter(Boolean)).toHaveLength(1);
    expect((await store.invites.get('acc_1', 'inv_1'))?.acceptedAt).toBe(at + 1 + accepted.indexOf(true));
  });
});
