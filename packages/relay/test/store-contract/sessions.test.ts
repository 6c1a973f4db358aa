import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionRecord, Store } from '../../src/store/types/index.js';
import { at, member, seedAccounts, user } from './account-fixtures.js';
import { backends, type OpenedStore } from './backends.js';

const DAY = 86_400_000;

const session = (id: string, memberId = 'mem_1'): SessionRecord => ({
  id,
  memberId,
  createdAt: at,
  lastUsedAt: at,
  expiresAt: at + 30 * DAY,
  revokedAt: null,
  revokedReason: null,
  ip: '198.51.100.7',
  userAgent: 'vitest',
});

const token = (hash: string, createdAt = at) => ({ hash, createdAt, expiresAt: createdAt + 30 * DAY });

describe.each(backends)('store.sessions ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
    await seedAccounts(store);
  });
  afterEach(() => opened.dispose());

  it('writes a session with its first refresh token, and finds both by the hash', async () => {
    await store.sessions.create({ ...session('ses_1'), ip: null, userAgent: null }, token('h1'));
    expect(await store.sessions.get('ses_1')).toEqual({ ...session('ses_1'), ip: null, userAgent: null });
    expect(await store.sessions.findRefresh('h1')).toEqual({
      token: { ...token('h1'), sessionId: 'ses_1', usedAt: null },
      session: { ...session('ses_1'), ip: null, userAgent: null },
    });
    expect(await store.sessions.findRefresh('h_none')).toBeNull();
    expect(await store.sessions.get('ses_none')).toBeNull();
  });

  it('rotates a token: the old one used, the next one in the same session, the session touched', async () => {
    await store.sessions.create(session('ses_1'), token('h1'));
    expect(await store.sessions.rotate('h1', token('h2', at + 5), at + 5)).toBe(true);
    expect(await store.sessions.findRefresh('h1')).toMatchObject({ token: { usedAt: at + 5 } });
    expect(await store.sessions.findRefresh('h2')).toEqual({
      token: { ...token('h2', at + 5), sessionId: 'ses_1', usedAt: null },
      session: { ...session('ses_1'), lastUsedAt: at + 5 },
    });
  });

  it('refuses a used or unknown token and writes nothing', async () => {
    await store.sessions.create(session('ses_1'), token('h1'));
    await store.sessions.rotate('h1', token('h2', at + 5), at + 5);
    expect(await store.sessions.rotate('h1', token('h3', at + 9), at + 9)).toBe(false);
    expect(await store.sessions.rotate('h_none', token('h4', at + 9), at + 9)).toBe(false);
    expect(await store.sessions.findRefresh('h3')).toBeNull();
    expect(await store.sessions.findRefresh('h4')).toBeNull();
    expect(await store.sessions.findRefresh('h1')).toMatchObject({
      token: { usedAt: at + 5 },
      session: { lastUsedAt: at + 5 },
    });
  });

  it('rotates a token presented several times at the same moment once', async () => {
    for (let round = 0; round < 10; round++) {
      const sid = `ses_${round}`;
      await store.sessions.create(session(sid), token(`${sid}_h0`));
      const presented = [1, 2, 3, 4].map((n) => store.sessions.rotate(`${sid}_h0`, token(`${sid}_h${n}`), at + n));
      const outcomes = await Promise.all(presented);
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      const stored = await Promise.all([1, 2, 3, 4].map((n) => store.sessions.findRefresh(`${sid}_h${n}`)));
      const winner = outcomes.indexOf(true) + 1;
      expect(stored.map((found) => found !== null)).toEqual([1, 2, 3, 4].map((n) => n === winner));
      expect(await store.sessions.findRefresh(`${sid}_h0`)).toMatchObject({
        token: { usedAt: at + winner },
        session: { lastUsedAt: at + winner },
      });
    }
  });

  it('revokes a session once: a later revocation keeps the first reason and time', async () => {
    await store.sessions.create(session('ses_1'), token('h1'));
    await store.sessions.revoke('ses_1', 'reuse', at + 1);
    await store.sessions.revoke('ses_1', 'logout', at + 2);
    expect(await store.sessions.get('ses_1')).toMatchObject({ revokedAt: at + 1, revokedReason: 'reuse' });
    // Used tokens stay: a later reuse of the family is still recognised.
    expect(await store.sessions.findRefresh('h1')).not.toBeNull();
  });

  it("revokes a member's live sessions, and no one else's", async () => {
    await store.users.create(user('usr_2'));
    await store.members.create(member('mem_2', 'acc_1', 'usr_2'));
    await store.sessions.create(session('ses_1'), token('h1'));
    await store.sessions.create(session('ses_2'), token('h2'));
    await store.sessions.create(session('ses_3', 'mem_2'), token('h3'));
    await store.sessions.revoke('ses_2', 'logout', at + 1);
    await store.sessions.revokeForMember('mem_1', 'suspended', at + 5);
    expect(await store.sessions.get('ses_1')).toMatchObject({ revokedAt: at + 5, revokedReason: 'suspended' });
    expect(await store.sessions.get('ses_2')).toMatchObject({ revokedAt: at + 1, revokedReason: 'logout' });
    expect(await store.sessions.get('ses_3')).toMatchObject({ revokedAt: null, revokedReason: null });
  });

  it("revokes every session of a user's memberships but the one kept", async () => {
    await store.users.create(user('usr_2'));
    await store.members.create(member('mem_9', 'acc_2', 'usr_1'));
    await store.members.create(member('mem_2', 'acc_1', 'usr_2'));
    await store.sessions.create(session('ses_1'), token('h1'));
    await store.sessions.create(session('ses_kept'), token('h2'));
    await store.sessions.create(session('ses_9', 'mem_9'), token('h3'));
    await store.sessions.create(session('ses_other', 'mem_2'), token('h4'));
    await store.sessions.revokeForUser('usr_1', 'password', at + 3, 'ses_kept');
    const reasons = async (ids: string[]) =>
      Promise.all(ids.map(async (id) => (await store.sessions.get(id))?.revokedReason));
    expect(await reasons(['ses_1', 'ses_kept', 'ses_9', 'ses_other'])).toEqual(['password', null, 'password', null]);
    await store.sessions.revokeForUser('usr_1', 'removed', at + 4);
    expect(await reasons(['ses_1', 'ses_kept'])).toEqual(['password', 'removed']);
  });
});
