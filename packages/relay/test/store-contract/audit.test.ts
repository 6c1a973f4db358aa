import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AuditFilter,
  type AuditRecord,
  type PageRequest,
  type Project,
  type Store,
} from '../../src/store/types/index.js';
import { backends, type OpenedStore } from './backends.js';
import { projectRecord } from '../helpers/store-records.js';

const at = 1_700_000_000_000;
const project = (id: string, accountId: string | null): Project => projectRecord(id, { name: id, accountId });

/** Entries 1–6, told apart by `detail.n`. */
const entries: AuditRecord[] = [
  { projectId: 'prj_a', actor: 'member', action: 'project.update', at, actorId: 'mem_1', resourceType: 'project' },
  { projectId: 'prj_b', actor: 'cli', action: 'key.create', at: at + 1, resourceType: 'key', resourceId: 'key_1' },
  { projectId: 'prj_a', actor: 'member', action: 'key.create', at: at + 1, actorId: 'mem_2', resourceType: 'key' },
  { projectId: null, accountId: 'acc_1', actor: 'member', action: 'member.invite', at: at + 2, actorId: 'mem_1' },
  { projectId: 'prj_c', actor: 'cli', action: 'project.create', at: at + 3 },
  { projectId: 'prj_a', accountId: 'acc_2', actor: 'admin_token', action: 'project.update', at: at + 4 },
].map((e, i) => ({ ...e, detail: { n: i + 1 } }));

describe.each(backends)('audit ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
    for (const id of ['acc_1', 'acc_2']) await store.accounts.create({ id, name: id, createdAt: at, updatedAt: at });
    await store.projects.create(project('prj_a', 'acc_1'));
    await store.projects.create(project('prj_b', 'acc_1'));
    await store.projects.create(project('prj_c', null));
  });
  afterEach(() => opened.dispose());

  it('stores every field and reads it back by id, within its account only', async () => {
    const full: AuditRecord = {
      projectId: 'prj_a',
      actor: 'member',
      action: 'connector.update',
      detail: { changed: ['name'], nested: { deep: [1, null, 'é'] } },
      at,
      accountId: 'acc_2',
      actorId: 'mem_1',
      credential: 'session:ses_1',
      resourceType: 'connector',
      resourceId: 'con_1',
      before: { name: 'old', secret: '[redacted]' },
      after: 'a string',
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0 "quoted"',
      requestId: 'req_1',
    };
    await store.audit.record(full);
    await store.audit.record({ projectId: 'prj_b', actor: 'cli', action: 'key.revoke', at: at + 1 });
    const [stored] = (await store.audit.page('acc_2', {}, { limit: 10 })).items;
    const [fallback] = (await store.audit.page('acc_1', {}, { limit: 10 })).items;
    expect(stored).toEqual({ ...full, id: stored!.id });
    expect(stored!.id).toMatch(/^\d+$/);
    expect(await store.audit.get('acc_2', stored!.id)).toEqual(stored);
    // Without an account, the project's account is recorded; nothing else is made up.
    expect(fallback).toEqual({
      id: fallback!.id,
      projectId: 'prj_b',
      actor: 'cli',
      action: 'key.revoke',
      at: at + 1,
      accountId: 'acc_1',
      actorId: null,
      credential: null,
      resourceType: null,
      resourceId: null,
      before: undefined,
      after: undefined,
      ip: null,
      userAgent: null,
      requestId: null,
    });
    expect(fallback).not.toHaveProperty('detail');
    expect(await store.audit.get('acc_1', stored!.id)).toBeNull();
    for (const id of ['abc', '1e3', '', '9999999', '1234567890123456', `${fallback!.id}\u0000`]) {
      expect(await store.audit.get('acc_1', id), id).toBeNull();
    }
  });

  describe('page', () => {
    beforeEach(async () => {
      for (const entry of entries) await store.audit.record(entry);
    });
    const list = async (filter: AuditFilter, page: PageRequest = { limit: 10 }, account = 'acc_1') =>
      (await store.audit.page(account, filter, page)).items.map((e) => e.detail?.n);

    it('lists the account’s entries newest first, page by page', async () => {
      expect(await list({})).toEqual([4, 3, 2, 1]);
      expect(await list({}, { limit: 10 }, 'acc_2')).toEqual([6]);
      expect(await list({}, { limit: 10 }, 'acc_none')).toEqual([]);
      const first = await store.audit.page('acc_1', {}, { limit: 3 });
      expect(first.items.map((e) => e.detail?.n)).toEqual([4, 3, 2]);
      expect(first.next).toEqual({ key: at + 1, id: first.items[2]!.id });
      const second = await store.audit.page('acc_1', {}, { limit: 3, after: first.next! });
      expect(second.items.map((e) => e.detail?.n)).toEqual([1]);
      expect(second.next).toBeNull();
    });

    it('filters by action, actor, resource, project, time and the projects a member sees', async () => {
      expect(await list({ action: 'key.create' })).toEqual([3, 2]);
      expect(await list({ actorId: 'mem_1' })).toEqual([4, 1]);
      expect(await list({ resourceType: 'key', resourceId: 'key_1' })).toEqual([2]);
      expect(await list({ projectId: 'prj_a' })).toEqual([3, 1]);
      expect(await list({ from: at + 1 })).toEqual([4, 3, 2]);
      expect(await list({ to: at + 1 })).toEqual([1]);
      expect(await list({ from: at + 1, to: at + 2, action: 'key.create' })).toEqual([3, 2]);
      expect(await list({ projectIds: ['prj_b'] })).toEqual([2]);
      expect(await list({ projectIds: [] })).toEqual([]);
      expect(await list({ projectIds: null })).toEqual([4, 3, 2, 1]);
      expect(await list({ action: 'key.create' }, { limit: 1 })).toEqual([3]);
    });

    it('reads the entries a cursor or filter of any shape names, as SQLite compares them', async () => {
      const third = (await store.audit.page('acc_1', {}, { limit: 2 })).next!;
      expect(await list({}, { limit: 10, after: third })).toEqual([2, 1]);
      expect(await list({}, { limit: 10, after: { key: at + 1.5, id: 'abc' } })).toEqual([3, 2, 1]);
      expect(await list({}, { limit: 10, after: { key: at + 1, id: 'abc' } })).toEqual([1]);
      expect(await list({}, { limit: 10, after: { key: String(at + 1), id: third.id } })).toEqual([2, 1]);
      expect(await list({}, { limit: 10, after: { key: 1e300, id: '1' } })).toEqual([4, 3, 2, 1]);
      expect(await list({}, { limit: 10, after: { key: 'soon', id: '1' } })).toEqual([]);
      expect(await list({ from: Number.NaN })).toEqual([]);
      expect(await list({ to: at + 0.5 })).toEqual([1]);
      expect(await list({ action: 'key.create\u0000' })).toEqual([]);
      expect(await list({ projectIds: ['prj_a', 'prj_\u0000'] })).toEqual([3, 1]);
    });
  });
});
