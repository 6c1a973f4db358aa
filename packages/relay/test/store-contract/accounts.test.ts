import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/domain/app-error.js';
import type { Store } from '../../src/store/types/index.js';
import { account, at, member, project, seedAccounts, settle, user } from './account-fixtures.js';
import { backends, type OpenedStore } from './backends.js';

describe.each(backends)('store.accounts ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
  });
  afterEach(() => opened.dispose());

  it('creates an account and reads it back as written', async () => {
    await store.accounts.create(account('acc_1'));
    expect(await store.accounts.get('acc_1')).toEqual(account('acc_1'));
    expect(await store.accounts.get('acc_none')).toBeNull();
  });

  it('lists the oldest accounts first, ties by id in byte order, at most `limit`', async () => {
    await store.accounts.create(account('acc_b', at + 5));
    await store.accounts.create(account('acc_a', at + 5));
    await store.accounts.create(account('acc_B', at + 5));
    await store.accounts.create(account('acc_z', at));
    expect((await store.accounts.list(10)).map((a) => a.id)).toEqual(['acc_z', 'acc_B', 'acc_a', 'acc_b']);
    expect((await store.accounts.list(2)).map((a) => a.id)).toEqual(['acc_z', 'acc_B']);
  });

  it('renames an account and returns it; an unknown one is null', async () => {
    await store.accounts.create(account('acc_1'));
    expect(await store.accounts.update('acc_1', { name: 'Renamed' }, at + 9)).toEqual({
      ...account('acc_1'),
      name: 'Renamed',
      updatedAt: at + 9,
    });
    expect(await store.accounts.update('acc_none', { name: 'X' }, at + 9)).toBeNull();
  });

  it("lists a user's memberships, oldest first, with the membership's role and status", async () => {
    await seedAccounts(store);
    await store.members.create(
      member('mem_2', 'acc_2', 'usr_1', { role: 'viewer', status: 'suspended', createdAt: at - 1, suspendedAt: at }),
    );
    expect(await store.accounts.listForUser('usr_1')).toEqual([
      { account: account('acc_2', at + 1), memberId: 'mem_2', role: 'viewer', status: 'suspended', createdAt: at - 1 },
      { account: account('acc_1'), memberId: 'mem_1', role: 'owner', status: 'active', createdAt: at },
    ]);
    expect(await store.accounts.listForUser('usr_none')).toEqual([]);
  });

  it('adopts the projects with no account, and the audit entries about them or about no project', async () => {
    await store.accounts.create(account('acc_1'));
    await store.accounts.create(account('acc_2'));
    await store.projects.create(project('prj_demo', null));
    await store.projects.create(project('prj_cli', null));
    await store.projects.create(project('prj_other', 'acc_2'));
    const entry = { actor: 'cli', action: 'project.create', at };
    await store.audit.record({ ...entry, projectId: 'prj_demo' });
    await store.audit.record({ ...entry, projectId: null });
    await store.audit.record({ ...entry, projectId: 'prj_other' });

    expect(await store.accounts.adoptOrphans('acc_1')).toBe(2);
    expect(await store.accounts.adoptOrphans('acc_1')).toBe(0);
    expect((await store.projects.listForAccount('acc_1')).map((p) => p.id).sort()).toEqual(['prj_cli', 'prj_demo']);
    const adopted = await store.audit.page('acc_1', {}, { limit: 10 });
    expect(adopted.items.map((e) => e.projectId).sort()).toEqual([null, 'prj_demo'].sort());
    expect((await store.audit.page('acc_2', {}, { limit: 10 })).items.map((e) => e.projectId)).toEqual(['prj_other']);
  });
});

describe.each(backends)('store.users ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
  });
  afterEach(() => opened.dispose());

  it('creates a user and finds it by id and by email key', async () => {
    const written = { ...user('usr_1', 'Ada@Example.com'), lastLoginAt: at + 1, name: null };
    await store.users.create(written);
    expect(await store.users.get('usr_1')).toEqual(written);
    expect(await store.users.findByEmailKey('ada@example.com')).toEqual(written);
    expect(await store.users.findByEmailKey('Ada@Example.com')).toBeNull();
    expect(await store.users.get('usr_none')).toBeNull();
  });

  it('refuses a second user with the same email key, whatever the case of the address', async () => {
    await store.users.create(user('usr_1', 'ada@example.com'));
    await expect(store.users.create(user('usr_2', 'ADA@example.com'))).rejects.toThrow();
    expect(await store.users.get('usr_2')).toBeNull();
    expect(await store.users.count()).toBe(1);
  });

  it('stores one of two users created with the same address at the same moment', async () => {
    const { fulfilled, rejected } = await settle([
      store.users.create(user('usr_1', 'ada@example.com')),
      store.users.create(user('usr_2', 'Ada@example.com')),
    ]);
    expect([fulfilled.length, rejected.length]).toEqual([1, 1]);
    expect(await store.users.count()).toBe(1);
  });

  it('changes the password, stamping both times', async () => {
    await store.users.create(user('usr_1'));
    await store.users.setPassword('usr_1', 'scrypt$new', at + 7);
    expect(await store.users.get('usr_1')).toEqual({
      ...user('usr_1'),
      passwordHash: 'scrypt$new',
      passwordChangedAt: at + 7,
      updatedAt: at + 7,
    });
  });

  it('records the last sign-in without touching updatedAt', async () => {
    await store.users.create(user('usr_1'));
    await store.users.touchLogin('usr_1', at + 3);
    expect(await store.users.get('usr_1')).toEqual({ ...user('usr_1'), lastLoginAt: at + 3 });
  });

  it('counts the users', async () => {
    expect(await store.users.count()).toBe(0);
    await store.users.create(user('usr_1'));
    await store.users.create(user('usr_2'));
    expect(await store.users.count()).toBe(2);
  });

  it('finds no user for a sign-in name holding U+0000', async () => {
    await store.users.create(user('usr_1', 'ada@example.com'));
    expect(await store.users.findByEmailKey('ada@example.com\u0000')).toBeNull();
    expect(await store.users.get('usr_1\u0000')).toBeNull();
  });

  it('stores a name holding U+0000, or refuses it as validation_failed: never another error', async () => {
    const named = { ...user('usr_1'), name: 'Ada\u0000Lovelace' };
    const outcome = await store.users.create(named).then(
      () => 'stored',
      (error: unknown) => error,
    );
    if (outcome === 'stored') expect(await store.users.get('usr_1')).toEqual(named);
    else {
      expect(isAppError(outcome) && outcome.code).toBe('validation_failed');
      expect(await store.users.count()).toBe(0);
    }
  });
});
